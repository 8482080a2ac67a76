job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command  = "/bin/true"
        pid_mode = "shared"
        ipc_mode = "none"
        work_dir = "relative/dir"
      }
    }
  }
}
