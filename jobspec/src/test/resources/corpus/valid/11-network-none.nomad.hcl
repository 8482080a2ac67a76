job "isolated" {
  type = "batch"
  group "g" {
    network {
      mode = "none"
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
