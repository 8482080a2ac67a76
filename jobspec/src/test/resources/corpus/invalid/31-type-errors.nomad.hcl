job "bad" {
  group "g" {
    count = "three"
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      user   = ["root"]
      leader = "yes"
      env    = ["A=1"]
    }
  }
}
