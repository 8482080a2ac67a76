package dev.corral.agent.state;

/**
 * A task's restart tracker state, so recovery resumes the same interval window.
 *
 * @param count          failures counted in the current window
 * @param windowStartMs  Unix ms when the current interval window began
 */
public record RestartCounter(String allocId, String task, int count, long windowStartMs) {}
