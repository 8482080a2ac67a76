job "bad" {
  group {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
