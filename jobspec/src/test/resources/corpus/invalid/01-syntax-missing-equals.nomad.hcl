job "bad" {
  group "g" {
    count 3
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
