job "affinity" {
  affinity {
    attribute = "${node.datacenter}"
    value     = "dc1"
  }
  group "g" {
    affinity {
      attribute = "${meta.rack}"
      value     = "r1"
      weight    = -50
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
