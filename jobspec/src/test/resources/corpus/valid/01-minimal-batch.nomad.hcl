job "hello" {
  type = "batch"

  group "hello" {
    task "hello" {
      driver = "exec"

      config {
        command = "/bin/echo"
        args    = ["hello", "world"]
      }
    }
  }
}
