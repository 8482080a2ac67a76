variable "replicas" {
  type    = number
  default = 0
  validation {
    condition     = var.replicas > 0
    error_message = "replicas must be positive"
  }
}

job "bad" {
  group "g" {
    count = var.replicas
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
