variable "servers" {
  default = ["a", "b", "c"]
}

job "directives" {
  type = "batch"
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/echo"
        args = [
          "%{ for i, s in var.servers }${s}%{ if i < length(var.servers) - 1 },%{ endif }%{ endfor }",
          "%{ if length(var.servers) > 2 ~} many %{~ else ~} few %{~ endif }",
        ]
      }
    }
  }
}
