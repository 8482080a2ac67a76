package dev.corral.bench;

import dev.corral.driver.ExecDriver;
import dev.corral.driver.ExecDriverConfig;
import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.ExitResult;
import dev.corral.driver.LogConfig;
import dev.corral.driver.Resources;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskDirectory;
import dev.corral.driver.TaskHandle;
import dev.corral.driver.TaskHandleRecord;
import dev.corral.driver.TaskHandleRecordCodec;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * The Corral side of every scenario, through {@link ExecDriver} in this JVM (as the agent uses it):
 * one driver, state under the bench work dir, cgroups under {@code corral-bench-<id>}.
 */
final class DriverBench implements AutoCloseable {
    private static final Resources RESOURCES = new Resources(100, List.of(), 64, 0);
    private static final LogConfig LOGS = new LogConfig.RotatedFiles(2, 1 << 20);

    private final Bench bench;
    final ExecDriver driver;
    final ExecDriverConfig config;
    private final Path allocs;
    /** A unique argument of every long-running task, so a leftover is found by its command line. */
    final String sleepMarker;

    DriverBench(Bench bench) throws IOException {
        this.bench = bench;
        this.allocs = Files.createDirectories(bench.work.resolve("data/alloc"));
        this.config = ExecDriverConfig.builder().stateDir(bench.work.resolve("data/driver"))
                .cgroupParent(bench.cgroupParent).build();
        this.driver = new ExecDriver(config);
        this.sleepMarker = "86400." + (100000 + ThreadLocalRandom.current().nextInt(900000));
        var fp = driver.fingerprint();
        if (!fp.healthy()) {
            throw new IllegalStateException("the exec driver is not usable here: " + fp.description());
        }
    }

    Path dataDir() {
        return bench.work.resolve("data");
    }

