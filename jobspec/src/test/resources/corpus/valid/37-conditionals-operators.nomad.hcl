variable "env" {
  default = "prod"
}

job "cond" {
  priority = var.env == "prod" ? 80 : 30
  group "g" {
    count = var.env == "prod" && !false ? 2 * 2 - 1 : 1
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      resources {
        cpu    = (100 + 50) * 2 % 7 + 293
        memory = var.env != "prod" || 1 >= 2 ? 64 : 512
      }
    }
  }
}
