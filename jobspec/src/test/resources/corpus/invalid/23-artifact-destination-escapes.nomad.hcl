job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      artifact {
        source      = "https://example.com/a"
        destination = "../../../etc"
      }
    }
  }
}
