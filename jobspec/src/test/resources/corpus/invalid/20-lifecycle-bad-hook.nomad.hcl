job "bad" {
  group "g" {
    task "a" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      lifecycle {
        hook    = "prestop"
      }
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      lifecycle {
        hook    = "poststop"
        sidecar = true
      }
    }
  }
}
