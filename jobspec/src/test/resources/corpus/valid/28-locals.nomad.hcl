locals {
  full_name = "${local.prefix}-${local.base}"
  prefix    = "corral"
}

locals {
  base  = "svc"
  ports = { http = 80, https = 443 }
  names = [for k, v in local.ports : "${k}:${v}"]
}

job "locals" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/echo"
        args    = concat([local.full_name], local.names)
      }
    }
  }
}
