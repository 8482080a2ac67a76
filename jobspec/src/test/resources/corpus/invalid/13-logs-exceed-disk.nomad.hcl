job "bad" {
  group "g" {
    ephemeral_disk {
      size = 50
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      logs {
        max_files     = 10
        max_file_size = 10
      }
    }
  }
}