    /** A fresh alloc with one task dir; the stamp payload is copied to {@code /alloc/stamp}. */
    TaskDirectory newAlloc(String allocId, String taskName, boolean withStamp) throws IOException {
        TaskDirectory dir = TaskDirectory.create(allocs.resolve(allocId), taskName, config.chrootEnv());
        if (withStamp) {
            Path stamp = dir.allocDir().resolve("stamp");
            Files.copy(bench.stampBin, stamp, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(stamp, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return dir;
    }

    TaskConfig task(TaskDirectory dir, String allocId, String name, ExecTaskConfig cfg) {
        return new TaskConfig(TaskConfig.newId(allocId, name), name, allocId, "bench", "g", dir.allocDir(),
                dir.taskDir(), Map.of("PATH", "/usr/bin:/bin"), "", RESOURCES, cfg, LOGS, List.of());
    }

    ExecTaskConfig sleepConfig() {
        return ExecTaskConfig.of("/bin/sleep", sleepMarker);
    }

    /** One start of a short task, timed: {exec'd (from the stamp, or -1), startTask returned, exit seen} in ns. */
    long[] startOnce(TaskDirectory dir, String allocId, ExecTaskConfig cfg, boolean stamp) throws Exception {
        Path ts = dir.allocDir().resolve("data/ts");
        if (stamp) {
            Files.deleteIfExists(ts);
        }
        TaskConfig t = task(dir, allocId, dir.taskDir().getFileName().toString(), cfg);
        long t0 = System.nanoTime();
        TaskHandle h = driver.startTask(t);
        long t1 = System.nanoTime();
        ExitResult r = h.exit().get(60, TimeUnit.SECONDS);
        long t2 = System.nanoTime();
        driver.destroyTask(t.id(), false);
        if (!(r instanceof ExitResult.Exited e) || e.code() != 0) {
            throw new IllegalStateException("task " + cfg.command() + " did not exit 0: " + r);
        }
        long execd = -1;
        if (stamp) {
            execd = Long.parseLong(Files.readString(ts).strip()) - t0;
        }
        return new long[] {execd, t1 - t0, t2 - t0};
    }

    // ---- scenario 3: per-task overhead ----

    Map<String, Object> overhead() throws Exception {
        int n = bench.opt.overheadTasks();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tasks", n);
        Path data = dataDir();
        Optional<String> noLogs = Optional.of("*/alloc/logs");
        quietGc();
        long heap0 = heapUsed();
        long rss0 = Proc.rssKb(ProcessHandle.current().pid());
        Proc.DiskUsage disk0 = Proc.du(data, Optional.empty());
        Proc.DiskUsage disk0NoLogs = Proc.du(data, noLogs);
        List<TaskHandle> handles = new ArrayList<>();
        List<String> allocIds = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                String allocId = "ov" + i;
                TaskDirectory dir = newAlloc(allocId, "t", false);
                handles.add(driver.startTask(task(dir, allocId, "t", sleepConfig())));
                allocIds.add(allocId);
            }
            quietGc();
            long heap1 = heapUsed();
            long rss1 = Proc.rssKb(ProcessHandle.current().pid());
            Proc.DiskUsage disk1 = Proc.du(data, Optional.empty());
            Proc.DiskUsage disk1NoLogs = Proc.du(data, noLogs);
            // The resident sandbox processes of each task: its init, plus the run process when it stays
            // (records of sandboxes started without --exit-after-start).
            List<Long> initRss = new ArrayList<>();
            List<Long> initPss = new ArrayList<>();
            List<Long> sumRss = new ArrayList<>();
            List<Long> sumPss = new ArrayList<>();
            long processes = 0;
            for (TaskHandle h : handles) {
                long init = initPid(h);
                initRss.add(Proc.rssKb(init));
                initPss.add(Proc.pssKb(init));
                long rss = Proc.rssKb(init);
                long pss = Proc.pssKb(init);
                processes++;
                if (h.sandboxPid() != init) {
                    rss += Proc.rssKb(h.sandboxPid());
                    pss += Proc.pssKb(h.sandboxPid());
                    processes++;
                }
                sumRss.add(rss);
                sumPss.add(pss);
            }
            m.put("sandbox_processes_per_task", (double) processes / handles.size());
            m.put("sandbox_init_process_kb", kbSummary(initRss, initPss));
            m.put("sandbox_all_processes_kb", kbSummary(sumRss, sumPss));
            m.put("jvm_heap_growth_per_task_bytes", (heap1 - heap0) / n);
            m.put("jvm_rss_growth_per_task_kb", (rss1 - rss0) / n);
            m.put("jvm_rss_kb_before", rss0);
            m.put("jvm_rss_kb_after", rss1);
            Proc.DiskUsage d = disk1.minus(disk0);
            Proc.DiskUsage dNoLogs = disk1NoLogs.minus(disk0NoLogs);
            m.put("data_dir_bytes_per_task", d.bytes() / n);
            m.put("data_dir_inodes_per_task", (double) d.inodes() / n);
            m.put("data_dir_bytes_per_task_without_logs", dNoLogs.bytes() / n);
            m.put("data_dir_inodes_per_task_without_logs", (double) dNoLogs.inodes() / n);
            m.put("rootfs_bytes_per_task", 0);
            m.put("rootfs_note", "chroot_env is bind-mounted read-only inside each task's mount namespace: nothing is copied or linked; "
                    + "the data dir figures include the task dir skeleton (empty mount points), driver state (status file, sandbox.log)");
            m.put("peers", new PeerBench(bench).residentMemory());
        } finally {
            stopAll(handles, 4);
            for (String a : allocIds) {
                deleteTree(allocs.resolve(a));
            }
        }
        return m;
    }

    private static Map<String, Object> kbSummary(List<Long> rss, List<Long> pss) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rss_kb_median", median(rss));
        m.put("rss_kb_max", rss.stream().mapToLong(Long::longValue).max().orElse(0));
        m.put("pss_kb_median", median(pss));
        m.put("pss_kb_max", pss.stream().mapToLong(Long::longValue).max().orElse(0));
        return m;
    }

    static long median(List<Long> v) {
        if (v.isEmpty()) {
            return 0;
        }
        List<Long> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get((s.size() - 1) / 2);
    }

    /** The sandbox init's host pid, from the status file ({@code init_pid=}). */
    static long initPid(TaskHandle h) throws IOException {
        for (String line : Files.readAllLines(h.record().statusFile())) {
            if (line.startsWith("init_pid=")) {
                return Long.parseLong(line.substring(9));
            }
        }
        return -1;
    }

    private static void quietGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    // ---- scenario 4: density ----

