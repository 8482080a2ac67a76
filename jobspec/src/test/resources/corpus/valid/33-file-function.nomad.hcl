job "files" {
  type = "batch"
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/sh"
        args    = ["-c", file("33-file-function.sh")]
      }
    }
  }
}
