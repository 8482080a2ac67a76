/**
 * HCL2 native syntax (hashicorp/hcl {@code hclsyntax/spec.md}): a hand-written lexer and
 * recursive-descent parser producing an {@link dev.corral.jobspec.hcl.Ast} whose nodes carry
 * positions and their source text. Entry point: {@link dev.corral.jobspec.hcl.Hcl}. Syntax
 * errors are {@link dev.corral.jobspec.hcl.ParseException}s; nothing else is thrown.
 */
package dev.corral.jobspec.hcl;
