package dev.corral.agent.http.fuzz;

import dev.corral.agent.Agent;
import dev.corral.agent.AgentFixture;
import dev.corral.agent.http.AgentBackend;
import dev.corral.agent.http.HttpApi;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;

/**
 * A real agent (store, scheduler, runners, exec driver, sandbox) with its HTTP API on
 * 127.0.0.1 port 0 in this JVM, under its own cgroup parent; {@link #close()} stops every job,
 * waits until no task runs, and removes the cgroups.
 */
public final class LiveAgent implements AutoCloseable {
    public final Agent agent;
    final AgentBackend backend;
    public final HttpApi api;
    final String cgroup;

    public LiveAgent(Path dataDir, String extraClient) throws Exception {
        cgroup = AgentFixture.cgroupParent();
        agent = Agent.start(AgentFixture.config(dataDir, extraClient, cgroup));
        AgentBackend b = new AgentBackend(agent);
        HttpApi a;
        try {
            a = new HttpApi(b, new InetSocketAddress("127.0.0.1", 0), new PrometheusRegistry()).start();
        } catch (Exception e) {
            b.close();
            agent.close();
            AgentFixture.removeCgroups(cgroup);
            throw e;
        }
        backend = b;
        api = a;
    }

    public URI uri(String pathAndQuery) {
        return URI.create(api.address() + pathAndQuery);
    }

    @Override
    public void close() throws Exception {
        try {
            api.close();
            backend.close();
            AgentFixture.stopAll(agent);
        } finally {
            agent.close();
            AgentFixture.removeCgroups(cgroup);
        }
    }
}
