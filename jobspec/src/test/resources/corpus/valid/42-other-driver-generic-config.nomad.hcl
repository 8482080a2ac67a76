job "docker" {
  group "g" {
    task "t" {
      driver = "docker"
      config {
        image = "redis:7"
        ports = ["db"]
        mount {
          type   = "bind"
          source = "local/conf"
          target = "/etc/redis"
        }
        mount {
          type   = "tmpfs"
          target = "/tmp"
        }
        logging {
          type = "json-file"
          config {
            max-size = "10m"
          }
        }
      }
    }
  }
}
