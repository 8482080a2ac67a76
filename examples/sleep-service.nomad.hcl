# A service job: runs until you stop it (Ctrl-C with `corral run`).
job "sleeper" {
  type = "service"

  group "sleeper" {
    count = 1

    task "sleep" {
      driver = "exec"
      kill_timeout = "3s"

      config {
        command = "/bin/sh"
        args    = ["-c", "trap 'echo got SIGINT, bye; exit 0' INT; echo sleeping; while :; do sleep 1; done"]
      }

      resources {
        cpu    = 100
        memory = 32
      }
    }
  }
}
