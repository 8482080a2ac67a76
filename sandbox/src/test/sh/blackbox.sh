#!/bin/bash
# Black-box root suite for corral-sandbox: each check tries to break one promise of
# CONTRACT.md with a real task in a throwaway task dir under a unique /tmp path.
# Usage: blackbox.sh BINARY. Without root it says so and exits 0 (every check needs root).
set -u
bin=$(readlink -f "$1")
if [ "$(id -u)" != 0 ]; then
    echo "sandbox blackbox: skipped, needs root"
    exit 0
fi

work=$(mktemp -d /tmp/corral-blackbox.XXXXXX)
chmod 755 "$work"
cgroup=/sys/fs/cgroup/pids/corral-test-$$-$RANDOM
passed=0
failed=0
started_pids=()

cleanup() {
    for pid in "${started_pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    wait 2>/dev/null
    [ -d "$cgroup" ] && rmdir "$cgroup"
    # --one-file-system: should a bind mount ever leak to the host, never delete through it
    [ -n "${KEEP:-}" ] || rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# watchdog PID: SIGKILL PID if it is still running after 60 s, so a hang fails instead of blocking the build
watchdog() {
    (sleep 60; kill -KILL "$1" 2>/dev/null) >/dev/null 2>&1 &
    started_pids+=("$!")
}

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAILED: $*"; }
# check NAME ACTUAL EXPECTED
check() {
    if [ "$2" == "$3" ]; then pass; else fail "$1: got [$2], want [$3]"; fi
}
# check_contains NAME HAYSTACK NEEDLE
check_contains() {
    if [[ "$2" == *"$3"* ]]; then pass; else fail "$1: [$2] does not contain [$3]"; fi
}
status_key() { sed -n "s/^$2=//p" "$1"; }

RO=(--ro-bind /bin /bin --ro-bind /etc /etc --ro-bind /lib /lib --ro-bind /lib32 /lib32
    --ro-bind /lib64 /lib64 --ro-bind /sbin /sbin --ro-bind /usr /usr)

# new_task NAME: a fresh task dir laid out as the Java driver does; sets $t
new_task() {
    t=$work/$1
    mkdir -p "$t/task/local" "$t/task/tmp" "$t/alloc/logs"
    chmod 1777 "$t/task/tmp" "$t/alloc"
    chmod 777 "$t/task/local"
}

# sandbox [FLAGS...] -- CMD...: runs the helper on $t with the default chroot_env; output in
# $t/out and $t/err, exit code in $rc
sandbox() {
    timeout -s TERM 60 "$bin" run --task-dir "$t/task" --alloc-dir "$t/alloc" "${RO[@]}" \
        "$@" >"$t/out" 2>"$t/err" </dev/null
    rc=$?
}

# Nothing of ours may appear in the host's mount table, ever.
check_no_host_mounts() {
    check "host mount table has no mount under $work ($1)" "$(grep -c "$work" /proc/self/mountinfo)" 0
}

# wait_for FILE: event-based sync on a marker file the task writes (bounded, never a fixed sleep)
wait_for() {
    for _ in $(seq 1 300); do
        [ -e "$1" ] && return 0
        sleep 0.05
    done
    return 1
}

# start_bg NAME CMD [FLAGS...]: a sandbox in the background whose task touches /alloc/ready
# first; sets $a (A's pid) and returns once the marker exists
start_bg() {
    new_task "$1"
    local cmd=$2
    shift 2
    # no timeout(1) wrapper: signals must reach A itself; a watchdog bounds a hang instead
    "$bin" run --task-dir "$t/task" --alloc-dir "$t/alloc" "${RO[@]}" "$@" --status-file "$t/status" \
        -- /bin/sh -c "$cmd" >"$t/out" 2>"$t/err" &
    a=$!
    started_pids+=("$a")
    watchdog "$a"
    # the task can touch its marker before B has seen the exec succeed: wait for both
    wait_for "$t/alloc/ready" && wait_for "$t/status" ||
        { fail "$t: the task never started: $(cat "$t/err")"; return 1; }
}

test_version_probe() {
    check "version" "$("$bin" version)" "corral-sandbox 0.1.0"
    local probe
    probe=$("$bin" probe)
    check "probe keys" "$(echo "$probe" | cut -d= -f1 | tr '\n' ' ')" \
        "pid_ns mount_ns ipc_ns uts_ns user_ns cap_last_cap cgroup pivot_root mount_api overlayfs root "
    check_contains "probe as root tries pivot_root and the mount API" "$probe" $'pivot_root=1\nmount_api=1'
    check_contains "probe cap_last_cap" "$probe" "cap_last_cap=$(cat /proc/sys/kernel/cap_last_cap)"
    check_contains "unknown subcommand" "$("$bin" frobnicate 2>&1; echo "rc=$?")" "rc=125"
}

test_identity() {
    new_task identity
    sandbox --status-file "$t/status" -- /bin/sh -c 'id -u; id -g; id -G'
    check "identity rc" "$rc" 0
    check "uid/gid/groups of the task" "$(cat "$t/out")" $'65534\n65534\n65534'
    new_task identity2
    sandbox --uid 1234 --gid 2345 --groups 7,8 --status-file "$t/status" -- /bin/sh -c 'id -u; id -g; id -G'
    check "explicit uid/gid/groups" "$(cat "$t/out")" $'1234\n2345\n2345 7 8'
}

test_pid_namespace() {
    new_task pidns
    # a glob, not ls: no extra process shows up in the listing
    sandbox --status-file "$t/status" -- /bin/sh -c 'cd /proc; echo [0-9]*; cat /proc/1/comm; kill -KILL 1; echo $?'
    check "ls /proc shows only init and the task" "$(sed -n 1p "$t/out")" "1 2"
    check "PID 1 is the sandbox" "$(sed -n 2p "$t/out")" "corral-init"
    check "the task cannot kill its init" "$(sed -n 3p "$t/out")" "1"
    check "task_pid in status" "$(status_key "$t/status" task_pid)" 2
    new_task pidhost
    sandbox --pid-mode host --ipc-mode host --status-file "$t/status" -- /bin/sh -c \
        'cat /proc/1/comm; readlink /proc/self/ns/ipc; readlink /proc/self/ns/pid'
    check "pid-mode host sees the host's PID 1" "$(sed -n 1p "$t/out")" "$(cat /proc/1/comm)"
    check "ipc-mode host shares the host's IPC ns" "$(sed -n 2p "$t/out")" "$(readlink /proc/self/ns/ipc)"
    check "pid-mode host shares the host's PID ns" "$(sed -n 3p "$t/out")" "$(readlink /proc/self/ns/pid)"
}

test_namespaces_differ() {
    new_task ns
    sandbox --hostname corral-blackbox --status-file "$t/status" -- /bin/sh -c \
        'hostname; for n in ipc uts mnt pid; do readlink /proc/self/ns/$n; done'
    check "hostname inside" "$(sed -n 1p "$t/out")" "corral-blackbox"
    if [ "$(sed -n 1p "$t/out")" != "$(hostname)" ]; then pass; else fail "hostname equals the host's"; fi
    local i=2
    for n in ipc uts mnt pid; do
        if [ "$(sed -n ${i}p "$t/out")" != "$(readlink /proc/self/ns/$n)" ]; then pass; else fail "$n ns is the host's"; fi
        i=$((i + 1))
    done
}

test_read_only_root() {
    new_task ro
    sandbox --status-file "$t/status" -- /bin/sh -c \
        'for d in /usr /bin /etc /lib /sbin; do touch $d/corral-x 2>/dev/null && echo "wrote $d"; done
         mkdir /usr/corral-d 2>/dev/null && echo "mkdir /usr"
         mount -o remount,rw /usr 2>/dev/null && echo "remounted"
         touch /local/ok && echo local-ok; echo done'
    check "writes to chroot_env fail, /local works" "$(cat "$t/out")" $'local-ok\ndone'
    [ -e /usr/corral-x ] && fail "a file appeared in the host's /usr"
    # the task root itself is the task dir: its writes land there, nowhere else
    check "task wrote into its own dir" "$(ls "$t/task/local")" "ok"
    new_task rootlisting
    sandbox --status-file "$t/status" -- /bin/sh -c 'ls -A / | tr "\n" " "; ls -A /proc/1/root/ >/dev/null 2>&1 && echo "saw init root"'
    check "/ holds only the chroot_env entries and the task layout" "$(cat "$t/out")" \
        "alloc bin dev etc lib lib64 local private proc sbin secrets sys tmp usr "
}

# Recursive binds: a submount under a chroot_env source must be read-only in the task too.
# The submount is made in a private mount namespace of this test, so the host never sees it.
test_recursive_ro() {
    new_task recursive
    mkdir -p "$t/src/sub"
    unshare -m --propagation private bash -c '
        mount -t tmpfs -o size=1m corral-sub "$1/src/sub" || exit 99
        exec timeout 60 "$2" run --task-dir "$1/task" --ro-bind /bin /bin --ro-bind /lib /lib \
            --ro-bind /lib64 /lib64 --ro-bind /usr /usr --ro-bind "$1/src" /data --status-file "$1/status" \
            -- /bin/sh -c "touch /data/sub/x 2>/dev/null && echo wrote-sub; grep \" /data/sub \" /proc/self/mountinfo | cut -d\" \" -f6"
    ' _ "$t" "$bin" >"$t/out" 2>"$t/err"
    check "recursive bind rc" "$?" 0
    check_contains "submount under a ro-bind is read-only" "$(cat "$t/out")" "ro,"
    if grep -q wrote-sub "$t/out"; then fail "wrote into a submount of a read-only bind"; else pass; fi
}

test_overlay_rootfs() {
    new_task overlay
    local flags=(--rootfs overlay --uid 0 --gid 0 --status-file "$t/status")
    sandbox "${flags[@]}" -- /bin/sh -c 'echo first >/etc/corral-overlay-$$ && cat /etc/corral-overlay-$$
        rm /etc/hostname && echo removed; touch /usr/bin/corral-overlay && echo usr-ok; ls /etc/corral-overlay-* | wc -l'
    check "overlay: the task writes its chroot_env" "$(tr '\n' ' ' <"$t/out")" "first removed usr-ok 1 "
    check "overlay: the host is untouched" "$(ls /etc/corral-overlay-* /usr/bin/corral-overlay 2>/dev/null; cat /etc/hostname)" \
        "$(cat /etc/hostname)"
    sandbox "${flags[@]}" -- /bin/sh -c 'ls /etc/corral-overlay-* 2>/dev/null | wc -l; cat /etc/hostname'
    check "overlay: changes are discarded with the task" "$(tr '\n' ' ' <"$t/out")" "0 $(cat /etc/hostname) "
    check_no_host_mounts "after overlay"
}

test_secrets_noexec() {
    new_task secrets
    sandbox --status-file "$t/status" -- /bin/sh -c \
        'grep " /secrets " /proc/self/mountinfo | cut -d" " -f6,9
         cp /bin/true /secrets/t && /secrets/t; echo secrets=$?
         cp /bin/true /tmp/t && /tmp/t; echo tmp=$?
         grep " /private " /proc/self/mountinfo | cut -d" " -f9'
    check_contains "/secrets mount options" "$(sed -n 1p "$t/out")" "noexec"
    check_contains "/secrets is tmpfs" "$(sed -n 1p "$t/out")" "tmpfs"
    check "a binary copied to /secrets does not run" "$(sed -n 2p "$t/out")" "secrets=126"
    check "the same binary runs from /tmp (control)" "$(sed -n 3p "$t/out")" "tmp=0"
    check "/private is tmpfs" "$(sed -n 4p "$t/out")" "tmpfs"
}

test_secrets_seeded() {
    new_task seeded
    mkdir -p "$t/task/secrets/sub" "$t/task/private"
    echo "s3cret" >"$t/task/secrets/token"
    chown 65534:65534 "$t/task/secrets/token"
    chmod 0600 "$t/task/secrets/token"
    echo nested >"$t/task/secrets/sub/x"
    ln -s token "$t/task/secrets/link"
    echo env-file >"$t/task/private/env"
    sandbox --status-file "$t/status" -- /bin/sh -c 'cat /secrets/token /secrets/sub/x /secrets/link /private/env
        stat -c "%a %u" /secrets/token; echo changed >/secrets/token; echo new >/secrets/new'
    check "host secrets are carried into the task's tmpfs, owner and mode kept" "$(cat "$t/out")" \
        $'s3cret\nnested\ns3cret\nenv-file\n600 65534'
    check "the task's writes stay in its tmpfs" "$(cat "$t/task/secrets/token"; ls "$t/task/secrets")" \
        $'s3cret\nlink\nsub\ntoken'
}

test_capabilities() {
    new_task caps
    sandbox --caps CAP_CHOWN,CAP_KILL,CAP_NET_BIND_SERVICE --status-file "$t/status" -- /bin/sh -c \
        'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)" /proc/self/status'
    local want=0000000000000421
    check "capability sets = the requested set" "$(cat "$t/out")" \
        "$(printf 'CapInh:\t%s\nCapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t%s\nCapAmb:\t%s\nNoNewPrivs:\t1' $want $want $want $want $want)"
    new_task nocaps
    sandbox --status-file "$t/status" -- /bin/sh -c 'grep -E "^Cap(Eff|Bnd|Amb)" /proc/self/status | cut -f2 | sort -u
        chown 0 /local 2>/dev/null && echo chowned'
    check "no caps by default" "$(cat "$t/out")" "0000000000000000"
    new_task rootcaps
    # even uid 0 keeps only the requested set: its bounding set caps what execve grants
    sandbox --uid 0 --gid 0 --caps CAP_KILL --status-file "$t/status" -- /bin/sh -c \
        'grep -E "^Cap(Eff|Bnd)" /proc/self/status | cut -f2 | sort -u; touch /usr/x 2>/dev/null && echo wrote'
    check "uid 0 task is capped to the requested set" "$(cat "$t/out")" "0000000000000020"
}

# A task running as uid 0 with Nomad's default capabilities must still not reach the host.
test_root_task_confined() {
    new_task rootconfined
    local nomad_caps=CAP_AUDIT_WRITE,CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_MKNOD,CAP_NET_BIND_SERVICE,CAP_SETFCAP,CAP_SETGID,CAP_SETPCAP,CAP_SETUID,CAP_SYS_CHROOT
    sandbox --uid 0 --gid 0 --caps "$nomad_caps" --status-file "$t/status" -- /bin/sh -c '
        for f in /proc/1/fd/*; do ls "$f/" >/dev/null 2>&1 && echo "entered an init fd"; readlink "$f" && echo "read an init fd link"; done
        cat /proc/1/environ >/dev/null 2>&1 && echo "read init environ"
        mknod /dev/corral-disk b 8 0 2>/dev/null && echo "mknod in /dev"
        mknod /tmp/corral-disk b 8 0 2>/dev/null && head -c 1 /tmp/corral-disk >/dev/null 2>&1 && echo "read a disk node"
        mount -t tmpfs x /tmp 2>/dev/null && echo "mounted"
        echo 1 > /proc/sys/vm/drop_caches 2>/dev/null && echo "wrote /proc/sys"
        touch /usr/corral-root 2>/dev/null && echo "wrote /usr"
        mkdir /tmp/c && chroot /tmp/c /bin/true 2>/dev/null; cd /; ls / | grep -c . >/dev/null; ls /proc/self/root/ | grep -q "^vmlinuz" && echo "saw the host root"
        echo done'
    check "a root task with default caps stays confined" "$(cat "$t/out")" "done"
    [ -e /usr/corral-root ] && fail "a file appeared in the host's /usr"
}

test_exit_codes() {
    new_task exit42
    sandbox --status-file "$t/status" -- /bin/sh -c 'exit 42'
    check "exit code mirrored" "$rc" 42
    check "status state" "$(status_key "$t/status" state)" exited
    check "status exit_code" "$(status_key "$t/status" exit_code)" 42
    check "status signal" "$(status_key "$t/status" signal)" 0
    check "status exec_ok" "$(status_key "$t/status" exec_ok)" 1
    check "status init_pid is a host pid" "$(status_key "$t/status" init_pid | grep -c '^[0-9][0-9]*$')" 1
    new_task signaled
    sandbox --status-file "$t/status" -- /bin/sh -c 'kill -USR1 $$'
    check "killed by SIGUSR1 -> 128+10" "$rc" 138
    check "status signal" "$(status_key "$t/status" signal)" 10
    check "status exit_code" "$(status_key "$t/status" exit_code)" 138
    new_task stdin
    sandbox --status-file "$t/status" -- /bin/sh -c 'cat; echo eof'
    check "stdin is /dev/null" "$(cat "$t/out")" "eof"
    new_task fds
    # fd 7 leaked by whoever started the helper must not reach the task
    sandbox --status-file "$t/status" -- /bin/sh -c \
        'for fd in 0 1 2 3 4 5 6 7 8 9 10 11 12; do [ -e /proc/self/fd/$fd ] && printf "%s " $fd; done; echo' 7>"$t/leak"
    check "the task has exactly fds 0 1 2" "$(cat "$t/out")" "0 1 2 "
    new_task closedstd
    timeout 60 "$bin" run --task-dir "$t/task" "${RO[@]}" --log-dir "$t/alloc/logs" --log-name t \
        --status-file "$t/status" -- /bin/sh -c 'echo survived-closed-stdio' <&- >&- 2>&-
    check "started with 0-2 closed, output still lands in the log" "$?/$(cat "$t/alloc/logs/t.stdout.0")" \
        "0/survived-closed-stdio"
    new_task env
    FOO='bar baz' timeout 60 "$bin" run --task-dir "$t/task" "${RO[@]}" --status-file "$t/status" \
        -- /bin/sh -c 'echo "$FOO"' >"$t/out" 2>"$t/err"
    check "the helper's environment reaches the task" "$(cat "$t/out")" "bar baz"
}

test_failures() {
    new_task notfound
    sandbox --status-file "$t/status" -- /no/such/command
    check "command not found -> 127" "$rc" 127
    check "status failed_step" "$(status_key "$t/status" failed_step)" execve
    check "status errno ENOENT" "$(status_key "$t/status" errno)" 2
    check "status exec_ok" "$(status_key "$t/status" exec_ok)" 0
    check "status state" "$(status_key "$t/status" state)" failed
    check_contains "status error" "$(status_key "$t/status" error)" "No such file or directory"
    new_task noexec
    sandbox --status-file "$t/status" -- /etc/passwd
    check "not executable -> 126" "$rc" 126
    check "status errno EACCES" "$(status_key "$t/status" errno)" 13
    new_task badbind
    sandbox --bind /nonexistent-corral /data --status-file "$t/status" -- /bin/true
    check "setup failure -> 125" "$rc" 125
    check "status failed_step" "$(status_key "$t/status" failed_step)" mount_bind
    new_task badflag
    sandbox --status-file "$t/status" --uid root -- /bin/true
    check "bad flag -> 125" "$rc" 125
    check "bad flag status" "$(status_key "$t/status" failed_step)" parse_options
    check_contains "bad flag message" "$(cat "$t/err")" '--uid: "root" is not an id'
    # a symlink the task left in its dir must not redirect a mount or a mkdir to the host
    new_task symlink
    mkdir -p "$work/hostdir"
    ln -s "$work/hostdir" "$t/task/usr"
    sandbox --status-file "$t/status" -- /bin/true
    check "symlinked mount point refused" "$rc" 125
    check "symlink failed_step" "$(status_key "$t/status" failed_step)" mount_ro_bind
    check "symlink errno ELOOP" "$(status_key "$t/status" errno)" 40
    check "nothing created through the symlink" "$(ls -A "$work/hostdir")" ""
    # the task owns alloc/logs: a symlinked log dir or output file must not make root write elsewhere
    new_task logsymlink
    mkdir -p "$work/victim"
    rmdir "$t/alloc/logs"
    ln -s "$work/victim" "$t/alloc/logs"
    sandbox --log-dir "$t/alloc/logs" --log-name web --status-file "$t/status" -- /bin/echo pwned
    check "symlinked log dir refused" "$rc/$(status_key "$t/status" failed_step)" "125/open_output"
    new_task stdoutsymlink
    echo "precious" >"$work/victim/file"
    ln -s "$work/victim/file" "$t/alloc/logs/.web.stdout.fifo"
    sandbox --stdout "$t/alloc/logs/.web.stdout.fifo" --status-file "$t/status" -- /bin/echo pwned
    check "symlinked --stdout refused" "$rc/$(status_key "$t/status" failed_step)" "125/open_output"
    new_task stdoutlinkdir
    rmdir "$t/alloc/logs"
    ln -s "$work/victim" "$t/alloc/logs"
    sandbox --stderr "$t/alloc/logs/file" --status-file "$t/status" -- /bin/echo pwned
    check "--stderr through a symlinked dir refused" "$rc/$(status_key "$t/status" failed_step)" "125/open_output"
    check "victim untouched" "$(ls "$work/victim")/$(cat "$work/victim/file")" "file/precious"
    check_no_host_mounts "after failures"
}

test_sigterm_forwarded() {
    start_bg sigterm 'touch /alloc/ready; sleep 1000; echo survived' || return
    check "status running" "$(status_key "$t/status" state)" running
    local init
    init=$(status_key "$t/status" init_pid)
    kill -TERM "$a"
    wait "$a"
    check "a shell without handlers dies of a forwarded SIGTERM" "$?" 143
    check "status signal" "$(status_key "$t/status" signal)" 15
    check "the shell did not survive" "$(cat "$t/out")" ""
    if kill -0 "$init" 2>/dev/null; then fail "init $init still alive"; else pass; fi
}

test_no_pivot_root() {
    new_task nopivot
    sandbox --no-pivot-root --status-file "$t/status" -- /bin/sh -c \
        'id -u; ls /; touch /usr/x 2>/dev/null && echo wrote; cat /proc/1/comm'
    check "no-pivot-root rc" "$rc" 0
    check "no-pivot-root task" "$(tr '\n' ' ' <"$t/out")" \
        "65534 alloc bin dev etc lib lib64 local private proc sbin secrets sys tmp usr corral-init "
}

test_logs() {
    new_task logs
    local flags=(--log-dir "$t/alloc/logs" --log-name web --log-max-files 3 --log-max-bytes 1000)
    sandbox "${flags[@]}" --status-file "$t/status" -- /bin/sh -c 'head -c 2500 /dev/zero | tr "\0" a; echo oops >&2'
    check "logs rc" "$rc" 0
    check "stdout rotated into .0 .1 .2" "$(cd "$t/alloc/logs" && stat -c '%n=%s' web.stdout.* | tr '\n' ' ')" \
        "web.stdout.0=1000 web.stdout.1=1000 web.stdout.2=500 "
    check "stderr in its own file" "$(cat "$t/alloc/logs/web.stderr.0")" "oops"
    sandbox "${flags[@]}" --status-file "$t/status" -- /bin/sh -c 'head -c 600 /dev/zero | tr "\0" b'
    check "a restart appends to the highest index and prunes to max files" \
        "$(cd "$t/alloc/logs" && stat -c '%n=%s' web.stdout.* | tr '\n' ' ')" \
        "web.stdout.1=1000 web.stdout.2=1000 web.stdout.3=100 "
    check "nothing on the helper's own stdout" "$(cat "$t/out")" ""
}

# A full log disk drops output (reported once) but never stops the task. The tiny tmpfs is
# mounted in a private mount namespace of this test only.
test_logs_disk_full() {
    new_task diskfull
    unshare -m --propagation private bash -c '
        mount -t tmpfs -o size=64k corral-full "$1/alloc/logs" || exit 99
        exec timeout 60 "$2" run --task-dir "$1/task" --ro-bind /bin /bin --ro-bind /lib /lib \
            --ro-bind /lib64 /lib64 --ro-bind /usr /usr --log-dir "$1/alloc/logs" --log-name t \
            --status-file "$1/status" -- /bin/sh -c "head -c 300000 /dev/zero; echo finished >&2; exit 4"
    ' _ "$t" "$bin" >"$t/out" 2>"$t/err"
    check "the task ran to its end despite the full log disk" "$?/$(status_key "$t/status" exit_code)" "4/4"
    check "the full disk is reported once per stream" "$(grep 'dropping output' "$t/err" | grep -o 't\.std[a-z]*\.0' | tr '\n' ' ')" "t.stdout.0 t.stderr.0 "
}

test_cgroup_join() {
    mkdir "$cgroup" || { fail "cannot create $cgroup"; return; }
    new_task cgroup
    sandbox --cgroup "$cgroup" --oom-score-adj 500 --status-file "$t/status" -- /bin/sh -c \
        'grep ":pids:" /proc/self/cgroup; cat /proc/self/oom_score_adj'
    check "task joined the cgroup" "$(sed -n 1p "$t/out" | cut -d: -f3)" "/${cgroup##*/}"
    check "oom_score_adj" "$(sed -n 2p "$t/out")" 500
    check "cgroup is empty after the task" "$(cat "$cgroup/cgroup.procs")" ""
    rmdir "$cgroup"
}

