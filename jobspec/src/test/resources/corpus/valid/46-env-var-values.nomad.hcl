variable "region_name" {
  type = string
}

variable "from_file" {
  type    = number
  default = 0
}

job "envvars" {
  region = var.region_name
  group "g" {
    count = var.from_file
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
