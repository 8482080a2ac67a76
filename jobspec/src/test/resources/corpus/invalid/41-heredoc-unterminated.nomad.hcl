job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = <<EOT
/bin/true
EO

      }
    }
  }
}
