job "restart" {
  group "g" {
    restart {
      attempts = 5
      interval = "10m"
      delay    = "25s"
      mode     = "delay"
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
