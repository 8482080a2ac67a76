job "artifacts" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "local/app"
      }
      artifact {
        source = "https://example.com/app-${NOMAD_ALLOC_ID}.tar.gz"
        options {
          archive = "false"
        }
        headers {
          Authorization = "Bearer ${NOMAD_META_token}"
        }
      }
      artifact {
        source = "https://example.com/config.json"
        mode   = "file"
      }
      artifact {
        source      = "git::https://example.com/repo.git"
        destination = "local/repo"
        mode        = "dir"
      }
    }
  }
}
