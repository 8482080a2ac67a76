package dev.corral.jobspec.model;

/** How an artifact is fetched: Nomad's {@code any}, {@code file} or {@code dir}. */
public enum ArtifactMode {
    ANY, FILE, DIR
}
