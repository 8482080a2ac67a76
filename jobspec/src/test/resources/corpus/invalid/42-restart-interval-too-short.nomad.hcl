job "bad" {
  group "g" {
    restart {
      attempts = 10
      interval = "1m"
      delay    = "15s"
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
