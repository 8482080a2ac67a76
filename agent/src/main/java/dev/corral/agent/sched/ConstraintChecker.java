package dev.corral.agent.sched;

import dev.corral.agent.node.Node;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/** Nomad's constraint operators evaluated against one node. */
public final class ConstraintChecker {
    private ConstraintChecker() {}

    /** True when {@code node} satisfies {@code c}. {@code distinct_hosts}/{@code distinct_property} are checked elsewhere. */
    public static boolean satisfies(Node node, Constraint c) {
        Optional<String> l = node.resolve(c.lTarget());
        Optional<String> r = node.resolve(c.rTarget());
        return check(c.operand(), l, r);
    }

    static boolean check(String operand, Optional<String> l, Optional<String> r) {
        boolean lf = l.isPresent();
        boolean rf = r.isPresent();
        return switch (operand) {
            case "distinct_hosts", "distinct_property" -> true;
            case "=", "==", "is" -> lf && rf && l.get().equals(r.get());
            case "!=", "not" -> !l.equals(r);
            case "<", "<=", ">", ">=" -> lf && rf && order(operand, l.get(), r.get());
            case "is_set" -> lf;
            case "is_not_set" -> !lf;
            case "version" -> lf && rf && versionMatch(l.get(), r.get(), VersionConstraint.Flavor.VERSION);
            case "semver" -> lf && rf && versionMatch(l.get(), r.get(), VersionConstraint.Flavor.SEMVER);
            case "regexp" -> lf && rf && regexp(l.get(), r.get());
            case "set_contains", "set_contains_all" -> lf && rf && set(l.get()).containsAll(set(r.get()));
            case "set_contains_any" -> lf && rf && set(r.get()).stream().anyMatch(set(l.get())::contains);
            default -> false;
        };
    }

    private static boolean order(String op, String l, String r) {
        int cmp;
        try {
            cmp = Long.compare(Long.parseLong(l.trim()), Long.parseLong(r.trim()));
        } catch (NumberFormatException notInts) {
            try {
                cmp = Double.compare(Double.parseDouble(l.trim()), Double.parseDouble(r.trim()));
            } catch (NumberFormatException notFloats) {
                cmp = l.compareTo(r);
            }
        }
        return switch (op) {
            case "<" -> cmp < 0;
            case "<=" -> cmp <= 0;
            case ">" -> cmp > 0;
            default -> cmp >= 0;
        };
    }

    private static boolean versionMatch(String version, String constraint, VersionConstraint.Flavor flavor) {
        try {
            return VersionConstraint.parse(constraint, flavor).matches(version);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean regexp(String value, String pattern) {
        try {
            return Pattern.compile(pattern).matcher(value).find();
        } catch (PatternSyntaxException e) {
            return false;
        }
    }

    private static Set<String> set(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).collect(Collectors.toSet());
    }

    /**
     * Checks a constraint for submit-time errors (Nomad's job validation), e.g. a bad regexp or
     * version constraint. Empty when valid.
     */
    public static Optional<String> validate(Constraint c) {
        switch (c.operand()) {
            case "=", "==", "is", "!=", "not", "<", "<=", ">", ">=", "set_contains", "set_contains_all",
                 "set_contains_any", "distinct_property" -> {
                if (c.lTarget().isEmpty() && !c.operand().equals("distinct_property")) {
                    return Optional.of("No LTarget provided but is required by constraint");
                }
                return Optional.empty();
            }
            case "distinct_hosts", "is_set", "is_not_set" -> {
                return Optional.empty();
            }
            case "regexp" -> {
                try {
                    Pattern.compile(c.rTarget());
                    return Optional.empty();
                } catch (PatternSyntaxException e) {
                    return Optional.of("Regular expression failed to compile: " + e.getDescription());
                }
            }
            case "version", "semver" -> {
                try {
                    VersionConstraint.parse(c.rTarget(), c.operand().equals("semver")
                            ? VersionConstraint.Flavor.SEMVER : VersionConstraint.Flavor.VERSION);
                    return Optional.empty();
                } catch (IllegalArgumentException e) {
                    return Optional.of("Version constraint is invalid: " + e.getMessage());
                }
            }
            default -> {
                return Optional.of("Unknown constraint type \"" + c.operand() + "\"");
            }
        }
    }
}
