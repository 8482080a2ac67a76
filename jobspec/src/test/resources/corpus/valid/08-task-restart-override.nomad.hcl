job "override" {
  type = "batch"
  group "g" {
    restart {
      attempts = 4
      interval = "1h"
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      restart {
        delay            = "5s"
        render_templates = true
      }
    }
  }
}
