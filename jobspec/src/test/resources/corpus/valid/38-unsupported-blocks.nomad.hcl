job "partial" {
  update {
    max_parallel = 1
  }
  spread {
    attribute = "${node.datacenter}"
  }
  group "g" {
    service {
      name = "web"
      port = "http"
    }
    scaling {
      min = 1
      max = 3
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      template {
        data        = "x={{ env \"NOMAD_ALLOC_ID\" }}"
        destination = "local/x.env"
        env         = true
      }
      vault {
        policies = ["read"]
      }
      resources {
        device "nvidia/gpu" {
          count = 1
        }
      }
    }
  }
}
