job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
        arg     = ["x"]
        cap_add = "net_raw"
      }
    }
  }
}
