variable "greeting" {
  type = string
}

variable "times" {
  type    = number
  default = 1
}

variable "tags" {
  type    = list(string)
  default = []
}

job "cli" {
  type = "batch"
  group "g" {
    count = var.times
    task "t" {
      driver = "exec"
      config {
        command = "/bin/echo"
        args    = concat([var.greeting], var.tags)
      }
    }
  }
}
