job "logs" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      logs {
        max_files     = 3
        max_file_size = 20
      }
    }
  }
}
