job "web" {
  group "g" {
    count = 3

    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      resources {
        cpu    = 500
        memory = 256
      }
    }
  }
}
