#!/bin/bash
# Checks `corral-sandbox SUBCOMMAND --parse-only ARGS` against every golden NAME.parsed, passing
# the arguments directly, through a NUL-separated @FILE and (run) on stdin with `run @-`. No root needed.
# Usage: golden.sh BINARY GOLDEN_DIR
set -u
bin=$1
dir=$2
passed=0
failed=0
tmp=$(mktemp -d /tmp/corral-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for argv_file in "$dir"/*.argv; do
    name=$(basename "$argv_file" .argv)
    mapfile -t args < "$argv_file"
    if "$bin" "${args[0]}" --parse-only "${args[@]:1}" > "$tmp/direct" 2> "$tmp/err" \
        && diff -u "$dir/$name.parsed" "$tmp/direct"; then
        passed=$((passed + 1))
    else
        echo "golden $name (argv): FAILED"; cat "$tmp/err"; failed=$((failed + 1))
    fi
    printf '%s\0' "${args[@]:1}" > "$tmp/$name.args"
    if "$bin" "${args[0]}" --parse-only "@$tmp/$name.args" > "$tmp/file" 2> "$tmp/err" \
        && diff -u "$dir/$name.parsed" "$tmp/file"; then
        passed=$((passed + 1))
    else
        echo "golden $name (@FILE): FAILED"; cat "$tmp/err"; failed=$((failed + 1))
    fi
    if [ "${args[0]}" = run ]; then
        # run @-: the environment, an empty entry, then the arguments, all on stdin
        if { printf 'GOLDEN=1\0\0'; printf '%s\0' --parse-only "${args[@]:1}"; } | "$bin" run @- > "$tmp/stream" 2> "$tmp/err" \
            && diff -u "$dir/$name.parsed" "$tmp/stream"; then
            passed=$((passed + 1))
        else
            echo "golden $name (@-): FAILED"; cat "$tmp/err"; failed=$((failed + 1))
        fi
    fi
done
echo "sandbox golden: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
