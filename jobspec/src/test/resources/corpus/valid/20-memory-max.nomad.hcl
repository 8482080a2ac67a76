job "memmax" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      resources {
        cpu        = 200
        memory     = 128
        memory_max = 512
      }
    }
  }
}
