job "user" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      user = "www-data"
    }
  }
}
