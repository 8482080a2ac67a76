job "bad" {
  group "g" {
    task "a" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      leader = true
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      leader = true
    }
  }
}
