# hash comment
// slash comment
/* block
   comment */
job "comments" { # trailing
  group "g" {
    task "t" {
      driver = "exec" // inline
      config { command = "/bin/true" }
      resources { memory = 64 }
      logs { max_files = 2 }
      /* between */ kill_timeout = "1s"
    }
  }
}
