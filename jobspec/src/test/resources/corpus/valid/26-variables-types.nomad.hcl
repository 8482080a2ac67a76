variable "image" {
  type        = string
  default     = "app:1.0"
  description = "the image"
}

variable "replicas" {
  type    = number
  default = 2
}

variable "ports" {
  type    = list(number)
  default = [8080, "8081"]
}

variable "labels" {
  type    = map(string)
  default = { a = 1, b = true }
}

variable "limits" {
  type = object({ cpu = number, memory = number })
  default = {
    cpu    = 300
    memory = 128
  }
}

job "vars" {
  meta = var.labels

  group "g" {
    count = var.replicas

    task "t" {
      driver = "exec"
      config {
        command = "/bin/echo"
        args    = concat([var.image], [for p in var.ports : tostring(p)])
      }
      resources {
        cpu    = var.limits.cpu
        memory = var.limits.memory
      }
    }
  }
}
