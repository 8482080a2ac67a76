job "leader" {
  group "g" {
    shutdown_delay = "5s"
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      leader         = true
      shutdown_delay = "2s"
    }
    task "helper" {
      driver = "exec"
      config {
        command = "/bin/sleep"
        args    = ["infinity"]
      }
    }
  }
}
