package dev.corral.agent;

import java.util.List;

/**
 * The answer to a job register or deregister (Nomad's JobRegisterResponse / JobDeregisterResponse).
 *
 * @param evalId          the evaluation created for the change (empty when none was needed)
 * @param evalCreateIndex its create index
 * @param jobModifyIndex  the job's modify index after the change
 * @param index           the store index of the change
 * @param warnings        submit warnings, Nomad's wording
 */
public record RegisterResponse(String evalId, long evalCreateIndex, long jobModifyIndex, long index,
                               List<String> warnings) {
    public RegisterResponse {
        warnings = List.copyOf(warnings);
    }
}
