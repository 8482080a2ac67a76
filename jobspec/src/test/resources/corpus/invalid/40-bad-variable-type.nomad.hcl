variable "n" {
  type    = number
  default = "abc"
}

job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
