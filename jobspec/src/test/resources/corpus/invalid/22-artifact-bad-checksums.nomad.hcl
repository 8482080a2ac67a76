job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      artifact {
        source = "https://example.com/a"
        options {
          checksum = "sha256"
        }
      }
      artifact {
        source = "https://example.com/b"
        options {
          checksum = "crc32:abcd"
        }
      }
      artifact {
        source = "https://example.com/c"
        options {
          checksum = "md5:abcd"
        }
      }
      artifact {
        source = "https://example.com/d"
        options {
          checksum = "sha1:zz"
        }
      }
    }
  }
}
