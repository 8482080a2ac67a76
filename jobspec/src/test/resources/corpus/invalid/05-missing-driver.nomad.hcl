job "bad" {
  group "g" {
    task "t" {
      config {
        command = "/bin/true"
      }
    }
  }
}
