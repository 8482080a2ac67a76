#!/bin/bash
# Measures the resident memory of an idle sandbox: A (corral-sandbox run) and B (the init),
# the task being `sleep`, with and without log rotation. Needs root. Not part of the build.
# Usage: rss.sh BINARY
set -u
bin=$(readlink -f "$1")
work=$(mktemp -d /tmp/corral-rss.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
RO=(--ro-bind /bin /bin --ro-bind /lib /lib --ro-bind /lib64 /lib64 --ro-bind /usr /usr --ro-bind /etc /etc)
# VmRSS counts the static binary's shared text in both processes; Private_* is what each adds
rss() {
    echo "VmRSS $(sed -n 's/^VmRSS:[[:space:]]*//p' "/proc/$1/status")," \
        "private $(awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s " kB"}' "/proc/$1/smaps_rollup")"
}
measure() {
    local name=$1; shift
    local t=$work/$name
    mkdir -p "$t/task" "$t/alloc/logs"
    "$bin" run --task-dir "$t/task" --alloc-dir "$t/alloc" "${RO[@]}" "$@" --status-file "$t/status" \
        -- /bin/sh -c 'echo started; touch /alloc/ready; exec sleep 1000' >/dev/null 2>&1 &
    local a=$!
    for _ in $(seq 1 200); do [ -e "$t/alloc/ready" ] && break; sleep 0.05; done
    local init
    init=$(sed -n 's/^init_pid=//p' "$t/status")
    echo "$name: A (pid $a): $(rss "$a"); B (pid $init): $(rss "$init")"
    kill -TERM "$a"
    wait "$a"
}
measure inherit-stdio
measure log-rotation --log-dir "$work/log-rotation/alloc/logs" --log-name t
ls -l "$bin" | awk '{print "binary size: " $5 " bytes"}'