    Map<String, Object> density() throws Exception {
        int n = bench.opt.densityTasks();
        int par = bench.opt.densityParallelism();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tasks", n);
        m.put("parallelism", par);
        long d0 = System.nanoTime();
        List<TaskDirectory> dirs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            dirs.add(newAlloc("dn" + i, "t", false));
        }
        m.put("task_dirs_seconds", secs(System.nanoTime() - d0));
        long rss0 = Proc.rssKb(ProcessHandle.current().pid());
        List<TaskHandle> handles = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        try {
            parallel(n, par, i -> {
                handles.add(driver.startTask(task(dirs.get(i), "dn" + i, "t", sleepConfig())));
                return null;
            });
            long t1 = System.nanoTime();
            m.put("time_to_all_running_seconds", secs(t1 - t0));
            m.put("running", handles.stream().filter(TaskHandle::running).count());
            m.put("jvm_rss_kb_before", rss0);
            m.put("jvm_rss_kb_all_running", Proc.rssKb(ProcessHandle.current().pid()));
            long sandboxRss = 0;
            long sandboxPss = 0;
            for (TaskHandle h : handles) {
                sandboxRss += Proc.rssKb(h.sandboxPid()) + Proc.rssKb(initPid(h));
                sandboxPss += Proc.pssKb(h.sandboxPid()) + Proc.pssKb(initPid(h));
            }
            m.put("sandbox_processes_rss_kb_total", sandboxRss);
            m.put("sandbox_processes_pss_kb_total", sandboxPss);
            m.put("mem_available_kb_all_running", Machine.meminfo("MemAvailable"));
        } finally {
            long s0 = System.nanoTime();
            m.put("stop_errors", stopAll(handles, par));
            m.put("time_to_stop_all_seconds", secs(System.nanoTime() - s0));
            m.put("leftovers", leftovers());
            for (int i = 0; i < n; i++) {
                deleteTree(allocs.resolve("dn" + i));
            }
        }
        return m;
    }

    /** Stops and destroys every handle (SIGTERM, 5 s grace); returns the number of errors. */
    int stopAll(List<TaskHandle> handles, int par) throws Exception {
        List<TaskHandle> copy = new ArrayList<>(handles);
        AtomicLong errors = new AtomicLong();
        parallel(copy.size(), par, i -> {
            TaskHandle h = copy.get(i);
            try {
                driver.stopTask(h.id(), Duration.ofSeconds(5), "SIGTERM");
                driver.destroyTask(h.id(), true);
            } catch (RuntimeException e) {
                errors.incrementAndGet();
                Bench.log("stop " + h.id() + ": " + e.getMessage());
            }
            return null;
        });
        return (int) errors.get();
    }

    /** Processes, cgroups and mounts of this benchmark still on the host (must all be 0). */
    Map<String, Object> leftovers() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Long> procs = new ArrayList<>(Proc.pidsWithCmdline(sleepMarker));
        // the driver's idle spare sandboxes hold only their own dirs (<state>/spares): not a task's leftovers
        for (long pid : Proc.pidsWithFdUnder(dataDir(), config.stateDir().resolve("spares"))) {
            if (!procs.contains(pid)) {
                procs.add(pid);
            }
        }
        m.put("processes", procs.size());
        List<String> cgroups = new ArrayList<>();
        for (Path c : Machine.cgroupMounts()) {
            Path p = c.resolve(bench.cgroupParent);
            if (Files.isDirectory(p)) {
                try (var s = Files.list(p)) {
                    // the driver's pool of empty cgroups made ahead (pool-<pid>-<n>) is not a task's leftover
                    s.filter(Files::isDirectory).filter(d -> !ExecDriver.isPooledCgroup(d.getFileName().toString()))
                            .forEach(d -> cgroups.add(d.toString()));
                }
            }
        }
        m.put("cgroups", cgroups.size());
        m.put("mounts", Proc.mountsUnder(bench.work).size());
        if (!procs.isEmpty() || !cgroups.isEmpty()) {
            m.put("detail", Map.of("pids", procs, "cgroups", cgroups));
        }
        return m;
    }

    // ---- scenario 5: recovery ----

    Map<String, Object> recovery() throws Exception {
        int n = bench.opt.recoveryTasks();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tasks", n);
        Path records = bench.work.resolve("recovery-records.jsonl");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "--enable-native-access=ALL-UNNAMED", "-Dmsgpack.universal-buffer=true",
                "-cp", System.getProperty("java.class.path"), RecoveryChild.class.getName(),
                config.stateDir().toString(), bench.cgroupParent, allocs.toString(), records.toString(),
                Integer.toString(n), sleepMarker, Integer.toString(bench.opt.densityParallelism()));
        Path childLog = bench.work.resolve("recovery-child.log");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(childLog.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (!Files.exists(records)) {
            if (!child.isAlive() || System.nanoTime() > deadline) {
                child.destroyForcibly();
                throw new IllegalStateException("the recovery child JVM failed: " + Files.readString(childLog));
            }
            Thread.sleep(50);
        }
        List<String> lines = Files.readAllLines(records);
        child.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
        child.waitFor();
        m.put("child_killed_with", "SIGKILL");
        long t0 = System.nanoTime();
        ExecDriver fresh = new ExecDriver(config);
        List<TaskHandle> handles = new ArrayList<>();
        for (String line : lines) {
            TaskHandleRecord r = TaskHandleRecordCodec.fromJson(line);
            handles.add(fresh.recoverTask(r));
        }
        long t1 = System.nanoTime();
        long running = handles.stream().filter(TaskHandle::running).count();
        m.put("time_to_all_reattached_seconds", secs(t1 - t0));
        m.put("records", lines.size());
        m.put("reattached_running", running);
        m.put("lost", n - running);
        long s0 = System.nanoTime();
        AtomicLong errors = new AtomicLong();
        parallel(handles.size(), bench.opt.densityParallelism(), i -> {
            try {
                fresh.stopTask(handles.get(i).id(), Duration.ofSeconds(5), "SIGTERM");
                fresh.destroyTask(handles.get(i).id(), true);
            } catch (RuntimeException e) {
                errors.incrementAndGet();
                Bench.log("stop recovered " + handles.get(i).id() + ": " + e.getMessage());
            }
            return null;
        });
        m.put("stop_errors", errors.get());
        m.put("time_to_stop_all_seconds", secs(System.nanoTime() - s0));
        m.put("leftovers", leftovers());
        for (int i = 0; i < n; i++) {
            deleteTree(allocs.resolve("rc" + i));
        }
        return m;
    }

    // ---- scenario 6: throughput ----

    Map<String, Object> throughput() throws Exception {
        int workers = bench.opt.throughputWorkers();
        long seconds = bench.opt.throughputSeconds();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workers", workers);
        m.put("seconds", seconds);
        m.put("task", "/bin/true");
        int slots = (int) seconds + 2;
        AtomicLong[] startedPerSecond = new AtomicLong[slots];
        AtomicLong[] completedPerSecond = new AtomicLong[slots];
        for (int i = 0; i < slots; i++) {
            startedPerSecond[i] = new AtomicLong();
            completedPerSecond[i] = new AtomicLong();
        }
        List<TaskDirectory> dirs = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            dirs.add(newAlloc("tp" + w, "t", false));
        }
        AtomicBoolean stop = new AtomicBoolean();
        Map<String, Long> failures = new ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int wi = w;
            fs.add(pool.submit(() -> {
                while (!stop.get() && System.nanoTime() < end) {
                    TaskConfig t = task(dirs.get(wi), "tp" + wi, "t", ExecTaskConfig.of("/bin/true"));
                    try {
                        TaskHandle h = driver.startTask(t);
                        startedPerSecond[slot(t0, slots)].incrementAndGet();
                        h.exit().get(60, TimeUnit.SECONDS);
                        completedPerSecond[slot(t0, slots)].incrementAndGet();
                        driver.destroyTask(t.id(), true);
                    } catch (Exception e) {
                        failures.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1L, Long::sum);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        long elapsed = System.nanoTime() - t0;
        pool.shutdown();
        long started = 0;
        long completed = 0;
        List<Long> perSecond = new ArrayList<>();
        for (int i = 0; i < slots; i++) {
            started += startedPerSecond[i].get();
            completed += completedPerSecond[i].get();
            if (i < seconds) {
                perSecond.add(completedPerSecond[i].get());
            }
        }
        m.put("started", started);
        m.put("completed", completed);
        m.put("elapsed_seconds", secs(elapsed));
        m.put("started_per_second", Math.round(started / (elapsed / 1e9) * 10) / 10.0);
        m.put("completed_per_second", Math.round(completed / (elapsed / 1e9) * 10) / 10.0);
        m.put("completed_each_second", perSecond);
        m.put("failures", failures);
        m.put("leftovers", leftovers());
        for (int w = 0; w < workers; w++) {
            deleteTree(allocs.resolve("tp" + w));
        }
        return m;
    }

    private static int slot(long t0, int slots) {
        return (int) Math.min(slots - 1, (System.nanoTime() - t0) / 1_000_000_000L);
    }

    // ---- helpers ----

    static double secs(long ns) {
        return Math.round(ns / 1e6) / 1e3;
    }

    /** Runs {@code job(i)} for i in [0, n) on {@code par} threads; rethrows the first failure. */
    static void parallel(int n, int par, IntFunction<Object> job) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, par));
        try {
            List<Future<Object>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int ii = i;
                fs.add(pool.submit(() -> job.apply(ii)));
            }
            Exception first = null;
            for (Future<Object> f : fs) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof Exception ex ? ex : e;
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        } finally {
            pool.shutdown();
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    @Override
    public void close() throws Exception {
        List<TaskHandle> left = new ArrayList<>(driver.tasks());
        if (!left.isEmpty()) {
            bench.note(left.size() + " tasks were still tracked at the end; destroying them");
            stopAll(left, 4);
        }
        // The recovery child's cgroups parent and the driver's own parent dirs.
        for (Path c : Machine.cgroupMounts()) {
            Path p = c.resolve(bench.cgroupParent);
            if (Files.isDirectory(p)) {
                try (var s = Files.walk(p)) {
                    for (Path d : s.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList()) {
                        try {
                            Files.delete(d);
                        } catch (IOException e) {
                            bench.note("could not remove cgroup " + d + ": " + e.getMessage());
                        }
                    }
                }
            }
        }
    }
}
