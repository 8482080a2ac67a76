package dev.corral.agent;

import dev.corral.agent.config.AgentConfig;
import dev.corral.agent.config.AgentConfigException;
import dev.corral.agent.gc.DiskStats;
import dev.corral.agent.gc.GcPolicy;
import dev.corral.agent.job.Job;
import dev.corral.agent.job.JobValidator;
import dev.corral.agent.logs.LogReader;
import dev.corral.agent.node.DriverInfo;
import dev.corral.agent.node.HostFingerprint;
import dev.corral.agent.node.Node;
import dev.corral.agent.node.NodeResources;
import dev.corral.agent.restart.RestartPolicy;
import dev.corral.agent.runner.AllocRunner;
import dev.corral.agent.runner.ExecTaskDriver;
import dev.corral.agent.runner.RunnerContext;
import dev.corral.agent.runner.TaskDriver;
import dev.corral.agent.sched.Scheduler;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.EvalRecord;
import dev.corral.agent.state.Json;
import dev.corral.agent.state.JobRecord;
import dev.corral.agent.state.JobStatus;
import dev.corral.agent.state.NodeIdentity;
import dev.corral.agent.state.StateStore;
import dev.corral.agent.state.Table;
import dev.corral.agent.state.TaskStateRecord;
import dev.corral.driver.DriverException;
import dev.corral.driver.ExecDriver;
import dev.corral.driver.ExecDriverConfig;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Corral agent: a Nomad client with a built-in single-node server, in one process. It keeps
 * its state in SQLite under {@code data_dir}, schedules jobs onto this node, runs their tasks
 * through the exec driver, and after a restart (even {@code kill -9}) reattaches to the tasks that
 * kept running.
 *
 * <p>This is the in-process API the HTTP API and the CLI are built on. All methods are
 * thread-safe. Changes are committed before a method returns; for blocking queries use
 * {@link #store()}{@code .awaitIndex(...)}, for event streams {@link #store()}{@code .subscribe(...)}.
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    /** How often the node is fingerprinted again. */
    public static final Duration FINGERPRINT_PERIOD = Duration.ofSeconds(30);

    /** Injection points for tests and embedding; {@link #defaults()} is what {@code corral agent} uses. */
    public record Options(Map<String, TaskDriver> drivers, HostFingerprint host, LongSupplier clockMs,
                          RandomGenerator random, DiskStats diskStats, RunnerContext.ArtifactHook artifacts) {
        public static Options defaults() {
            return new Options(null, HostFingerprint.system(), System::currentTimeMillis, new java.util.Random(),
                    null, null);
        }

        public Options withDrivers(Map<String, TaskDriver> d) {
            return new Options(d, host, clockMs, random, diskStats, artifacts);
        }

        public Options withDiskStats(DiskStats d) {
            return new Options(drivers, host, clockMs, random, d, artifacts);
        }

        public Options withArtifacts(RunnerContext.ArtifactHook a) {
            return new Options(drivers, host, clockMs, random, diskStats, a);
        }
    }

    private final AgentConfig config;
    private final Options options;
    private final Path dataDir;
    private final Path allocRoot;
    private final StateStore store;
    private final NodeIdentity identity;
    private final Map<String, TaskDriver> drivers;
    /** True when {@link #drivers} were made here (not given in the options): closed with the agent. */
    private final boolean ownsDrivers;
    private final Scheduler scheduler;
    private final RunnerContext runnerContext;
    private final DiskStats diskStats;
    private final dev.corral.agent.artifact.ArtifactFetcher artifactFetcher;
    /** Serialises scheduling, runner bookkeeping and GC: one change at a time keeps the store consistent. */
    private final ExecutorService loop = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("agent-loop").factory());
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("agent-timers").factory());
    private final Map<String, AllocRunner> runners = new ConcurrentHashMap<>();
    /** Job versions are immutable: parse each stored version once. Guarded by itself. */
    private final Map<String, Job> jobVersionCache = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Job> eldest) {
            return size() > 256;
        }
    };
    private volatile Node node;

    private Agent(AgentConfig config, Options options) {
        this.config = config;
        this.options = options;
        try {
            this.dataDir = config.dataDir() != null ? config.dataDir()
                    : Files.createTempDirectory("corral-agent-");
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new AgentConfigException(List.of("cannot create data_dir: " + e.getMessage()));
        }
        if (System.getProperty("org.sqlite.tmpdir") == null) {
            // sqlite-jdbc extracts its native library into java.io.tmpdir, which may be noexec.
            Path tmp = dataDir.resolve("tmp");
            try {
                Files.createDirectories(tmp);
                System.setProperty("org.sqlite.tmpdir", tmp.toString());
            } catch (IOException e) {
                LOG.warn("cannot create {}: {}", tmp, e.getMessage());
            }
        }
        this.allocRoot = config.client().allocDir() != null ? config.client().allocDir() : dataDir.resolve("alloc");
        try {
            Files.createDirectories(allocRoot);
        } catch (IOException e) {
            throw new AgentConfigException(List.of("cannot create alloc_dir " + allocRoot + ": " + e.getMessage()));
        }
        this.store = StateStore.open(dataDir.resolve("state.db"));
        this.identity = store.nodeIdentity(() -> new NodeIdentity(UUID.randomUUID().toString(),
                UUID.randomUUID().toString(), options.clockMs().getAsLong()));
        this.drivers = options.drivers() != null ? Map.copyOf(options.drivers()) : defaultDrivers(config, dataDir);
        this.ownsDrivers = options.drivers() == null;
        this.diskStats = options.diskStats() != null ? options.diskStats() : DiskStats.of(allocRoot);
        long f0 = System.nanoTime();
        this.node = fingerprint();
        LOG.info("node fingerprinted in {} ms", (System.nanoTime() - f0) / 1_000_000);
        store.update(t -> t.putNodeJson(identity.id(), Json.write(node)));
        this.scheduler = new Scheduler(store, () -> node, options.clockMs(), () -> UUID.randomUUID().toString());
        RunnerContext.ArtifactHook artifacts = options.artifacts();
        if (artifacts == null) {
            try {
                this.artifactFetcher = new dev.corral.agent.artifact.ArtifactFetcher(
                        dev.corral.agent.artifact.ArtifactConfig.fromKeys(config.client().artifact()));
            } catch (IllegalArgumentException | IOException e) {
                store.close();
                throw new AgentConfigException(List.of("client.artifact: " + e.getMessage()));
            }
            artifacts = new dev.corral.agent.runner.ArtifactFetchHook(artifactFetcher);
        } else {
            this.artifactFetcher = null;
        }
        String parentCgroup = drivers.get("exec") instanceof ExecTaskDriver e ? "/" + e.driver().config().cgroupParent() : "";
        this.runnerContext = new RunnerContext(store, drivers, () -> node, allocRoot,
                config.client().chrootEnv().isEmpty() ? ExecDriverConfig.DEFAULT_CHROOT_ENV : config.client().chrootEnv(),
                System.getenv(), config.client().envDenylist(), config.client().userDenylist(),
                config.client().maxKillTimeout(), parentCgroup, options.clockMs(), options.random(),
                this::onAllocUpdate, artifacts);
    }

    /** Starts an agent with the default drivers and the real host. */
    public static Agent start(AgentConfig config) {
        return start(config, Options.defaults());
    }

    /**
     * Opens the store, fingerprints the node, reattaches to every task that was running, resumes
     * pending evaluations and starts the periodic fingerprint and GC.
     */
    public static Agent start(AgentConfig config, Options options) {
        long t0 = System.nanoTime();
        Agent a = new Agent(config, options);
        long t1 = System.nanoTime();
        a.recover();
        LOG.info("agent started in {} ms (store and fingerprint {} ms, recovery {} ms)",
                (System.nanoTime() - t0) / 1_000_000, (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
        a.timers.scheduleAtFixedRate(a::refreshNode, FINGERPRINT_PERIOD.toMillis(), FINGERPRINT_PERIOD.toMillis(),
                TimeUnit.MILLISECONDS);
        long gcMs = Math.max(1000, config.client().gc().interval().toMillis());
        a.timers.scheduleAtFixedRate(() -> a.submit(a::periodicGc), gcMs, gcMs, TimeUnit.MILLISECONDS);
        return a;
    }

    private static Map<String, TaskDriver> defaultDrivers(AgentConfig config, Path dataDir) {
        ExecDriverConfig.Builder b = ExecDriverConfig.builder()
                .stateDir(dataDir.resolve("driver"))
                .maxKillTimeout(config.client().maxKillTimeout())
                .userDenylist(config.client().userDenylist())
                .chrootEnv(config.client().chrootEnv());
        AgentConfig.Plugin exec = config.plugins().get("exec");
        try {
            ExecDriver driver = new ExecDriver(ExecDriverConfig.fromKeys(exec == null ? Map.of() : exec.config(), b));
            return Map.of(ExecDriver.NAME, new ExecTaskDriver(driver, config.client().driverEnabled(ExecDriver.NAME)));
        } catch (DriverException e) {
            throw new AgentConfigException(List.of(e.getMessage()));
        }
    }

    // ---- node -------------------------------------------------------------------------------

    private Node fingerprint() {
        HostFingerprint.Host host = options.host().fingerprint(allocRoot);
        Map<String, String> attrs = new LinkedHashMap<>(host.attributes());
        Map<String, DriverInfo> infos = new LinkedHashMap<>();
        for (TaskDriver d : drivers.values()) {
            DriverInfo info = d.fingerprint();
            infos.put(d.name(), info);
            if (info.detected()) {
                attrs.putAll(info.attributes());
            }
        }
        attrs.put("corral.version", "0.1.0");
        long diskMb = 0;
        String free = attrs.get("unique.storage.bytesfree");
        if (free != null) {
            diskMb = Long.parseLong(free) / (1024 * 1024);
        }
        AgentConfig.Client c = config.client();
        return new Node(identity.id(), identity.secretId(), config.name(), config.datacenter(), config.region(),
                c.nodeClass(), "default", "ready", attrs, c.meta(), infos,
                new NodeResources(host.totalCpuMhz(), host.cores(), host.memoryBytes() / (1024 * 1024), diskMb),
                c.reserved(), c.hostVolumes());
    }

    private void refreshNode() {
        try {
            Node fresh = fingerprint();
            boolean driversChanged = !fresh.drivers().equals(node.drivers());
            node = fresh;
            store.update(t -> t.putNodeJson(identity.id(), Json.write(fresh)));
            if (driversChanged) {
                submit(this::unblockEvals);
            }
        } catch (RuntimeException e) {
            LOG.warn("node fingerprint failed: {}", e.getMessage());
        }
    }

    /** The groups of {@code job} this node could not fully place now, with why ({@code job plan}); writes nothing. */
    public Map<String, dev.corral.agent.state.AllocMetric> planFailures(dev.corral.agent.job.Job job) {
        return scheduler.planFailures(job);
    }

    /** This node as the scheduler sees it. */
    public Node node() {
        return node;
    }

    public AgentConfig config() {
        return config;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The state store, for blocking queries ({@code awaitIndex}) and event streams ({@code subscribe}). */
    public StateStore store() {
        return store;
    }

    // ---- jobs -------------------------------------------------------------------------------

    /**
     * Registers (or updates) a job: validates it, commits the new version and an evaluation, and
     * schedules it asynchronously. An unchanged job keeps its version.
     *
     * @throws dev.corral.agent.job.JobValidationException listing every problem
     */
    public RegisterResponse registerJob(Job job) {
        JobValidator.validate(job);
        long nowNs = options.clockMs().getAsLong() * 1_000_000L;
        List<String> warnings = new ArrayList<>();
        for (var g : job.groups()) {
            for (var t : g.tasks()) {
                if (t.resources().memoryMaxMb() > 0) {
                    warnings.add("Memory oversubscription is not enabled; Task \"" + g.name() + "." + t.name()
                            + "\" memory_max value will be ignored. Update the Scheduler Configuration to allow oversubscription.");
                }
            }
        }
        Job stored = stripMemoryMax(job);
        RegisterResponse resp = store.write(t -> {
            Optional<JobRecord> old = store.job(stored.namespace(), stored.id());
            boolean changed = old.isEmpty() || old.get().stop() || !old.get().job().equals(stored);
            long version = old.map(o -> changed ? o.version() + 1 : o.version()).orElse(0L);
            JobRecord rec = t.putJob(new JobRecord(stored.namespace(), stored.id(), version, false,
                    old.map(JobRecord::status).orElse("pending"), nowNs, 0, 0, 0, stored), changed);
            EvalRecord eval = t.putEval(newEval(stored, rec.jobModifyIndex(), "job-register", nowNs));
            JobStatus.refresh(t, store, stored.namespace(), stored.id());
            return new RegisterResponse(eval.id(), eval.createIndex(), rec.jobModifyIndex(), t.index(), warnings);
        });
        submit(() -> processEval(resp.evalId()));
        return resp;
    }

    private static Job stripMemoryMax(Job job) {
        // Without oversubscription Nomad allocates MemoryMaxMB = 0.
        return job.withGroups(job.groups().stream().map(g -> g.withTasks(g.tasks().stream()
                .map(t -> t.resources().memoryMaxMb() == 0 ? t : t.withResources(
                        new dev.corral.agent.sched.ResourceAsk(t.resources().cpuMhz(), t.resources().cores(),
                                t.resources().memoryMb(), 0)))
                .toList())).toList());
    }

    private EvalRecord newEval(Job job, long jobModifyIndex, String trigger, long nowNs) {
        return new EvalRecord(UUID.randomUUID().toString(), job.namespace(), job.id(), jobModifyIndex, job.type(),
                job.priority(), trigger, "pending", "", Map.of(), nowNs, nowNs, 0, 0);
    }

    /**
     * Stops a job ({@code job stop}); with {@code purge} its record and versions are removed too,
     * and its allocations once their tasks are dead.
     *
     * @throws AgentException NOT_FOUND for an unknown job
     */
    public RegisterResponse stopJob(String namespace, String id, boolean purge) {
        long nowNs = options.clockMs().getAsLong() * 1_000_000L;
        RegisterResponse resp = store.write(t -> {
            JobRecord job = store.job(namespace, id).orElseThrow(() -> AgentException.notFound("job not found"));
            JobRecord rec = t.putJob(job.withStop(true), false);
            EvalRecord eval = t.putEval(newEval(job.job(), rec.jobModifyIndex(), "job-deregister", nowNs));
            if (purge) {
                t.deleteJob(namespace, id);
                if (store.allocsForJob(namespace, id).isEmpty()) {
                    t.deleteJobVersions(namespace, id);
                }
            } else {
                JobStatus.refresh(t, store, namespace, id);
            }
            return new RegisterResponse(eval.id(), eval.createIndex(), rec.jobModifyIndex(), t.index(), List.of());
        });
        submit(() -> processEval(resp.evalId()));
        return resp;
    }

    public List<JobRecord> jobs() {
        return store.jobs();
    }

    /** The jobs whose ID starts with {@code prefix}, found in the store's index. */
    public List<JobRecord> jobs(String prefix) {
        return store.jobs(prefix);
    }

    public Optional<JobRecord> job(String namespace, String id) {
        return store.job(namespace, id);
    }

    /** Stored versions of a job, newest first. */
    public List<JobRecord> jobVersions(String namespace, String id) {
        return store.jobVersions(namespace, id);
    }

    // ---- evaluations ------------------------------------------------------------------------

    public List<EvalRecord> evaluations() {
        return store.evals();
    }

    public Optional<EvalRecord> evaluation(String id) {
        return store.eval(id);
    }

    public List<EvalRecord> jobEvaluations(String namespace, String jobId) {
        return store.evalsForJob(namespace, jobId);
    }

    /** Waits until the evaluation is no longer pending; returns it (blocked counts as done here). */
    public EvalRecord awaitEval(String evalId, Duration maxWait) throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        long index = 0;
        while (true) {
            EvalRecord e = store.eval(evalId).orElseThrow(() -> AgentException.notFound("eval not found"));
            long left = deadline - System.nanoTime();
            if (!e.status().equals("pending") || left <= 0) {
                return e;
            }
            index = store.awaitIndex(Set.of(Table.EVALS), Math.max(index, e.modifyIndex()), Duration.ofNanos(left));
        }
    }

    // ---- allocations ------------------------------------------------------------------------

    public List<AllocRecord> allocations() {
        return store.allocs();
    }

    public Optional<AllocRecord> allocation(String id) {
        return store.alloc(id);
    }

    public List<AllocRecord> jobAllocations(String namespace, String jobId) {
        return store.allocsForJob(namespace, jobId);
    }

    /** Task name to state (with the last 10 events). */
    public Map<String, TaskStateRecord> taskStates(String allocId) {
        return store.taskStates(allocId);
    }

    /** Host pids of the allocation's running task sandboxes, by task name. */
    public Map<String, Long> taskPids(String allocId) {
        AllocRunner r = runners.get(allocId);
        return r == null ? Map.of() : r.pids();
    }

    /** The allocation's directory on the host ({@code <alloc_dir>/<alloc id>}). */
    public Path allocDir(String allocId) {
        return allocRoot.resolve(allocId);
    }

    /**
     * Sends a signal to one task, or to every running task when {@code task} is null.
     *
     * @throws AgentException NOT_FOUND for an unknown allocation or task, BAD_REQUEST when not running
     */
    public void signal(String allocId, String task, String signal) {
        try {
            runner(allocId).signal(task, signal);
        } catch (IllegalArgumentException e) {
            throw AgentException.notFound(e.getMessage());
        } catch (IllegalStateException e) {
            throw new AgentException(AgentException.Kind.BAD_REQUEST, e.getMessage());
        }
    }

    /** Restarts one task, or every running task when {@code task} is null, in place. */
    public void restart(String allocId, String task) {
        try {
            runner(allocId).restart(task);
        } catch (IllegalArgumentException e) {
            throw AgentException.notFound(e.getMessage());
        }
    }

    /** Stops an allocation ({@code alloc stop}); the scheduler places a replacement. Returns the eval id. */
    public String stopAllocation(String allocId) {
        long nowNs = options.clockMs().getAsLong() * 1_000_000L;
        String evalId = store.write(t -> {
            AllocRecord a = store.alloc(allocId).orElseThrow(() -> AgentException.notFound("alloc not found"));
            JobRecord job = store.job(a.namespace(), a.jobId()).orElseThrow(() -> AgentException.notFound("job not found"));
            t.putAlloc(a.withDesired("stop", "alloc is being migrated", nowNs));
            return t.putEval(newEval(job.job(), job.jobModifyIndex(), "alloc-stop", nowNs)).id();
        });
        submit(() -> {
            AllocRunner r = runners.get(allocId);
            if (r != null) {
                r.stop();
            }
            processEval(evalId);
        });
        return evalId;
    }

    /**
     * A reader of one task's stdout or stderr.
     *
     * @throws AgentException NOT_FOUND for an unknown allocation or task
     */
    public LogReader logs(String allocId, String task, LogReader.Stream stream) {
        AllocRecord a = store.alloc(allocId).orElseThrow(() -> AgentException.notFound("alloc not found"));
        JobRecord job = store.jobVersion(a.namespace(), a.jobId(), a.jobVersion())
                .orElseThrow(() -> AgentException.notFound("job not found"));
        boolean known = job.job().group(a.taskGroup()).map(g -> g.tasks().stream().anyMatch(t -> t.name().equals(task)))
                .orElse(false);
        if (!known) {
            throw AgentException.notFound("unknown task name \"" + task + "\"");
        }
        return new LogReader(allocDir(allocId).resolve("alloc").resolve("logs"), task, stream);
    }

    private AllocRunner runner(String allocId) {
        AllocRunner r = runners.get(allocId);
        if (r == null) {
            if (store.alloc(allocId).isEmpty()) {
                throw AgentException.notFound("alloc not found");
            }
            throw new AgentException(AgentException.Kind.BAD_REQUEST, "allocation " + allocId + " is not running");
        }
        return r;
    }

    // ---- scheduling loop --------------------------------------------------------------------

    private Future<?> submit(Runnable r) {
        if (loop.isShutdown()) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        try {
            return loop.submit(() -> {
                if (loop.isShutdown()) {
                    // Closing: queued work is left to the next start, which re-reads the store
                    // (as after a crash), instead of running against a store about to close.
                    return;
                }
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.error("agent loop task failed", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
    }

    private void processEval(String evalId) {
        Scheduler.Outcome o = scheduler.process(evalId);
        for (AllocRecord a : o.placed()) {
            startRunner(a);
        }
        for (AllocRecord a : o.stopped()) {
            AllocRunner r = runners.get(a.id());
            if (r != null) {
                r.update(a);
            } else if (!a.clientTerminal()) {
                // Never started (e.g. placed before a crash): record it as complete.
                store.update(t -> t.putAlloc(a.withClient("complete", "Allocation stopped before it started",
                        options.clockMs().getAsLong() * 1_000_000L)));
            }
        }
        for (AllocRecord a : o.updated()) {
            AllocRunner r = runners.get(a.id());
            if (r != null) {
                r.update(a);
            }
        }
        o.followUpAtMs().ifPresent(at -> {
            long delay = Math.max(0, at - options.clockMs().getAsLong());
            timers.schedule(() -> submit(() -> followUp(o.eval())), delay, TimeUnit.MILLISECONDS);
        });
        if (!o.placed().isEmpty()) {
            makeRoom();
        }
    }

    private void followUp(EvalRecord origin) {
        long nowNs = options.clockMs().getAsLong() * 1_000_000L;
        Optional<JobRecord> job = store.job(origin.namespace(), origin.jobId());
        if (job.isEmpty() || job.get().stop()) {
            return;
        }
        EvalRecord e = store.write(t -> t.putEval(newEval(job.get().job(), job.get().jobModifyIndex(),
                "alloc-failure", nowNs)));
        processEval(e.id());
    }

    private Optional<Job> jobVersion(String namespace, String id, long version) {
        String key = namespace + "\0" + id + "\0" + version;
        synchronized (jobVersionCache) {
            Job cached = jobVersionCache.get(key);
            if (cached != null) {
                return Optional.of(cached);
            }
        }
        Optional<Job> job = store.jobVersion(namespace, id, version).map(JobRecord::job);
        job.ifPresent(j -> {
            synchronized (jobVersionCache) {
                jobVersionCache.put(key, j);
            }
        });
        return job;
    }

    private void startRunner(AllocRecord a) {
        Optional<Job> job = jobVersion(a.namespace(), a.jobId(), a.jobVersion());
        if (job.isEmpty()) {
            LOG.error("allocation {} refers to job {} version {} which is not stored", a.id(), a.jobId(), a.jobVersion());
            return;
        }
        AllocRunner r = new AllocRunner(runnerContext, a, job.get());
        runners.put(a.id(), r);
        r.start();
        r.done().thenRun(() -> {
            if (!loop.isShutdown()) {
                submit(() -> afterRunnerDone(a.id()));
            }
        });
    }

    private void onAllocUpdate(AllocRecord a) {
        if (!a.clientTerminal()) {
            return;
        }
        submit(() -> {
            if (a.clientStatus().equals("failed") && !a.serverTerminal()
                    && store.job(a.namespace(), a.jobId()).map(j -> !j.stop()).orElse(false)) {
                JobRecord j = store.job(a.namespace(), a.jobId()).get();
                long nowNs = options.clockMs().getAsLong() * 1_000_000L;
                EvalRecord e = store.write(t -> t.putEval(newEval(j.job(), j.jobModifyIndex(), "alloc-failure", nowNs)));
                processEval(e.id());
            }
            unblockEvals();
        });
    }

    private void afterRunnerDone(String allocId) {
        AllocRunner r = runners.remove(allocId);
        if (r == null) {
            return;
        }
        AllocRecord a = store.alloc(allocId).orElse(null);
        if (a != null && store.job(a.namespace(), a.jobId()).isEmpty()) {
            destroyAlloc(a, "job purged");
        }
        unblockEvals();
    }

    private void unblockEvals() {
        for (EvalRecord e : store.evals()) {
            if (e.status().equals("blocked")) {
                processEval(e.id());
            }
        }
    }

    private void recover() {
        int reattached = 0;
        for (AllocRecord a : store.allocs()) {
            if (a.clientTerminal()) {
                continue;
            }
            if (jobVersion(a.namespace(), a.jobId(), a.jobVersion()).isEmpty()) {
                LOG.warn("allocation {} has no stored job version; marking it lost", a.id());
                store.update(t -> t.putAlloc(a.withClient("lost", "job version missing after restart",
                        options.clockMs().getAsLong() * 1_000_000L)));
                continue;
            }
            startRunner(a);
            reattached++;
        }
        LOG.info("recovered {} allocations", reattached);
        for (EvalRecord e : store.evals()) {
            if (e.status().equals("pending") || e.status().equals("blocked")) {
                submit(() -> processEval(e.id()));
            }
        }
        // A restart may have interrupted a pending reschedule: look again at jobs with failed allocations.
        for (JobRecord j : store.jobs()) {
            if (!j.stop() && store.allocsForJob(j.namespace(), j.id()).stream().anyMatch(
                    a -> a.clientStatus().equals("failed") && a.nextAllocation() == null && !a.serverTerminal())) {
                submit(() -> followUp(newEval(j.job(), j.jobModifyIndex(), "alloc-failure", 0)));
            }
        }
    }

    // ---- garbage collection -----------------------------------------------------------------

    /** Result of a collection: the allocations destroyed and why. */
    public record GcReport(List<String> collected, List<String> reasons) {}

    /** {@code system gc}: destroys every terminal allocation whose tasks are dead ("forced full node collection"). */
    public GcReport gc() {
        try {
            return loop.submit(() -> collect(true)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during gc", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("gc failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private void periodicGc() {
        GcReport r = collect(false);
        if (!r.collected().isEmpty()) {
            LOG.info("garbage collected {} allocations: {}", r.collected().size(), r.reasons());
        }
    }

    private void makeRoom() {
        var cfg = config.client().gc();
        List<AllocRecord> candidates = gcCandidates();
        int tracked = store.allocs().size();
        while (!candidates.isEmpty()) {
            // The new allocations are already counted in "tracked".
            Optional<String> reason = GcPolicy.makeRoomReason(cfg, tracked, 0);
            if (reason.isEmpty()) {
                break;
            }
            destroyAlloc(candidates.removeFirst(), reason.get());
            tracked--;
        }
    }

    private GcReport collect(boolean forced) {
        if (forced) {
            // A terminal allocation's runner may still be finishing its bookkeeping; let it.
            for (AllocRecord a : store.allocs()) {
                AllocRunner r = runners.get(a.id());
                if (a.clientTerminal() && r != null) {
                    try {
                        r.done().get(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                        LOG.warn("allocation {} is terminal but its runner has not finished", a.id());
                    }
                }
            }
        }
        List<String> collected = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        List<AllocRecord> candidates = gcCandidates();
        while (true) {
            String reason;
            if (forced) {
                reason = "forced full node collection";
            } else {
                Optional<String> r = GcPolicy.reason(config.client().gc(), diskStats.usage(), store.allocs().size());
                if (r.isEmpty()) {
                    break;
                }
                reason = r.get();
            }
            if (candidates.isEmpty()) {
                if (!forced) {
                    reasons.add(GcPolicy.SKIPPED);
                }
                break;
            }
            AllocRecord victim = candidates.removeFirst();
            destroyAlloc(victim, reason);
            collected.add(victim.id());
            reasons.add(reason);
        }
        return new GcReport(collected, reasons);
    }

    /** Terminal allocations whose runners finished, oldest terminal first. */
    private List<AllocRecord> gcCandidates() {
        List<AllocRecord> out = new ArrayList<>();
        for (AllocRecord a : store.allocs()) {
            AllocRunner r = runners.get(a.id());
            boolean runnerDone = r == null || r.done().isDone();
            if (a.clientTerminal() && runnerDone) {
                out.add(a);
            }
        }
        out.sort(Comparator.comparingLong(AllocRecord::modifyTimeNs));
        return out;
    }

    private void destroyAlloc(AllocRecord a, String reason) {
        LOG.info("destroying allocation {}: {}", a.id(), reason);
        deleteTree(allocDir(a.id()));
        store.update(t -> {
            t.deleteAlloc(a.id());
            if (store.job(a.namespace(), a.jobId()).isEmpty() && store.allocsForJob(a.namespace(), a.jobId()).isEmpty()) {
                t.deleteJobVersions(a.namespace(), a.jobId());
            }
        });
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("failed to remove alloc dir \"{}\": {}", root, e.getMessage());
        }
    }

    /** Restart policy defaults, exposed for the API's job canonicalisation. */
    public static RestartPolicy defaultRestartPolicy(String jobType) {
        return RestartPolicy.defaultFor(jobType);
    }

    /**
     * Stops the agent without touching running tasks (they keep running under their sandboxes and
     * are reattached by the next start), as Nomad's client does.
     */
    @Override
    public void close() {
        runners.values().forEach(AllocRunner::detach);
        timers.shutdownNow();
        loop.shutdown();
        try {
            loop.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
        if (ownsDrivers) {
            drivers.values().forEach(TaskDriver::close);
        }
        if (artifactFetcher != null) {
            artifactFetcher.close();
        }
    }
}
