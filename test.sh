#!/usr/bin/env bash
# Runs the whole test suite: unit tests (no root) and integration tests
# (root, real kernel). Usage: ./test.sh [extra maven args]
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "25'; then
    for d in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25*; do
        [ -x "$d/bin/java" ] && { export JAVA_HOME="$d"; break; }
    done
fi
echo "test.sh: JAVA_HOME=$JAVA_HOME, running as uid $(id -u)"
# No -q: CI reads the Surefire/Failsafe summaries.
exec mvn -B verify "$@"
