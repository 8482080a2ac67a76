job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      logs {
        max_files     = 0
        max_file_size = 0
      }
    }
  }
}
