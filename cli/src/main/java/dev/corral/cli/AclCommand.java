package dev.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code corral acl bootstrap | token ... | policy ...}, shaped like {@code nomad acl}. */
@Command(name = "acl", description = "Interact with ACL policies and tokens.",
        subcommands = {AclCommand.Bootstrap.class, AclCommand.Token.class, AclCommand.Policy.class})
final class AclCommand extends GroupCommand {
    private static final DateTimeFormatter CREATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSSSS")
            .withZone(ZoneOffset.UTC);

    /** A token as {@code nomad acl token info} prints it. */
    static String formatToken(JsonNode t) {
        List<String[]> kv = new ArrayList<>();
        kv.add(new String[] {"Accessor ID", t.path("AccessorID").asText()});
        kv.add(new String[] {"Secret ID", t.has("SecretID") ? t.path("SecretID").asText()
                : "<hidden: shown once, when the token was created>"});
        kv.add(new String[] {"Name", t.path("Name").asText()});
        kv.add(new String[] {"Type", t.path("Type").asText()});
        kv.add(new String[] {"Global", t.path("Global").asText()});
        kv.add(new String[] {"Create Time", createTime(t.path("CreateTime").asText())});
        kv.add(new String[] {"Expiry Time", "<none>"});
        kv.add(new String[] {"Create Index", t.path("CreateIndex").asText()});
        kv.add(new String[] {"Modify Index", t.path("ModifyIndex").asText()});
        List<String> policies = new ArrayList<>();
        t.path("Policies").forEach(p -> policies.add(p.asText()));
        kv.add(new String[] {"Policies", t.path("Type").asText().equals("management") ? "n/a"
                : "[" + String.join(" ", policies) + "]"});
        kv.add(new String[] {"Roles", "n/a"});
        return Output.kv(kv);
    }

    private static String createTime(String rfc) {
        try {
            return CREATE_TIME.format(Instant.parse(rfc)) + " +0000 UTC";
        } catch (RuntimeException e) {
            return rfc;
        }
    }

    @Command(name = "bootstrap", description = "Create the initial management token (once per agent).")
    static final class Bootstrap extends ClientCommand {
        @Option(names = {"-json"}, description = "Print the API JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JsonNode t = api().post("/v1/acl/bootstrap", null);
            if (json) {
                printJson(t);
            } else {
                out().print(formatToken(t));
            }
            return 0;
        }
    }

    @Command(name = "token", description = "Create, list, show and delete ACL tokens.",
            subcommands = {TokenCreate.class, TokenList.class, TokenInfo.class, TokenSelf.class, TokenDelete.class})
    static final class Token extends GroupCommand {
    }

    @Command(name = "create", description = "Create a token; its secret is printed this once.")
    static final class TokenCreate extends ClientCommand {
        @Option(names = {"-name"}, description = "Human-readable name.")
        String name = "";

        @Option(names = {"-type"}, description = "client (default) or management.")
        String type = "client";

        @Option(names = {"-policy"}, paramLabel = "NAME", description = "A policy of a client token (repeatable).")
        List<String> policies = new ArrayList<>();

        @Option(names = {"-global"}, description = "Accepted for Nomad compatibility; a single agent has one region.")
        boolean global;

