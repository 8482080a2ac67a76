package dev.corral.agent.sched;

/**
 * A {@code constraint} block.
 *
 * @param lTarget  {@code attribute}, e.g. {@code ${attr.kernel.name}}
 * @param operand  {@code operator}; {@code =} when omitted
 * @param rTarget  {@code value}
 */
public record Constraint(String lTarget, String operand, String rTarget) {
    public Constraint {
        lTarget = lTarget == null ? "" : lTarget;
        operand = operand == null || operand.isEmpty() ? "=" : operand;
        rTarget = rTarget == null ? "" : rTarget;
    }

    /** Nomad's rendering, used as the filter reason: {@code ${attr.kernel.name} = linux}. */
    @Override
    public String toString() {
        return lTarget + " " + operand + " " + rTarget;
    }
}
