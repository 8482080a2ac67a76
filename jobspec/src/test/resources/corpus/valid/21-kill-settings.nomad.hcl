job "kill" {
  type = "batch"
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      kill_timeout = "45s"
      kill_signal  = "SIGUSR1"
    }
  }
}
