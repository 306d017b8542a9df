package dev.keyhaven.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.keyhaven.client.Placeholders;
import dev.keyhaven.client.Secret;
import dev.keyhaven.client.dotenv.DotenvEntry;
import dev.keyhaven.client.dotenv.DotenvParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code keyhaven env ...}: move variables between {@code .env} files and the server, and check a process
 * environment against {@code .env.example}. Every {@code .env} read goes through the SDK's {@link DotenvParser}.
 * Only {@code env export} prints values (it is the explicit way to get them out); every other message names
 * variables only.
 */
@Command(name = "env", description = "Import .env files into a secret, export a secret as dotenv/JSON/Kubernetes Secret, check the environment against .env.example.",
        subcommands = {EnvCommand.Import.class, EnvCommand.Export.class, EnvCommand.Check.class},
        footer = {"", "Examples:", "  keyhaven env import .env --path secret/app",
                "  keyhaven env export --path secret/app --format k8s-secret --name app > secret.yaml",
                "  keyhaven env check --example .env.example"})
public final class EnvCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "an env subcommand is required (import, export, check)");
    }

    /** A name usable as a process environment variable (what shells and the SDK's {@code _FILE} convention accept). */
    static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** A key a dotenv file can carry (the grammar of {@link DotenvParser}). */
    static final Pattern DOTENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");
    /** A key of a Kubernetes Secret's {@code data}. */
    static final Pattern K8S_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
    /** A Kubernetes object name (DNS subdomain, RFC 1123). */
    static final Pattern K8S_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Server connection options for commands that have their own {@code --format} (so not {@link ClientOptions}). */
    static final class Connection {
        @Option(names = {"-address", "--address"}, paramLabel = "URL",
                description = "Server address (default: $KEYHAVEN_ADDR, $VAULT_ADDR, else " + ClientOptions.DEFAULT_ADDRESS + ").")
        String address;

        @Option(names = {"-ca-cert", "--ca-cert"}, paramLabel = "FILE", description = "PEM CA certificate to trust for TLS (default: $KEYHAVEN_CACERT, $VAULT_CACERT).")
        Path caCert;

        ApiClient client() {
            ClientOptions o = new ClientOptions();
            o.address = address;
            o.caCert = caCert;
            return o.client();
        }
    }

    /**
     * Reads dotenv files in order (a later file wins), each parsed by {@link DotenvParser} expanding
     * {@code ${VAR}} from {@code environment} first, then from keys of earlier files. A missing file is an error.
     */
    static LinkedHashMap<String, String> readEnvFiles(List<Path> files, Map<String, String> environment) {
        LinkedHashMap<String, String> out = new LinkedHashMap<>();
        DotenvParser parser = DotenvParser.expandingFrom(environment);
        for (Path f : files) {
            for (DotenvEntry e : parser.parse(readText(f, "env file"), f.toString(), Map.copyOf(out))) {
                out.remove(e.key());
                out.put(e.key(), e.value().reveal());
            }
        }
        return out;
    }

    /** The keys of an example file, in order, without duplicates ({@code $} is not expanded). */
    static List<String> exampleKeys(Path file) {
        List<String> keys = new ArrayList<>();
        for (DotenvEntry e : DotenvParser.literal().parse(readText(file, "example file"), file.toString())) keys.add(e.key());
        return List.copyOf(new LinkedHashSet<>(keys));
    }

    private static String readText(Path f, String what) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException(what + " not found: " + f);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + what + " " + f + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** One line per required name that is missing, empty or a placeholder; names only, never values. */
    static List<String> problems(List<String> required, Map<String, String> values) {
        List<String> out = new ArrayList<>();
        for (String name : required) {
            String v = values.get(name);
            if (v == null) out.add(name + ": missing");
            else if (v.isBlank()) out.add(name + ": empty");
            else if (Placeholders.isPlaceholder(Secret.of(v))) out.add(name + ": placeholder value");
        }
        return out;
    }

    /** The data of a KV v1 or v2 secret (latest version). A missing secret is an error naming the path. */
    @SuppressWarnings("unchecked")
    static LinkedHashMap<String, Object> readSecret(ApiClient api, String path) {
        KvCommand.Target t = KvCommand.resolve(api, path);
        ApiClient.Reply r;
        try {
            r = api.get(t.data());
        } catch (ApiClient.ApiException e) {
            if (e.status() == 404) throw new IllegalStateException("no secret at " + path + " (" + t.data() + ")");
            throw e;
        }
        Object data = t.v2() ? r.data().get("data") : r.data();
        return data instanceof Map ? new LinkedHashMap<>((Map<String, Object>) data) : new LinkedHashMap<>();
    }

    /** A secret field as an environment string: strings as they are, numbers and booleans printed, the rest as JSON. */
    static String asString(Object v) {
        if (v == null) return "";
        if (v instanceof String s) return s;
        if (v instanceof Number || v instanceof Boolean) return String.valueOf(v);
        try {
            return JSON.writeValueAsString(v);
        } catch (IOException e) {
            throw new IllegalStateException("cannot render a structured value as text");
        }
    }

    /** A dotenv line whose value {@link DotenvParser} reads back exactly (no expansion surprises, no trimming). */
    static String dotenvLine(String key, String value) {
        return key + "=" + dotenvQuote(value);
    }

    static String dotenvQuote(String v) {
        if (v.chars().allMatch(c -> (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || "_./:@%+,=-".indexOf(c) >= 0)) {
            return v;
        }
        // Single quotes are literal (no escapes, no expansion); a CR would be normalized to LF, so it needs escaping.
        if (v.indexOf('\'') < 0 && v.indexOf('\r') < 0) return "'" + v + "'";
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '$' -> sb.append("\\$");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    @Command(name = "import", description = "Write every variable of a .env file as one secret (KV v2: one new version; KV v1: one write). Prints the names written, never the values.",
            footer = {"", "Examples:", "  keyhaven env import .env --path secret/app", "  keyhaven env import .env.production --path secret/app/prod --dry-run"})
    static final class Import implements Callable<Integer> {
        @Mixin Connection connection;
        @Spec CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "FILE", description = "The dotenv file to import.") Path file;
        @Option(names = {"-path", "--path"}, required = true, paramLabel = "PATH", description = "Secret to write, e.g. secret/app (replaces its fields).") String path;
        @Option(names = {"-dry-run", "--dry-run"}, description = "Parse the file and list the names that would be written; contact no server.") boolean dryRun;

        @Override
        public Integer call() {
            LinkedHashMap<String, String> vars = readEnvFiles(List.of(file), ClientOptions.env);
            if (vars.isEmpty()) throw new IllegalStateException(file + " defines no variables; nothing to import");
            var out = spec.commandLine().getOut();
            if (dryRun) {
                out.println("Would write " + vars.size() + " variable(s) to " + KvCommand.clean(path) + ":");
                vars.keySet().forEach(k -> out.println("  " + k));
                out.flush();
                return 0;
            }
            ApiClient api = connection.client();
            KvCommand.Target t = KvCommand.resolve(api, path);
            Map<String, Object> data = new LinkedHashMap<>(vars);
            ApiClient.Reply r = api.write(t.data(), t.v2() ? Map.of("data", data) : data);
            Object version = r.data().get("version");
            out.println("Success! Wrote " + vars.size() + " variable(s) to " + t.data()
                    + (version == null ? "" : " (version " + version + ")") + ":");
            vars.keySet().forEach(k -> out.println("  " + k));
            out.flush();
            return 0;
        }
    }

    enum ExportFormat { dotenv, json, k8s_secret }

    @Command(name = "export", description = "Print a secret's fields to stdout as a dotenv file, a JSON object or a Kubernetes Secret (this prints the values).",
            footer = {"", "Examples:", "  keyhaven env export --path secret/app > .env",
                    "  keyhaven env export --path secret/app --format json",
                    "  keyhaven env export --path secret/app --format k8s-secret --name app | kubectl apply -f -"})
    static final class Export implements Callable<Integer> {
        @Mixin Connection connection;
        @Spec CommandLine.Model.CommandSpec spec;
        @Option(names = {"-path", "--path"}, required = true, paramLabel = "PATH", description = "Secret to read, e.g. secret/app.") String path;
        @Option(names = {"-format", "--format"}, paramLabel = "FORMAT", defaultValue = "dotenv",
                description = "dotenv, json or k8s-secret (default: ${DEFAULT-VALUE}).") String format;
        @Option(names = {"-name", "--name"}, paramLabel = "NAME", description = "metadata.name of the Kubernetes Secret (default: the last segment of --path).") String name;

        @Override
        public Integer call() {
            ExportFormat f = switch (format) {
                case "dotenv" -> ExportFormat.dotenv;
                case "json" -> ExportFormat.json;
                case "k8s-secret" -> ExportFormat.k8s_secret;
                default -> throw new IllegalArgumentException("unknown format \"" + format + "\": expected dotenv, json or k8s-secret");
            };
            String k8sName = null;
            if (f == ExportFormat.k8s_secret) {
                String p = KvCommand.clean(path);
                while (p.endsWith("/")) p = p.substring(0, p.length() - 1);
                k8sName = name != null ? name : p.substring(p.lastIndexOf('/') + 1);
                if (!K8S_NAME.matcher(k8sName).matches() || k8sName.length() > 253) {
                    throw new IllegalArgumentException("\"" + k8sName + "\" is not a valid Kubernetes name (lowercase letters, digits, '-' and '.')"
                            + (name == null ? "; pass --name" : ""));
                }
            }
            LinkedHashMap<String, Object> data = readSecret(connection.client(), path);
            var out = spec.commandLine().getOut();
            switch (f) {
                case dotenv -> {
                    checkKeys(data, DOTENV_KEY, "a dotenv key");
                    data.forEach((k, v) -> out.println(dotenvLine(k, asString(v))));
                }
                case json -> {
                    try {
                        out.println(JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(data));
                    } catch (IOException e) {
                        throw new IllegalStateException("cannot render JSON");
                    }
                }
                case k8s_secret -> {
                    checkKeys(data, K8S_KEY, "a Kubernetes Secret key");
                    out.println("apiVersion: v1");
                    out.println("kind: Secret");
                    out.println("metadata:");
                    out.println("  name: \"" + k8sName + "\"");
                    out.println("type: Opaque");
                    if (data.isEmpty()) out.println("data: {}");
                    else {
                        out.println("data:");
                        data.forEach((k, v) -> out.println("  \"" + k + "\": \""
                                + Base64.getEncoder().encodeToString(asString(v).getBytes(StandardCharsets.UTF_8)) + "\""));
                    }
                }
            }
            out.flush();
            return 0;
        }

        private static void checkKeys(Map<String, Object> data, Pattern allowed, String what) {
            List<String> bad = data.keySet().stream().filter(k -> !allowed.matcher(k).matches()).toList();
            if (!bad.isEmpty()) throw new IllegalStateException("field name(s) " + bad + " cannot be " + what + "; rename them or use --format json");
        }
    }

    @Command(name = "check", description = "Check that every variable of .env.example is set to a real value in this process's environment (plus --env-file files): not missing, not empty, not a placeholder such as CHANGEME.",
            footer = {"", "Exit status: 0 when every variable is set, 1 otherwise (one line per problem, names only).",
                    "", "Examples:", "  keyhaven env check", "  keyhaven env check --example config/.env.example --env-file .env"})
    static final class Check implements Callable<Integer> {
        @Spec CommandLine.Model.CommandSpec spec;
        @Option(names = {"-example", "--example"}, paramLabel = "FILE", defaultValue = ".env.example",
                description = "The example file listing the required variables (default: ${DEFAULT-VALUE}).") Path example;
        @Option(names = {"-env-file", "--env-file"}, paramLabel = "FILE",
                description = "Dotenv file(s) filling variables not set in the environment; repeatable, a later file wins.") List<Path> envFiles = new ArrayList<>();

        @Override
        public Integer call() {
            List<String> required = exampleKeys(example);
            Map<String, String> values = new LinkedHashMap<>(readEnvFiles(envFiles, ClientOptions.env));
            values.putAll(ClientOptions.env);
            List<String> problems = problems(required, values);
            if (problems.isEmpty()) {
                spec.commandLine().getOut().println("ok: " + required.size() + " required variables set");
                spec.commandLine().getOut().flush();
                return 0;
            }
            var err = spec.commandLine().getErr();
            problems.forEach(err::println);
            err.println("error: " + problems.size() + " of " + required.size() + " required variables (from " + example + ") are not set");
            err.flush();
            return 1;
        }
    }
}
