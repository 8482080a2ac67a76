/**
 * Nomad's {@code artifact} block: what the task runner calls before the driver starts a task.
 *
 * <h2>Public API</h2>
 * <pre>{@code
 * ArtifactConfig cfg = ArtifactConfig.fromKeys(clientArtifactBlock);     // or ArtifactConfig.defaults()
 * ArtifactFetcher fetcher = new ArtifactFetcher(cfg);                      // one per agent, shared
 *
 * List<ArtifactSpec> specs = List.of(
 *     ArtifactSpec.of("https://files.example.com/name-of-my-binary")
 *         .withOptions(Map.of("checksum", "sha256:...")));
 * try {
 *     List<FetchedArtifact> done = fetcher.fetchAll(specs, taskDir, new TaskUser("nobody", 65534, 65534),
 *         event -> event.taskEventType().ifPresent(type -> emit(type, event.displayMessage())));
 *     done.forEach(a -> recordFetched(a.identity()));   // skip them after a restart, as Nomad does
 * } catch (ArtifactException e) {
 *     // recoverable: apply the restart policy; e.getMessage() is
 *     // failed to download artifact "<source>": <reason>
 * }
 * }</pre>
 * <ul>
 *   <li>{@link dev.corral.agent.artifact.ArtifactSpec}: one block, plain values (source, destination,
 *       mode, options, headers, chown), {@code validate()} with Nomad's submit-time messages.</li>
 *   <li>{@link dev.corral.agent.artifact.ArtifactConfig}: the client {@code artifact {}} block.</li>
 *   <li>{@link dev.corral.agent.artifact.ArtifactFetcher#fetchAll}: up to three at once; events
 *       {@code Downloading Artifacts} and {@code Failed Artifact Download} (Nomad's types and
 *       texts), plus progress and per-artifact completion.</li>
 *   <li>{@link dev.corral.agent.artifact.ArtifactException} and its sealed subclasses name each kind
 *       of failure (bad block, unsupported source, transfer, checksum, unsafe archive, limits,
 *       unsafe destination).</li>
 * </ul>
 *
 * <h2>Where Corral differs from Nomad, on purpose</h2>
 * <ul>
 *   <li>Fetching runs in the agent (virtual threads), not in a landlocked child process. Writes are
 *       confined by path discipline instead: private staging, a verified tree, components checked
 *       without following links, {@code rename(2)} into place ({@code SafeTree}).
 *       {@code disable_filesystem_isolation} is therefore accepted and ignored.</li>
 *   <li>Archive entries with absolute names are refused (go-getter re-roots them); archive
 *       symbolic links are allowed only when they resolve inside the destination (go-getter 1.7
 *       refuses all of them).</li>
 *   <li>{@code https://host/repo.git} is fetched with git without {@code git::}.</li>
 *   <li>A single {@code .gz/.bz2/.xz} file in mode {@code any} unpacks to
 *       {@code <destination>/<name without extension>} (go-getter fails).</li>
 *   <li>{@code file:} checksum files are accepted (Nomad's submit-time check rejects them).</li>
 *   <li>Unknown {@code archive = "..."} values are errors (go-getter silently skips unpacking).</li>
 *   <li>S3, GCS, Mercurial and zstd archives are refused with a "not supported" message; netrc is
 *       not read.</li>
 *   <li>The failure message drops Nomad's subprocess layer: {@code failed to download artifact
 *       "<source>": <reason>} instead of {@code ...: getter subprocess failed: exit status 1:
 *       failed to download artifact: <reason>}.</li>
 *   <li>A node-wide content-addressed cache ({@code cache_dir}), see {@code ArtifactCache}.</li>
 * </ul>
 */
package dev.corral.agent.artifact;
