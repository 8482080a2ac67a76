job "env" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      env {
        PATH    = "/usr/local/bin:${env["PATH"]}"
        NODE    = "${node.unique.name}"
        ARCH    = "${attr.cpu.arch}"
        RACK    = "${meta.rack}"
        DATA    = "${NOMAD_ALLOC_DIR}/data"
        LITERAL = "$${NOT_INTERPOLATED}"
      }
    }
  }
}
