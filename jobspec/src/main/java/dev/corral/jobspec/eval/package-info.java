/**
 * Submit-time evaluation of HCL expressions: operators, templates, for expressions, splats and
 * the function library of Nomad job files ({@link dev.corral.jobspec.eval.Functions}).
 * Unknown variables (including {@code NOMAD_*}, {@code node}, {@code attr}, {@code meta},
 * {@code env}, {@code device}) are kept verbatim as {@code ${...}}, as Nomad does.
 */
package dev.corral.jobspec.eval;
