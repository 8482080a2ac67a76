job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/echo"
        args    = [imagee]
      }
    }
  }
}