test_enter() {
    start_bg enter 'touch /alloc/ready; exec sleep 1000' --hostname entered --uid 4321 --gid 4321 || return
    echo hello-from-local >"$t/task/local/file"
    local init
    init=$(status_key "$t/status" init_pid)
    timeout 30 "$bin" enter --pid "$init" --uid 4321 --gid 4321 --caps CAP_KILL --cwd /local -- /bin/sh -c \
        'id -u; hostname; cat file; cat /proc/1/comm; cd /proc; set -- [0-9]*; echo $#; grep CapEff /proc/self/status | cut -f2; exit 7' \
        >"$t/enter.out" 2>"$t/enter.err"
    check "enter exit code" "$?" 7
    check "enter sees the task's user, hostname, /local, init, pids and caps" "$(tr '\n' ' ' <"$t/enter.out")" \
        "4321 entered hello-from-local corral-init 3 0000000000000020 "
    check_contains "enter: command not found" "$(timeout 30 "$bin" enter --pid "$init" -- nosuchcmd 2>&1; echo "rc=$?")" "rc=127"
    kill -TERM "$a"
    wait "$a"
    check "exec'd sleep (no handler) dies of SIGTERM" "$?" 143
    check_contains "enter into a process that does not exist" \
        "$("$bin" enter --pid 999999999 -- /bin/true 2>&1; echo "rc=$?")" "enter_open_ns: open /proc/999999999/ns/ipc: No such file or directory
rc=125"
    # a --no-pivot-root task: its root is a chroot, enter must land in it too
    start_bg enternopivot 'touch /alloc/ready; exec sleep 1000' --no-pivot-root || return
    echo chrooted >"$t/task/local/file"
    init=$(status_key "$t/status" init_pid)
    check "enter into a --no-pivot-root task" \
        "$(timeout 30 "$bin" enter --pid "$init" --cwd /local -- /bin/sh -c 'cat file; ls / | tr "\n" " "')" \
        "chrooted
alloc bin dev etc lib lib64 local private proc sbin secrets sys tmp usr "
    kill -TERM "$a"
    wait "$a"
}

