/**
 * The job model: immutable records with Nomad's defaults applied, typed units
 * ({@link java.time.Duration}, {@link dev.corral.jobspec.model.DataSize}) and enums. The driver
 * {@code config} block stays a generic {@link dev.corral.jobspec.model.Value} tree with typed
 * views per driver ({@link dev.corral.jobspec.model.ExecConfig},
 * {@link dev.corral.jobspec.model.RawExecConfig}).
 */
package dev.corral.jobspec.model;
