job "heredoc" {
  type = "batch"
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/sh"
        args = ["-c", <<-EOT
          set -e
          echo "alloc: ${NOMAD_ALLOC_ID}"
            echo indented
          EOT
          , <<EOF
raw $${HOME}
EOF
        ]
      }
    }
  }
}
