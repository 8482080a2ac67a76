locals {
  backends = [
    { name = "a", port = 1 },
    { name = "b", port = 2 },
  ]
}

job "splat" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/echo"
        args    = concat(local.backends[*].name, [for p in local.backends.*.port : tostring(p)])
      }
    }
  }
}
