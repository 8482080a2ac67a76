job "bad" {
  priority = 0
  datacenters = []
  group "g" {
    count = -1
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
