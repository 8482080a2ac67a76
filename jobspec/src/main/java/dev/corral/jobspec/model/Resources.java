package dev.corral.jobspec.model;

/**
 * Resources a task asks for.
 *
 * @param cpu       CPU in MHz; default 100, 0 when {@code cores} is set
 * @param cores     whole reserved cores, 0 when not used (exclusive with {@code cpu})
 * @param memory    memory limit, default 300 MiB
 * @param memoryMax oversubscription limit, {@link DataSize#ZERO} when unset
 */
public record Resources(int cpu, int cores, DataSize memory, DataSize memoryMax) {

    /** Nomad's defaults: 100 MHz, 300 MiB. */
    public static final Resources DEFAULT = new Resources(100, 0, DataSize.ofMebibytes(300), DataSize.ZERO);
}
