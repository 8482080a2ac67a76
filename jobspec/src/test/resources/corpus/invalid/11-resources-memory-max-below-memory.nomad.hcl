job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      resources {
        memory     = 512
        memory_max = 256
      }
    }
  }
}
