job "execfull" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command  = "/usr/bin/server"
        args     = ["--port", 8080, true]
        pid_mode = "host"
        ipc_mode = "private"
        cap_add  = ["net_bind_service", "sys_time"]
        cap_drop = ["all"]
        work_dir = "/srv"
      }
    }
  }
}
