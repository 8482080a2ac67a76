job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      kill_timeout   = "5 seconds"
      shutdown_delay = "10x"
    }
  }
}
