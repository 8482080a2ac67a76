job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = uppercase("x")
      }
    }
  }
}
