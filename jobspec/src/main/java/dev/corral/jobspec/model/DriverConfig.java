package dev.corral.jobspec.model;

import dev.corral.jobspec.SourcePos;
import java.util.Map;

/**
 * A task's driver {@code config} block, evaluated at submit time but kept generic; strings may
 * still hold runtime references (the client resolves them). Typed views per driver:
 * {@link ExecConfig#of(DriverConfig)}, {@link RawExecConfig#of(DriverConfig)}.
 *
 * @param values    the attributes by name, in file order
 * @param positions where each attribute was written ({@link SourcePos#NONE} for JSON input)
 * @param pos       where the block starts
 */
public record DriverConfig(Map<String, Value> values, Map<String, SourcePos> positions, SourcePos pos) {

    public static final DriverConfig EMPTY = new DriverConfig(Map.of(), Map.of(), SourcePos.NONE);

    public DriverConfig {
        values = Maps.copy(values);
        positions = Maps.copy(positions);
    }

    /** Where an attribute was written, or the block's position. */
    public SourcePos posOf(String key) {
        return positions.getOrDefault(key, pos);
    }
}
