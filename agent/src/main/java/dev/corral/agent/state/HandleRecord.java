package dev.corral.agent.state;

/**
 * The driver's persisted handle for one running task: plain versioned data the driver alone
 * understands, used to reattach after an agent restart.
 *
 * @param version  the driver's handle format version
 * @param json     the driver's handle state
 */
public record HandleRecord(String allocId, String task, int version, String json) {}
