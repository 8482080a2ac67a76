job "bad" {
  group "g" {
    restart {
      mode = "retry"
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