test_dev_proc_sys() {
    new_task devprocsys
    sandbox --shm-size 1048576 --status-file "$t/status" -- /bin/sh -c '
        cd /dev; echo *
        echo x >/dev/null && head -c 4 /dev/zero | wc -c
        test -c /dev/pts/ptmx && echo ptmx-ok
        for m in /dev/shm /sys /proc/sys /proc/irq /proc/bus /sys/firmware /dev; do
            line=$(awk -v m="$m" "\$5 == m" /proc/self/mountinfo)
            echo "$m $(echo "$line" | cut -d" " -f6 | cut -d, -f1) $(echo "${line#* - }" | cut -d" " -f3 | tr , "\n" | grep size=)"
        done
        echo "keys=$(wc -c </proc/keys) timer_list=$(wc -c </proc/timer_list) firmware=$(ls -A /sys/firmware | wc -l)"
        echo 1 >/sys/kernel/profiling 2>/dev/null && echo wrote-sys'
    check "/dev has exactly the minimal nodes and links" "$(sed -n 1p "$t/out")" \
        "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero"
    check "/dev/null and /dev/zero work" "$(sed -n 2p "$t/out")" 4
    check "devpts newinstance has a ptmx" "$(sed -n 3p "$t/out")" ptmx-ok
    check "mount flags and sizes" "$(sed -n 4,10p "$t/out")" "/dev/shm rw size=1024k
/sys ro 
/proc/sys ro 
/proc/irq ro 
/proc/bus ro 
/sys/firmware ro size=0k
/dev ro size=65536k"
    check "masked /proc files are empty" "$(sed -n 11p "$t/out")" "keys=0 timer_list=0 firmware=0"
    check "nothing else" "$(sed -n 12p "$t/out")" ""
}

test_stdout_files() {
    new_task stdoutfiles
    echo "earlier" >"$t/o"
    sandbox --stdout "$t/o" --stderr "$t/e" --status-file "$t/status" -- /bin/sh -c 'echo out; echo err >&2'
    check "--stdout appends" "$(cat "$t/o")" $'earlier\nout'
    check "--stderr" "$(cat "$t/e")" "err"
    check "helper stdout untouched" "$(cat "$t/out")" ""
    # Nomad plugin mode: the output paths are FIFOs read by logmon
    new_task fifo
    mkfifo "$t/alloc/logs/.web.stdout.fifo"
    cat "$t/alloc/logs/.web.stdout.fifo" >"$t/fifo.read" &
    local reader=$!
    sandbox --stdout "$t/alloc/logs/.web.stdout.fifo" --status-file "$t/status" -- /bin/echo through-the-fifo
    wait "$reader"
    check "--stdout FIFO" "$rc/$(cat "$t/fifo.read")" "0/through-the-fifo"
}

test_signals_forwarded() {
    # handlers in the task see every forwarded signal, in order, through A and B
    start_bg handlers 'trap "echo HUP" HUP; trap "echo USR2" USR2; trap "echo QUIT; exit 9" QUIT
        touch /alloc/ready; while :; do sleep 0.05; done' || return
    kill -HUP "$a"
    for _ in $(seq 1 200); do grep -q HUP "$t/out" && break; sleep 0.05; done
    kill -USR2 "$a"
    for _ in $(seq 1 200); do grep -q USR2 "$t/out" && break; sleep 0.05; done
    kill -QUIT "$a"
    wait "$a"
    check "exit code after the QUIT handler" "$?" 9
    check "handlers ran in order" "$(tr '\n' ' ' <"$t/out")" "HUP USR2 QUIT "
    # SIGINT (Nomad's default kill_signal) to a shell without handlers; A runs in the
    # background of a script, i.e. with SIGINT ignored: the task must get SIG_DFL anyway
    start_bg sigint 'touch /alloc/ready; sleep 1000' || return
    kill -INT "$a"
    wait "$a"
    check "a handler-less shell dies of SIGINT" "$?" 130
    check "status signal SIGINT" "$(status_key "$t/status" signal)" 2
}

test_outlives_parent() {
    # A killed with -9 (as when the JVM's process tree dies): B and the task live on, and
    # B still writes the final status
    start_bg orphan 'touch /alloc/ready; while [ ! -e /alloc/go ]; do sleep 0.05; done; exit 21' || return
    local init
    init=$(status_key "$t/status" init_pid)
    kill -KILL "$a"
    wait "$a" 2>/dev/null
    if kill -0 "$init" 2>/dev/null; then pass; else fail "init died with A"; fi
    touch "$t/alloc/go"
    for _ in $(seq 1 200); do [ "$(status_key "$t/status" state)" == exited ] && break; sleep 0.05; done
    check "B wrote the final status without A" "$(status_key "$t/status" state)/$(status_key "$t/status" exit_code)" \
        "exited/21"
    # the init killed: A records it, and the whole namespace is gone
    start_bg initkilled 'touch /alloc/ready; sleep 1000' || return
    init=$(status_key "$t/status" init_pid)
    kill -KILL "$init"
    wait "$a"
    check "init killed -> 128+9" "$?" 137
    check "status says the init was killed" \
        "$(status_key "$t/status" state)/$(status_key "$t/status" failed_step)/$(status_key "$t/status" exec_ok)" \
        "failed/init/1"
}

test_enter_tty() {
    start_bg entertty 'touch /alloc/ready; exec sleep 1000' || return
    local init
    init=$(status_key "$t/status" init_pid)
    # script(1) gives enter a pty as stdin; the command must get it as controlling terminal
    script -qec "$bin enter --pid $init -- /bin/sh -c 'test -t 0 && echo isatty; read p c s pp pg sid tty rest </proc/self/stat; [ \$tty != 0 ] && echo ctty'" \
        /dev/null >"$t/tty.out" 2>&1 </dev/null
    check "enter with a terminal" "$(tr -d '\r' <"$t/tty.out" | tr '\n' ' ')" "isatty ctty "
    kill -TERM "$a"
    wait "$a"
}

check_no_leftovers() {
    check_no_host_mounts "at the end"
    # the whole host table, not only our paths; scratch dirs of concurrent tests are ignored
    diff <(grep -v ' /tmp/' /proc/self/mountinfo | cut -d' ' -f5 | sort) <(grep -v ' /tmp/' "$work/mountinfo.before" | cut -d' ' -f5 | sort) >"$work/mountinfo.diff"
    check "host mount points unchanged" "$(cat "$work/mountinfo.diff")" ""
    local left=""
    for p in /proc/[0-9]*; do
        root=$(readlink "$p/root" 2>/dev/null) || continue
        [[ "$root" == "$work"* ]] && left="$left ${p#/proc/}"
        grep -qs "$work" "$p/cmdline" && left="$left ${p#/proc/}"
    done
    check "no process of ours is left" "$left" ""
}

# spare_start NAME [SPARE FLAGS...]: a spare with the default chroot_env on a new task; sets $a
# (A's pid), $w (a fd on its stdin) and $init (the pid it printed once prepared)
spare_start() {
    new_task "$1"
    shift
    mkfifo "$t/in"
    "$bin" spare --spare-dir "$t/spare" "${RO[@]}" "$@" <"$t/in" >"$t/spare.out" 2>"$t/spare.err" &
    a=$!
    started_pids+=("$a")
    watchdog "$a"
    exec {w}>"$t/in"
    for _ in $(seq 1 300); do
        [ -s "$t/spare.out" ] && break
        sleep 0.05
    done
    init=$(head -1 "$t/spare.out")
}

# spare_run [RUN FLAGS...] -- CMD...: hands the task's stream (env, then run's flags) to the spare and
# waits for A, which exits once the start is on record
spare_run() {
    { printf 'PATH=/usr/bin:/bin\0SPARE=1\0\0'
      printf '%s\0' --task-dir "$t/task" --alloc-dir "$t/alloc" "${RO[@]}" --status-file "$t/status" \
          --sandbox-log "$t/sandbox.log" --exit-after-start "$@"; } >&$w
    exec {w}>&-
    wait "$a"
    rc=$?
}

# spare_run_staged [RUN FLAGS...] -- CMD...: a staged start: the root part first (the task dir,
# mounts, outputs), then, once the spare has had time to build the root, the task's environment,
# identity and command; "withdraw" as the only argument closes stdin after the root part instead
spare_run_staged() {
    printf '%s\0' @root --task-dir "$t/task" --alloc-dir "$t/alloc" "${RO[@]}" --status-file "$t/status" \
        --sandbox-log "$t/sandbox.log" --exit-after-start "${STAGED_ROOT[@]}" @end >&$w
    sleep 0.2
    if [ "$1" != withdraw ]; then
        { printf 'PATH=/usr/bin:/bin\0STAGED=1\0\0'; printf '%s\0' "$@"; } >&$w
    fi
    exec {w}>&-
    wait "$a"
    rc=$?
}

test_spare_staged() {
    # the root is built before the identity comes: the task still runs as itself, with its env
    spare_start spare-staged
    echo local >"$t/task/local/f"
    mkdir "$cgroup" || { fail "cannot create $cgroup"; return; }
    STAGED_ROOT=(--cgroup "$cgroup")
    spare_run_staged --uid 65534 --cwd /local --oom-score-adj 300 -- /bin/sh -c 'cat f; echo "$STAGED $(id -u) $(pwd)"
        ls / | tr "\n" " "; echo; grep ^Seccomp: /proc/self/status | tr -d "\t"; grep ":pids:" /proc/self/cgroup | cut -d: -f3
        cat /proc/self/oom_score_adj'
    STAGED_ROOT=()
    check "staged spare run: A exits 0" "$rc" 0
    for _ in $(seq 1 100); do [ "$(status_key "$t/status" state)" = exited ] && break; sleep 0.05; done
    check "staged spare run: the task ran and exited 0" "$(status_key "$t/status" state) $(status_key "$t/status" exit_code)" "exited 0"
    check "staged spare run: files, environment, identity and cwd" "$(head -2 "$t/sandbox.log")" $'local\n1 65534 /local'
    check_contains "staged spare run: its root" "$(sed -n 3p "$t/sandbox.log")" "alloc bin dev etc"
    check "staged spare run: the filter loaded early is on" "$(sed -n 4p "$t/sandbox.log")" "Seccomp:2"
    check "staged spare run: joined its cgroup early, oom_score_adj after the go" \
        "$(sed -n 5,6p "$t/sandbox.log" | tr '\n' ' ')" "/${cgroup##*/} 300 "
    rmdir "$cgroup"

    # a deny list that denies what the task process still needs after an early load: loaded last
    spare_start spare-staged-late
    printf 'chdir\nmount\n' >"$t/deny"
    STAGED_ROOT=(--seccomp "$t/deny")
    spare_run_staged --cwd /local -- /bin/sh -c 'cd /tmp 2>/dev/null && echo moved || echo denied; grep ^Seccomp: /proc/self/status | tr -d "\t"'
    STAGED_ROOT=()
    for _ in $(seq 1 100); do [ "$(status_key "$t/status" state)" = exited ] && break; sleep 0.05; done
    check "staged spare run, chdir denied: the task still starts in its cwd, then chdir is denied" \
        "$(status_key "$t/status" exit_code) $(head -2 "$t/sandbox.log" | tr '\n' ' ')" "0 denied Seccomp:2 "

    # the root entered ahead: B keeps the host's tree (a clone) until the start; a task, even as
    # root, reaches none of it: not through B's /proc entries, not in its own mount table
    spare_start spare-staged-host
    spare_run_staged --uid 0 --gid 0 -- /bin/sh -c 'ls /proc/1/root/ >/dev/null 2>&1 && echo root-open || echo root-denied
        n=0; for f in /proc/1/fd/*; do ls "$f/" >/dev/null 2>&1 && n=$((n+1)); done; echo "fds-followed=$n"
        grep -c " /sys/fs/cgroup" /proc/self/mountinfo; cd /..; ls / | tr "\n" " "'
    for _ in $(seq 1 100); do [ "$(status_key "$t/status" state)" = exited ] && break; sleep 0.05; done
    check "root entered ahead: the init's root and fds cannot be followed, no host mount in the task's table" \
        "$(head -3 "$t/sandbox.log" | tr '\n' ' ')" "root-denied fds-followed=0 0 "
    check_contains "root entered ahead: / is the task's root" "$(sed -n 4p "$t/sandbox.log")" "alloc bin dev etc"

    # the driver gives up after the root part (command not found...): on record, the task dir whole
    spare_start spare-withdrawn
    echo kept >"$t/task/local/f"
    chmod 0751 "$t/task"
    spare_run_staged withdraw
    check "withdrawn staged start: on record as failed" "$(status_key "$t/status" state) $(status_key "$t/status" failed_step)" "failed spare"
    check_contains "withdrawn staged start: named" "$(status_key "$t/status" error)" "withdrew the start"
    check "withdrawn staged start: the task dir keeps its mode and entries" \
        "$(stat -c %a "$t/task") $(cat "$t/task/local/f") $(ls "$t/task" | tr '\n' ' ')" "751 kept local tmp "

    # only the identity and command may follow the root part
    spare_start spare-sneaky
    spare_run_staged --bind /etc /x -- /bin/true
    check "staged start: a root flag after the root part is refused" "$(status_key "$t/status" failed_step)" parse_options
    check_contains "staged start: and named" "$(status_key "$t/status" error)" '"--bind" after the root part'
    check_no_host_mounts spare-staged
}

test_spare() {
    # let go unused: nothing is left, not even its dir
    spare_start spare-unused
    check "a spare prints its init's pid once prepared" "$([[ "$init" =~ ^[0-9]+$ ]] && echo pid)" pid
    check "a prepared spare has made its dir" "$(ls "$t/spare" | tr '\n' ' ')" "root upper work "
    exec {w}>&-
    wait "$a"
    check "a spare let go exits 0" "$?" 0
    wait_gone() { for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; return 1; }
    wait_gone "$init"
    check "a spare let go removes its dir" "$(ls -A "$t" | grep -c spare$)" 0

    # used: the task dir keeps its path, owner, mode and content; the spare dir goes
    spare_start spare-used
    mkdir -p "$t/task/secrets"
    echo top >"$t/task/top.txt"
    echo local >"$t/task/local/f"
    echo s3cret >"$t/task/secrets/token"
    chmod 0751 "$t/task"
    chown 123:456 "$t/task"
    spare_run -- /bin/sh -c 'cat /top.txt /local/f /secrets/token; echo "$SPARE $(id -u) $(hostname)"
        ls / | tr "\n" " "; echo; cat /proc/1/comm; echo made >/local/new
        while [ ! -e /alloc/go ]; do sleep 0.01; done'
    check "spare run: the start is on record, A exits 0" "$rc" 0
    check "spare run: the init's /proc/PID/environ shows the task's environment" \
        "$(tr '\0' '\n' <"/proc/$init/environ" | grep -v '^$')" $'PATH=/usr/bin:/bin\nSPARE=1'
    touch "$t/alloc/go"
    for _ in $(seq 1 100); do [ "$(status_key "$t/status" state)" = exited ] && break; sleep 0.05; done
    check "spare run: the task ran and exited 0" "$(status_key "$t/status" state) $(status_key "$t/status" exit_code)" "exited 0"
    check "spare run: the task saw its files, env and a private hostname" "$(head -4 "$t/sandbox.log")" \
        $'top\nlocal\ns3cret\n1 65534 corral-task'
    check_contains "spare run: its root has the chroot_env and its own dirs" "$(sed -n 5p "$t/sandbox.log")" "alloc bin dev etc"
    check "spare run: the task's PID 1 is the sandbox init" "$(sed -n 6p "$t/sandbox.log")" corral-init
    check "spare run: the task dir kept owner and mode" "$(stat -c '%a %u:%g' "$t/task")" "751 123:456"
    check "spare run: what the task wrote is in its task dir" "$(cat "$t/task/local/new")" made
    check "spare run: the host's task dir holds only its own entries" "$(ls "$t/task" | tr '\n' ' ')" "local secrets tmp top.txt "
    check "spare run: the overlay work dir went to the state dir" "$(ls -d "$t"/root-work)" "$t/root-work"
    check "spare run: the spare dir is gone" "$(ls -A "$t" | grep -c '^spare$')" 0

    # a task that does not fit the spare is refused, on record
    spare_start spare-mismatch
    spare_run --pid-mode host -- /bin/true
    check "spare: host PID namespace refused" "$(status_key "$t/status" failed_step)" spare
    spare_start spare-binds --ro-bind /opt /opt
    spare_run -- /bin/true
    check "spare: other chroot_env refused" "$(status_key "$t/status" failed_step)" spare
    check_contains "spare: the mismatch is named" "$(status_key "$t/status" error)" "--ro-bind"
    check_no_host_mounts spare
}

cat /proc/self/mountinfo >"$work/mountinfo.before"
test_version_probe
test_identity
test_pid_namespace
test_namespaces_differ
test_read_only_root
test_recursive_ro
test_overlay_rootfs
test_secrets_noexec
test_secrets_seeded
test_capabilities
test_root_task_confined
test_exit_codes
test_failures
test_sigterm_forwarded
test_no_pivot_root
test_logs
test_logs_disk_full
test_cgroup_join
test_enter
test_dev_proc_sys
test_stdout_files
test_signals_forwarded
test_outlives_parent
test_enter_tty
test_spare
test_spare_staged
check_no_leftovers

echo "sandbox blackbox: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
