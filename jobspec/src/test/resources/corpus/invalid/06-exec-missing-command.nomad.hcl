job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        args = ["x"]
      }
    }
  }
}
