# The first job a newcomer runs: `bin/corral run examples/hello.nomad.hcl` (as root).
# The task prints what it can see, so you can check the isolation yourself.
job "hello" {
  type = "batch"

  group "hello" {
    task "hello" {
      driver = "exec"

      config {
        command = "/bin/sh"
        args = ["-c", <<-EOT
          echo "hello from task $NOMAD_TASK_NAME of job $NOMAD_JOB_NAME"
          echo "id:       $(id)"
          echo "hostname: $(hostname)"
          echo "processes (pid 1 is corral-sandbox):"
          ps -eo pid,user,args
          echo "root dir: $(ls / | tr '\n' ' ')"
          if touch /usr/corral-write-probe 2>/dev/null; then
            echo "write to /usr: ALLOWED (isolation broken)"; exit 1
          else
            echo "write to /usr: denied (read-only)"
          fi
          EOT
        ]
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
