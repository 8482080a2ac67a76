package dev.corral.jobspec;

import dev.corral.jobspec.hcl.Ast.Body;
import dev.corral.jobspec.hcl.Hcl;
import dev.corral.jobspec.json.JobJson;
import dev.corral.jobspec.model.Job;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Reads Nomad job files (HCL2 or Nomad's API JSON) into a validated {@link Job}.
 *
 * <pre>{@code
 * Job job = JobParser.parseFile(Path.of("hello.nomad.hcl"), Map.of("image_version", "1.2"));
 * }</pre>
 *
 * Every problem is reported at once in a {@link JobSpecException}, each with file:line:col
 * and field path. Runtime references such as {@code ${NOMAD_TASK_DIR}} stay verbatim in the
 * model; see {@link TaskEnv} for resolving them when a task starts.
 */
public final class JobParser {

    private JobParser() {
    }

    /**
     * Input variable sources and the environment.
     *
     * @param vars        {@code -var name=value} pairs; win over everything else
     * @param varFiles    {@code -var-file} paths (HCL or .json), later files win
     * @param environment the process environment, read for {@code NOMAD_VAR_<name>}
     */
    public record Options(Map<String, String> vars, List<Path> varFiles, Map<String, String> environment) {

        public Options {
            vars = Map.copyOf(vars);
            varFiles = List.copyOf(varFiles);
            environment = Map.copyOf(environment);
        }

        /** No variables, no environment. */
        public static Options none() {
            return new Options(Map.of(), List.of(), Map.of());
        }

        /** {@code -var} values plus this process's environment for {@code NOMAD_VAR_*}. */
        public static Options of(Map<String, String> vars) {
            return new Options(vars, List.of(), System.getenv());
        }
    }

    /**
     * A parsed job and the warnings (e.g. blocks Corral does not act on).
     *
     * @param job      the validated job
     * @param warnings non-fatal diagnostics, in file order
     */
    public record Result(Job job, List<Diagnostic> warnings) {
        public Result {
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * Parses and validates a job file; HCL2 unless the file is JSON ({@code .json} or starting with {@code {}).
     *
     * @param vars {@code -var} values; {@code NOMAD_VAR_*} are read from this process's environment
     * @throws JobSpecException listing every error with file:line:col
     */
    public static Job parseFile(Path file, Map<String, String> vars) {
        return parse(file, Options.of(vars)).job();
    }

    /**
     * Parses and validates a job file with full options, returning warnings too.
     *
     * @throws JobSpecException listing every error with file:line:col
     */
    public static Result parse(Path file, Options options) {
        String text = read(file);
        Path base = file.toAbsolutePath().getParent();
        if (file.toString().endsWith(".json") || text.stripLeading().startsWith("{")) {
            return JobJson.read(file.toString(), text);
        }
        return parseHcl(file.toString(), text, base, options);
    }

    /**
     * Parses HCL2 job text.
     *
     * @param fileName name used in positions
     * @param baseDir  directory for {@code file()} and relative paths; null disables file functions
     * @throws JobSpecException listing every error with file:line:col
     */
    public static Result parseHcl(String fileName, String text, Path baseDir, Options options) {
        Diagnostics diags = new Diagnostics();
        Positions positions = new Positions(new SourcePos(fileName, 0, 0));
        Body body = Hcl.parse(fileName, text);
        Job job = HclJobDecoder.decode(body, options, baseDir, diags, positions);
        if (job != null) {
            JobValidator.validate(job, diags, positions);
        }
        diags.throwIfErrors();
        return new Result(job, diags.warnings());
    }

    /**
     * Validates a job built elsewhere (e.g. read from the HTTP API).
     *
     * @param source name used in diagnostics, such as {@code "request body"}
     * @return warnings
     * @throws JobSpecException listing every error with its field path
     */
    public static List<Diagnostic> validate(Job job, String source) {
        return validate(job, source, Map.of());
    }

    /**
     * Validates a job built elsewhere, with positions for its fields.
     *
     * @param positions where fields were written, by field path such as {@code job["x"].group["g"].count}
     *                  (unknown paths fall back to the nearest enclosing one)
     * @return warnings
     * @throws JobSpecException listing every error with its field path
     */
    public static List<Diagnostic> validate(Job job, String source, Map<String, SourcePos> positions) {
        Diagnostics diags = new Diagnostics();
        Positions p = new Positions(new SourcePos(source, 0, 0));
        positions.forEach(p::put);
        JobValidator.validate(job, diags, p);
        diags.throwIfErrors();
        return diags.warnings();
    }

    private static String read(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw new JobSpecException(Diagnostic.error(new SourcePos(file.toString(), 0, 0), "",
                    "job file not found; check the path (working directory: " + Path.of("").toAbsolutePath() + ")"));
        } catch (CharacterCodingException e) {
            throw new JobSpecException(Diagnostic.error(new SourcePos(file.toString(), 0, 0), "",
                    "the file is not valid UTF-8 text; job files must be UTF-8"));
        } catch (IOException e) {
            throw new JobSpecException(Diagnostic.error(new SourcePos(file.toString(), 0, 0), "",
                    "cannot read the job file: " + e));
        }
    }
}
