job "resched" {
  reschedule {
    delay     = "1m"
    max_delay = "30m"
  }
  group "g" {
    reschedule {
      attempts       = 3
      interval       = "2h"
      delay_function = "fibonacci"
      unlimited      = false
    }
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
