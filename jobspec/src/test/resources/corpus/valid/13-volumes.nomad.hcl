job "volumes" {
  group "g" {
    volume "data" {
      type      = "host"
      source    = "shared-data"
      read_only = false
    }
    volume "certs" {
      type      = "host"
      source    = "certs"
      read_only = true
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      volume_mount {
        volume      = "data"
        destination = "/srv/data"
      }
      volume_mount {
        volume           = "certs"
        destination      = "/etc/certs"
        read_only        = true
        propagation_mode = "host-to-task"
      }
    }
  }
}
