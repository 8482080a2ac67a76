job "raw" {
  type = "batch"
  group "g" {
    task "t" {
      driver = "raw_exec"
      config {
        command = "/usr/bin/env"
        args    = ["-i"]
      }
    }
  }
}