        @Option(names = {"-json"}, description = "Print the API JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JsonNode t = api().post("/v1/acl/token", ApiClient.map("Name", name, "Type", type, "Policies", policies,
                    "Global", global));
            if (json) {
                printJson(t);
            } else {
                out().print(formatToken(t));
            }
            return 0;
        }
    }

    /** A {@code list} subcommand: GET a list, print it as JSON with {@code -json}, else as a table. */
    private abstract static class ListCommand extends ClientCommand {
        @Option(names = {"-json"}, description = "Print the API JSON.")
        boolean json;

        private final String path;
        private final String none;
        private final String[] header;

        ListCommand(String path, String none, String... header) {
            this.path = path;
            this.none = none;
            this.header = header;
        }

        abstract String[] row(JsonNode item);

        @Override
        public Integer call() throws Exception {
            JsonNode all = api().get(path);
            if (json) {
                printJson(all);
            } else if (all.isEmpty()) {
                out().println(none);
            } else {
                List<String[]> rows = new ArrayList<>();
                rows.add(header);
                all.forEach(item -> rows.add(row(item)));
                out().print(Output.table(rows));
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List tokens (management token needed).")
    static final class TokenList extends ListCommand {
        TokenList() {
            super("/v1/acl/tokens", "No tokens found", "Name", "Type", "Global", "Accessor ID", "Expired");
        }

        @Override
        String[] row(JsonNode t) {
            return new String[] {t.path("Name").asText(), t.path("Type").asText(), t.path("Global").asText(),
                    t.path("AccessorID").asText(), "false"};
        }
    }

    @Command(name = "info", description = "Show a token by accessor ID.")
    static final class TokenInfo extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ACCESSOR_ID", description = "The token's accessor ID.")
        String accessor;

        @Option(names = {"-json"}, description = "Print the API JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JsonNode t = api().get("/v1/acl/token/" + ApiClient.enc(accessor));
            if (json) {
                printJson(t);
            } else {
                out().print(formatToken(t));
            }
            return 0;
        }
    }

    @Command(name = "self", description = "Show the token in use (-token, $CORRAL_TOKEN or $NOMAD_TOKEN).")
    static final class TokenSelf extends ClientCommand {
        @Option(names = {"-json"}, description = "Print the API JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JsonNode t = api().get("/v1/acl/token/self");
            if (json) {
                printJson(t);
            } else {
                out().print(formatToken(t));
            }
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a token by accessor ID.")
    static final class TokenDelete extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ACCESSOR_ID", description = "The token's accessor ID.")
        String accessor;

        @Override
        public Integer call() {
            api().delete("/v1/acl/token/" + ApiClient.enc(accessor));
            out().println("Token " + accessor + " successfully deleted");
            return 0;
        }
    }

    @Command(name = "policy", description = "Write, list, show and delete ACL policies.",
            subcommands = {PolicyApply.class, PolicyList.class, PolicyInfo.class, PolicyDelete.class})
    static final class Policy extends GroupCommand {
    }

    @Command(name = "apply", description = "Create or update a policy from a rules file (HCL or JSON; - reads stdin).")
    static final class PolicyApply extends ClientCommand {
        @Option(names = {"-description"}, description = "What the policy is for.")
        String description = "";

        @Parameters(index = "0", paramLabel = "NAME", description = "Policy name (letters, digits, -).")
        String name;

        @Parameters(index = "1", paramLabel = "PATH", description = "Rules file, or - for stdin.")
        String path;

        @Override
        public Integer call() throws Exception {
            String rules;
            if (path.equals("-")) {
                rules = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            } else {
                try {
                    rules = Files.readString(Path.of(path));
                } catch (java.io.IOException e) {
                    throw new ApiClient.UsageError("Error reading policy file " + path + ": " + e.getMessage());
                }
            }
            api().post("/v1/acl/policy/" + ApiClient.enc(name), ApiClient.map("Name", name,
                    "Description", description, "Rules", rules));
            out().println("Successfully wrote \"" + name + "\" ACL policy!");
            return 0;
        }
    }

    @Command(name = "list", description = "List policies.")
    static final class PolicyList extends ListCommand {
        PolicyList() {
            super("/v1/acl/policies", "No policies found", "Name", "Description");
        }

        @Override
        String[] row(JsonNode p) {
            return new String[] {p.path("Name").asText(), p.path("Description").asText()};
        }
    }

    @Command(name = "info", description = "Show a policy and its rules.")
    static final class PolicyInfo extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "Policy name.")
        String name;

        @Option(names = {"-json"}, description = "Print the API JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JsonNode p = api().get("/v1/acl/policy/" + ApiClient.enc(name));
            if (json) {
                printJson(p);
                return 0;
            }
            out().print(Output.kv(List.of(new String[] {"Name", p.path("Name").asText()},
                    new String[] {"Description", p.path("Description").asText()},
                    new String[] {"CreateIndex", p.path("CreateIndex").asText()},
                    new String[] {"ModifyIndex", p.path("ModifyIndex").asText()})));
            out().println();
            out().println("Rules");
            out().println();
            out().println(p.path("Rules").asText().stripTrailing());
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a policy.")
    static final class PolicyDelete extends ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "Policy name.")
        String name;

        @Override
        public Integer call() {
            api().delete("/v1/acl/policy/" + ApiClient.enc(name));
            out().println("Successfully deleted \"" + name + "\" policy!");
            return 0;
        }
    }
}
