job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      resource {
        cpu = 100
      }
    }
  }
}
