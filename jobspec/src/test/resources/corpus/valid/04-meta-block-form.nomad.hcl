job "meta" {
  meta {
    version = "1.0"
  }
  group "g" {
    meta {
      tier = "backend"
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      meta {
        role = "worker"
      }
    }
  }
}
