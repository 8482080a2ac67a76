package dev.corral.jobspec.model;

import dev.corral.jobspec.SourcePos;

/**
 * A placement constraint: {@code attribute operator value}, attributes being node references
 * such as {@code ${attr.kernel.name}}.
 *
 * @param operator default {@code =}
 */
public record Constraint(String attribute, String operator, String value, SourcePos pos) {
}
