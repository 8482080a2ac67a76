job "cores" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      resources {
        cores  = 2
        memory = 512
      }
    }
  }
}
