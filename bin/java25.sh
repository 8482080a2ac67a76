# Sourced by bin/corral, test.sh and bench/run.sh: sets and exports JAVA_HOME to a Java 25 JDK
# (JAVA_HOME if it is one, else the first under /usr/lib/jvm), or exits with a clear message.
# $1 names the caller in that message.
java25_home() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] &&
       "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "25'; then
        return 0
    fi
    for d in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25* /usr/lib/jvm/jdk-25*; do
        if [ -x "$d/bin/java" ]; then JAVA_HOME=$d; export JAVA_HOME; return 0; fi
    done
    echo "$1: no Java 25 found; set JAVA_HOME to a JDK 25" >&2
    exit 1
}
