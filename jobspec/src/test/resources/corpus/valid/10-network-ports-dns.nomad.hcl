job "net" {
  group "g" {
    network {
      mode = "host"
      port "http" {
        static = 8080
      }
      port "metrics" {
        to = 9100
      }
      port "db" {}
      dns {
        servers  = ["1.1.1.1", "8.8.8.8"]
        searches = ["svc.local"]
        options  = ["ndots:2"]
      }
    }
    task "t" {
      driver = "exec"
      config {
        command = "server"
        args    = ["-listen", "${NOMAD_ADDR_http}", "-metrics", "${NOMAD_PORT_metrics}"]
      }
    }
  }
}
