package dev.corral.agent.runner;

import dev.corral.agent.node.DriverInfo;
import dev.corral.driver.DriverException;
import dev.corral.driver.ExecDriver;
import dev.corral.driver.Fingerprint;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskHandle;
import dev.corral.driver.TaskHandleRecord;
import dev.corral.driver.TaskHandleRecordCodec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The exec driver behind {@link TaskDriver}. */
public final class ExecTaskDriver implements TaskDriver {
    private final ExecDriver driver;
    private final boolean enabled;

    /** @param enabled false when {@code driver.allowlist}/{@code driver.denylist} exclude {@code exec} */
    public ExecTaskDriver(ExecDriver driver, boolean enabled) {
        this.driver = driver;
        this.enabled = enabled;
    }

    public ExecDriver driver() {
        return driver;
    }

    @Override
    public String name() {
        return ExecDriver.NAME;
    }

    /** Lets the exec driver's spare sandbox process go. */
    @Override
    public void close() {
        driver.close();
    }

    @Override
    public DriverInfo fingerprint() {
        if (!enabled) {
            return new DriverInfo(false, false, "disabled by the client's driver.allowlist/driver.denylist", Map.of());
        }
        Fingerprint f;
        try {
            f = driver.fingerprint();
        } catch (RuntimeException e) {
            return new DriverInfo(false, false, "fingerprint failed: " + e.getMessage(), Map.of());
        }
        Map<String, String> attrs = new LinkedHashMap<>(f.attributes());
        return new DriverInfo(f.detected(), f.healthy(), f.description(), attrs);
    }

    @Override
    public Started start(TaskConfig config) throws StartException {
        try {
            TaskHandle h = driver.startTask(config);
            return started(h);
        } catch (DriverException e) {
            // In-process driver errors are not recoverable, as in Nomad ("Error was unrecoverable").
            throw new StartException(e.getMessage(), false, e);
        } catch (RuntimeException e) {
            throw new StartException("failed to start task: " + e.getMessage(), false, e);
        }
    }

    @Override
    public Started recover(int handleVersion, String handleJson) throws StartException {
        try {
            TaskHandleRecord rec = TaskHandleRecordCodec.fromJson(handleJson);
            return started(driver.recoverTask(rec));
        } catch (DriverException e) {
            throw new StartException(e.getMessage(), true, e);
        } catch (RuntimeException e) {
            throw new StartException("failed to recover task: " + e.getMessage(), true, e);
        }
    }

    private static Started started(TaskHandle h) {
        TaskHandleRecord rec = h.record();
        return new Started(h.id(), rec.version(), TaskHandleRecordCodec.toJson(rec), h.sandboxPid(), h.exit());
    }

    @Override
    public void stop(String taskId, Duration timeout, String signal) {
        driver.stopTask(taskId, timeout, signal);
    }

    @Override
    public void destroy(String taskId) {
        driver.destroyTask(taskId, true);
    }

    @Override
    public void signal(String taskId, String signal) {
        driver.signalTask(taskId, signal);
    }
}
