job "attrs" {
  name        = "Attributes Job"
  region      = "eu-west"
  namespace   = "prod"
  datacenters = ["dc1", "dc2"]
  node_pool   = "gpu"
  priority    = 75
  meta = {
    owner       = "team-a"
    "cost.code" = "42"
  }
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
