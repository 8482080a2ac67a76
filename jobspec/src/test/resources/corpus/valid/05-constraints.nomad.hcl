job "constraints" {
  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }
  constraint {
    attribute = "${node.class}"
    operator  = "!="
    value     = "edge"
  }
  constraint {
    attribute        = "${meta.zones}"
    set_contains_any = "a,b"
  }
  group "g" {
    constraint {
      attribute = "${attr.cpu.arch}"
      operator  = "regexp"
      value     = "^(amd64|arm64)$"
    }
    constraint {
      distinct_hosts = true
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      constraint {
        attribute = "${attr.kernel.version}"
        version   = ">= 4.19"
      }
      constraint {
        attribute = "${meta.rack}"
        operator  = "is_set"
      }
    }
  }
}
