job "empty" {
  type = "batch"
}
