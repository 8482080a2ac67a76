job "escapes" {
  type = "batch"
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/printf"
        args    = ["tab\there\nnewline", "quote \" backslash \\", "\u00e9\U0001F600", "percent %%{ and dollar $${x}"]
      }
    }
  }
}
