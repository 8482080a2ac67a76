package dev.corral.jobspec.model;

import dev.corral.jobspec.SourcePos;

/** A placement preference; parsed, not acted on by the standalone agent. Weight -100..100, default 50. */
public record Affinity(String attribute, String operator, String value, int weight, SourcePos pos) {
}
