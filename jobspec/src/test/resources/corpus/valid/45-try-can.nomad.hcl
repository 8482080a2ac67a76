variable "opts" {
  type    = map(string)
  default = { mode = "fast" }
}

job "trycan" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/echo"
        args = [
          try(var.opts.missing, "default-mode"),
          tostring(can(regex("^f", var.opts.mode))),
          try(var.opts.mode, "unused"),
        ]
      }
    }
  }
}
