package dev.corral.plugin;

import dev.corral.driver.ExecDriver;
import dev.corral.driver.ExecDriverConfig;

/**
 * The plugin's one {@link ExecDriver}, made on the first SetConfig. Nomad calls SetConfig
 * several times per launch and not at all after a reattach, so it must be idempotent and the
 * driver must outlive any connection. Guarded by {@code this}.
 */
final class DriverHolder {
    private final HclogWriter log;
    private ExecDriver driver;

    DriverHolder(HclogWriter log) {
        this.log = log;
    }

    /** Installs {@code config}; an equal config, or any config while tasks run, keeps the current driver. */
    synchronized void configure(ExecDriverConfig config) {
        if (driver != null && driver.config().equals(config)) {
            return;
        }
        if (driver != null && !driver.tasks().isEmpty()) {
            log.warn("plugin config changed while tasks run; keeping the running configuration until restart",
                    "tasks", driver.tasks().size());
            return;
        }
        if (driver != null) {
            driver.close();
        }
        driver = new ExecDriver(config);
    }

    /** Closes the driver (its spares and pooled cgroups; never its tasks). */
    synchronized void close() {
        if (driver != null) {
            driver.close();
        }
    }

    /** The driver; before any SetConfig (never on Nomad's path) one with the default config. */
    synchronized ExecDriver driver() {
        if (driver == null) {
            driver = new ExecDriver(ExecDriverConfig.builder().build());
        }
        return driver;
    }
}
