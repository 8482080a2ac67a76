locals {
  files = {
    "app.tar.gz" = "local/app"
    "conf.zip"   = "local/conf"
  }
  kernels = ["linux"]
}

job "dynamic" {
  dynamic "constraint" {
    for_each = local.kernels
    content {
      attribute = "${attr.kernel.name}"
      value     = constraint.value
    }
  }

  group "g" {
    network {
      dynamic "port" {
        for_each = ["http", "grpc"]
        iterator = p
        labels   = [p.value]
        content {
          to = 8000 + p.key
        }
      }
    }

    task "t" {
      driver = "docker"
      config {
        image = "app"
        dynamic "mount" {
          for_each = ["/a", "/b"]
          content {
            target = mount.value
          }
        }
      }

      dynamic "artifact" {
        for_each = local.files
        iterator = f
        content {
          source      = "https://example.com/${f.key}"
          destination = f.value
        }
      }
    }
  }
}
