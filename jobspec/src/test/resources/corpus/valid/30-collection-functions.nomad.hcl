job "collections" {
  type = "batch"
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      meta = merge({ a = "1" }, { b = "2" }, zipmap(["c"], ["3"]))
      env = {
        LEN      = length(["a", "b", "c"])
        SORTED   = join(",", sort(["c", "a", "b"]))
        DISTINCT = join(",", distinct(["a", "a", "b"]))
        FLAT     = join(",", flatten([["a"], ["b", ["c"]]]))
        KEYS     = join(",", keys({ z = 1, y = 2 }))
        LOOKUP   = lookup({ a = "x" }, "b", "default")
        CONTAINS = contains(["a"], "a")
        ELEMENT  = element(["a", "b"], 3)
        SLICE    = join(",", slice(["a", "b", "c"], 0, 2))
        RANGE    = join(",", range(3))
        COALESCE = coalesce("", "fallback")
        REVERSE  = join(",", reverse(["1", "2"]))
      }
    }
  }
}
