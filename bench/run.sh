#!/bin/sh
# Corral benchmark harness (issue 9), one command: builds what it needs, installs the peers it can
# (bubblewrap, crun), runs every scenario and writes bench/results/<date>-<host>.{json,md,svg}.
#   bench/run.sh                 full run (about 15 minutes on 2 cores)
#   bench/run.sh --quick         tiny counts, a minute or two
#   bench/run.sh --help          all options (counts, --scenarios, --no-peers, --label)
# Run it as root on a quiet machine: the numbers are only as good as the machine's idle time.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
if [ "$(id -u)" != 0 ]; then
    echo "bench/run.sh: must run as root (namespaces, cgroups, mounts)" >&2; exit 1
fi

. "$here/bin/java25.sh"
java25_home bench/run.sh

# Peers: installed from the distribution when missing; the harness skips (with a note) what is absent.
missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
command -v crun >/dev/null 2>&1 || missing="$missing crun"
if [ -n "$missing" ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench/run.sh: installing$missing" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y $missing >&2 ||
        echo "bench/run.sh: could not install$missing; those peers will be skipped" >&2
fi
command -v gcc >/dev/null 2>&1 || { echo "bench/run.sh: gcc is required (apt-get install -y gcc libc6-dev)" >&2; exit 1; }

echo "bench/run.sh: building (mvn -pl bench -am package)..." >&2
mvn -B -q -DskipTests -pl bench -am package >&2
# bin/corral rebuilds when its stamp differs from HEAD; the jar was just built from this tree.
git rev-parse HEAD > cli/target/corral.jar.commit 2>/dev/null || echo none > cli/target/corral.jar.commit

echo "bench/run.sh: load before the run: $(cat /proc/loadavg) on $(nproc) cores" >&2
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dmsgpack.universal-buffer=true \
    -Dcorral.repo="$here" -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
    dev.corral.bench.Bench "$@"
