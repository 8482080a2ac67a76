job "bad" {
  group "g" {
    network {
      mode = "bridge"
      port "a" {
        static = 70000
      }
      port "a" {}
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
