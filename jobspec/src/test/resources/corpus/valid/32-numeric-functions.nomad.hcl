job "numeric" {
  group "g" {
    count = max(1, min(5, 3))

    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      resources {
        cpu    = ceil(150.2)
        memory = floor(pow(2, 8))
      }
      env {
        ABS    = abs(-3)
        PARSED = parseint("ff", 16)
        NUM    = tonumber("1.5") * 2
        LOG    = log(100, 10)
      }
    }
  }
}
