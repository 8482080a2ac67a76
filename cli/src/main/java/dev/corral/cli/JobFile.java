package dev.corral.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.jobspec.Diagnostic;
import dev.corral.jobspec.JobParser;
import dev.corral.jobspec.JobSpecException;
import dev.corral.jobspec.json.JobJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a job file for {@code job run|plan|validate} with the jobspec module, as Nomad's CLI
 * does: HCL2 or JSON, {@code -var}, {@code -var-file} and {@code NOMAD_VAR_*}, {@code file()}
 * relative to the job file; every error with file:line:col. The result is Nomad's API JSON job.
 */
final class JobFile {
    private JobFile() {}

    /** A parsed job and its warnings. */
    record Loaded(ObjectNode job, List<String> warnings) {}

    static Loaded load(String file, List<String> vars, List<String> varFiles) throws IOException {
        Map<String, String> varMap = new LinkedHashMap<>();
        for (String v : vars) {
            int eq = v.indexOf('=');
            if (eq <= 0) {
                throw new ApiClient.UsageError("Invalid -var \"" + v + "\": expected NAME=VALUE");
            }
            varMap.put(v.substring(0, eq), v.substring(eq + 1));
        }
        JobParser.Options options = new JobParser.Options(varMap, varFiles.stream().map(Path::of).toList(),
                System.getenv());
        JobParser.Result result;
        try {
            if (file.equals("-")) {
                String text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
                result = text.stripLeading().startsWith("{") ? JobJson.read("<stdin>", text)
                        : JobParser.parseHcl("<stdin>", text, Path.of("").toAbsolutePath(), options);
            } else {
                Path p = Path.of(file);
                if (!Files.isRegularFile(p)) {
                    throw new ApiClient.UsageError("Error getting job struct: Error reading job file \"" + file
                            + "\": no such file");
                }
                result = JobParser.parse(p, options);
            }
        } catch (JobSpecException e) {
            throw new ApiClient.UsageError("Error getting job struct: Error parsing job file from " + file + ":\n"
                    + e.diagnostics().stream().map(d -> "* " + d).collect(Collectors.joining("\n")));
        }
        return new Loaded(JobJson.toTree(result.job()), result.warnings().stream().map(Diagnostic::toString).toList());
    }
}
