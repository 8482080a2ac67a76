/**
 * Nomad job specifications for Corral: read HCL2 or API JSON job files into a validated
 * {@link dev.corral.jobspec.model.Job}, and resolve runtime references when a task starts.
 *
 * <p>Entry points: {@link dev.corral.jobspec.JobParser} (parse and validate, every error with
 * file:line:col and field path, thrown as {@link dev.corral.jobspec.JobSpecException}),
 * {@link dev.corral.jobspec.json.JobJson} (Nomad API JSON in and out) and
 * {@link dev.corral.jobspec.TaskEnv} (a task's {@code NOMAD_*} environment and {@code ${...}}
 * interpolation). Sub-packages: {@code model} (records), {@code hcl} (syntax), {@code eval}
 * (expression evaluation and functions), {@code json}.
 */
package dev.corral.jobspec;
