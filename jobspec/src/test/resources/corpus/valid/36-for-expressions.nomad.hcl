locals {
  settings = { log_level = "debug", workers = 4 }
}

job "forexpr" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/env"
      }
      env  = { for k, v in local.settings : upper(k) => tostring(v) }
      meta = { for i, n in ["x", "y"] : n => "${i}" if n != "" }
    }
  }
}
