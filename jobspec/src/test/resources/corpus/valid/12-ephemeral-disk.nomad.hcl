job "disk" {
  group "g" {
    ephemeral_disk {
      size    = 1024
      sticky  = true
      migrate = true
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
