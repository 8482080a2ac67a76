#!/usr/bin/env bash
# Runs the whole test suite: unit tests (no root) and integration tests
# (root, real kernel: namespaces, cgroups, mounts). Usage: ./test.sh [maven args]
set -euo pipefail
cd "$(dirname "$0")"
. ./bin/java25.sh
java25_home test.sh
echo "test.sh: JAVA_HOME=$JAVA_HOME, uid $(id -u), kernel $(uname -r)"

# No -q: CI reads the Surefire/Failsafe summaries.
mvn -B verify "$@"

# Guard: as root every test must really run. A skipped test (a root test whose
# assumption failed, a disabled test) is a defect, so it fails the run.
if [ "$(id -u)" = 0 ]; then
    skipped=$(find . -path '*/target/*-reports/TEST-*.xml' -print0 |
        xargs -0 -r grep -ho 'skipped="[0-9]*"' | head -n 100000 |
        awk -F'"' '{s += $2} END {print s + 0}')
    if [ "$skipped" != 0 ]; then
        echo "test.sh: $skipped test(s) skipped while running as root:" >&2
        find . -path '*/target/*-reports/TEST-*.xml' -print0 |
            xargs -0 -r grep -l 'skipped="[1-9]' >&2
        exit 1
    fi
    echo "test.sh: root guard ok (no skipped tests)"
fi
