job "multi" {
  datacenters = ["dc1"]

  group "frontend" {
    count = 2
    task "nginx" {
      driver = "exec"
      config {
        command = "/usr/sbin/nginx"
        args    = ["-g", "daemon off;"]
      }
    }
  }

  group "backend" {
    task "api" {
      driver = "exec"
      config {
        command = "/usr/bin/api"
      }
    }
    task "worker" {
      driver = "raw_exec"
      config {
        command = "/usr/bin/worker"
      }
    }
  }
}
