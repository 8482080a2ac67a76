job "strings" {
  type = "batch"
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
      env {
        UP     = upper("shout")
        LOW    = lower("QUIET")
        TITLE  = title("a title")
        FMT    = format("%s-%04d", "id", 42)
        JOINED = join(",", ["a", "b"])
        REPL   = replace("a.b.c", ".", "/")
        SUB    = substr("abcdef", 2, 3)
        TRIM   = trimspace("  x  ")
        PREFIX = trimprefix("v1.2", "v")
        REGEX  = regex_replace("abc123", "[0-9]+", "#")
        SPLIT  = jsonencode(split(":", "a:b:c"))
        INDENT = indent(2, "l1\nl2")
      }
    }
  }
}
