# A realistic Nomad job, exercising most of the syntax a job file uses.
variable "image_version" {
  type        = string
  default     = "1.2.3"
  description = "version to fetch"
}

locals {
  ports = [for p in [8080, 8081] : p + 1]
  tags  = { for i, t in ["a", "b"] : t => i }
}

job "web" {
  datacenters = ["dc1", "dc2",]
  type        = "service"
  priority    = 50

  meta = {
    "team.name" = "infra"
    owner       = "ops"
  }

  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }

  constraint {
    attribute = "${attr.cpu.arch}"
    operator  = "regexp"
    value     = "^(amd64|arm64)$"
  }

  group "api" {
    count = 2

    network {
      port "db" { to = 6379 }
      port "http" {}
    }

    restart {
      attempts = 3
      interval = "30m"
      delay    = "15s"
      mode     = "fail"
    }

    task "server" {
      driver = "exec"

      config {
        command = "/bin/sh"
        args = [
          "-c",
          "echo $${HOME} ${NOMAD_ALLOC_ID} && exec ${NOMAD_TASK_DIR}/server -port=${NOMAD_PORT_http}",
        ]
      }

      env {
        PATH      = "/usr/bin:${env["PATH"]}"
        NODE_NAME = "${node.unique.name}"
        LEVEL     = upper("debug")
        FLOAT     = -1.5e2
      }

      artifact {
        source      = "https://example.com/server-${var.image_version}.tar.gz"
        destination = "local/"
        options {
          checksum = "sha256:0123456789abcdef"
        }
      }

      template {
        data        = <<-EOT
          host = "{{ env "NOMAD_IP_http" }}"
          %{ for p in local.ports ~}
          port = ${p}
          %{ endfor ~}
          EOT
        destination = "local/app.conf"
      }

      template {
        data = <<EOH
raw = "${NOMAD_ALLOC_DIR}"
EOH
        destination = "local/raw.conf"
      }

      resources {
        cpu    = 500 # MHz
        memory = 256 /* MB */
      }

      kill_timeout = "10s"
      kill_signal  = "SIGTERM"
    }
  }
}
