#!/bin/bash
# Checks `corral-sandbox SUBCOMMAND --parse-only ARGS` against every golden NAME.parsed, passing
# the arguments both directly and through a NUL-separated @FILE. No root needed.
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
done
echo "sandbox golden: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
