variable "image" {
  type = string
}

job "bad" {
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = var.image
      }
    }
  }
}
