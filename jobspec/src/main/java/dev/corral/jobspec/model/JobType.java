package dev.corral.jobspec.model;

import java.util.Locale;

/** The scheduler type of a job. */
public enum JobType {
    SERVICE, BATCH, SYSTEM, SYSBATCH;

    /** The name as written in job files: {@code service}, {@code batch}, ... */
    public String jobFileName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a job-file name; null when unknown. */
    public static JobType fromJobFile(String s) {
        for (JobType t : values()) {
            if (t.jobFileName().equals(s)) {
                return t;
            }
        }
        return null;
    }
}
