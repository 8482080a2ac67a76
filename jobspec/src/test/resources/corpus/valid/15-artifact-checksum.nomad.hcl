job "checksum" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "local/bin/tool"
      }
      artifact {
        source      = "https://example.com/tool.zip"
        destination = "local/bin/"
        options = {
          checksum = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        }
      }
    }
  }
}
