job "encoding" {
  type = "batch"
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/sh"
        args = [
          "-c",
          "echo ${base64encode("secret")} ${jsonencode({ a = [1, 2] })} ${urlencode("a b")} ${sha256("x")}",
          jsondecode("{\"k\": \"v\"}").k,
          base64decode("aGk="),
        ]
      }
    }
  }
}
