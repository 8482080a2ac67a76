job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      dynamic "artefact" {
        for_each = [1]
        content {
          source = "x"
        }
      }
      dynamic "artifact" {
        for_each = "not-a-list"
        content {
          source = "x"
        }
      }
      dynamic "constraint" {
        for_each = [1]
      }
    }
  }
}
