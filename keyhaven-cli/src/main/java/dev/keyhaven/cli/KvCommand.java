package dev.keyhaven.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keyhaven kv ...}: the vault CLI's kv commands, for KV v1 and v2 mounts (detected per path). */
@Command(name = "kv", description = "Read and write key/value secrets (KV v1 and v2, detected per mount).",
        subcommands = {KvCommand.Get.class, KvCommand.Put.class, KvCommand.Patch.class, KvCommand.ListCmd.class,
                KvCommand.Delete.class, KvCommand.Undelete.class, KvCommand.Destroy.class, KvCommand.Metadata.class},
        footer = {"", "Examples:", "  keyhaven kv put secret/app/db username=app password=@pw.txt",
                "  keyhaven kv get -field=password secret/app/db", "  keyhaven kv list secret/app"})
public final class KvCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a kv subcommand is required (get, put, patch, list, delete, undelete, destroy, metadata)");
    }

    /** Where a user's path lives: the mount, whether it is v2, and the path inside the mount. */
    record Target(String mount, boolean v2, String rest) {
        String data() { return v2 ? mount + "data/" + rest : mount + rest; }
        String metadata() { return mount + "metadata/" + rest; }
        String op(String op) { return mount + op + "/" + rest; }
    }

    /** The vault CLI's preflight: {@code sys/internal/ui/mounts/<path>} tells the mount and KV version; 404 means v1. */
    static Target resolve(ApiClient api, String userPath) {
        String p = clean(userPath);
        try {
            ApiClient.Reply r = api.get("sys/internal/ui/mounts/" + p);
            Map<String, Object> d = r.data();
            String mount = String.valueOf(d.getOrDefault("path", ""));
            boolean v2 = d.get("options") instanceof Map<?, ?> o && "2".equals(String.valueOf(o.get("version")));
            if (!mount.isEmpty() && p.startsWith(mount)) return new Target(mount, v2, p.substring(mount.length()));
            if (!mount.isEmpty() && (p + "/").equals(mount)) return new Target(mount, v2, "");
        } catch (ApiClient.ApiException e) {
            if (e.status() != 404) throw e;
        }
        int slash = p.indexOf('/');
        return slash < 0 ? new Target(p + "/", false, "") : new Target(p.substring(0, slash + 1), false, p.substring(slash + 1));
    }

    static String clean(String p) {
        String s = p.strip();
        while (s.startsWith("/")) s = s.substring(1);
        if (s.isEmpty()) throw new IllegalArgumentException("a path is required");
        return s;
    }

    /** Parses {@code k=v}, {@code k=@file}, {@code k=-} (stdin) arguments, or a lone {@code -} (JSON object on stdin). */
    static Map<String, Object> parseKv(List<String> args, InputStream stdin) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String a : args) {
            if (a.equals("-")) {
                try {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = new ObjectMapper().readValue(stdin.readAllBytes(), Map.class);
                    out.putAll(m);
                } catch (IOException e) {
                    throw new IllegalArgumentException("stdin is not a JSON object");
                }
                continue;
            }
            int eq = a.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("invalid key/value pair \"" + keyOnly(a) + "\": expected key=value");
            String k = a.substring(0, eq);
            String v = a.substring(eq + 1);
            try {
                if (v.startsWith("@")) v = Files.readString(Path.of(v.substring(1)), StandardCharsets.UTF_8);
                else if (v.equals("-")) v = new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read value for key \"" + k + "\": " + e.getMessage());
            }
            out.put(k, v);
        }
        return out;
    }

    /** Never echo a value in an error: show only what comes before '='. */
    private static String keyOnly(String a) {
        int eq = a.indexOf('=');
        return eq < 0 ? (a.length() > 40 ? a.substring(0, 40) + "…" : a) : a.substring(0, eq);
    }

    static List<Integer> versions(String csv) {
        List<Integer> out = new ArrayList<>();
        if (csv == null || csv.isBlank()) return out;
        for (String s : csv.split(",")) {
            try {
                out.add(Integer.parseInt(s.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid version \"" + s.strip() + "\": expected a comma-separated list of numbers");
            }
        }
        return out;
    }

    abstract static class Base implements java.util.concurrent.Callable<Integer> {
        @Mixin ClientOptions client;
        @Spec CommandLine.Model.CommandSpec spec;

        Output out() {
            return client.output(spec);
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> map(Object o) {
            return o instanceof Map ? (Map<String, Object>) o : Map.of();
        }
    }

    @Command(name = "get", description = "Read a secret (the latest version, or -version=N on KV v2).",
            footer = {"", "Example:", "  keyhaven kv get -field=password secret/app/db"})
    static final class Get extends Base {
        @Option(names = {"-version", "--version"}, description = "Version to read (KV v2).") Integer version;
        @Option(names = {"-field", "--field"}, description = "Print only this field's value.") String field;
        @Parameters(paramLabel = "PATH") String path;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            Target t = resolve(api, path);
            String q = version == null ? "" : ApiClient.query(Map.of("version", String.valueOf(version)));
            ApiClient.Reply r;
            try {
                r = api.get(t.data() + q);
            } catch (ApiClient.ApiException e) {
                if (e.status() == 404 && t.v2() && map(e.body().get("data")).containsKey("metadata")) {
                    Map<String, Object> md = map(map(e.body().get("data")).get("metadata"));
                    out().println("====== Secret Path ======\n" + t.data() + "\n");
                    out().printTable(md);
                    return 1;
                }
                if (e.status() == 404) {
                    spec.commandLine().getErr().println("No value found at " + t.data());
                    return 1;
                }
                throw e;
            }
            Map<String, Object> data = t.v2() ? map(r.data().get("data")) : r.data();
            if (field != null) {
                if (!data.containsKey(field)) {
                    spec.commandLine().getErr().println("Field \"" + field + "\" not present in secret");
                    return 1;
                }
                Object v = data.get(field);
                if (client.format == Output.Format.json) out().printJson(v);
                else out().println(Output.render(v));
                return 0;
            }
            if (out().json()) {
                out().printJson(r.body());
                return 0;
            }
            if (t.v2()) {
                out().println("====== Secret Path ======\n" + t.data() + "\n\n======= Metadata =======");
                out().printTable(map(r.data().get("metadata")));
                out().println("\n====== Data ======");
            }
            out().printTable(data);
            return 0;
        }
    }

    /** put and patch: the same arguments and output; put replaces the secret, patch merges into it (KV v2 only). */
    abstract static class Write extends Base {
        @Option(names = {"-cas", "--cas"}, description = "Check-and-set: the version this write expects to replace (0 = create only). KV v2.") Integer cas;
        @Parameters(index = "0", paramLabel = "PATH") String path;
        @Parameters(index = "1..*", paramLabel = "K=V", arity = "1..*") List<String> pairs;

        abstract boolean patch();

        @Override
        public Integer call() {
            Map<String, Object> data = parseKv(pairs, System.in);
            ApiClient api = client.client();
            Target t = resolve(api, path);
            if (patch() && !t.v2()) throw new IllegalArgumentException("kv patch needs a KV v2 mount; " + t.mount() + " is KV v1");
            if (!t.v2() && cas != null) throw new IllegalArgumentException("-cas only applies to KV v2 mounts");
            Map<String, Object> body = data;
            if (t.v2()) {
                body = new LinkedHashMap<>();
                body.put("data", data);
                if (cas != null) body.put("options", Map.of("cas", cas));
            }
            ApiClient.Reply r = patch() ? api.patch(t.data(), body) : api.write(t.data(), body);
            if (out().json()) out().printJson(r.body());
            else if (t.v2()) {
                out().println("== Secret Path ==\n" + t.data() + "\n\n======= Metadata =======");
                out().printTable(r.data());
            } else out().println("Success! Data written to: " + t.data());
            return 0;
        }
    }

    @Command(name = "put", description = "Write a secret (replaces all its fields). Values: k=v, k=@file, k=- (stdin), or - for a JSON object on stdin.",
            footer = {"", "Example:", "  keyhaven kv put -cas=0 secret/app/db username=app password=@pw.txt"})
    static final class Put extends Write {
        @Override
        boolean patch() {
            return false;
        }
    }

    @Command(name = "patch", description = "Update some fields of a KV v2 secret (JSON merge patch); other fields are kept.",
            footer = {"", "Example:", "  keyhaven kv patch secret/app/db password=@new.txt"})
    static final class Patch extends Write {
        @Override
        boolean patch() {
            return true;
        }
    }

    @Command(name = "list", description = "List the keys under a path (folders end in /).",
            footer = {"", "Example:", "  keyhaven kv list secret/app"})
    static final class ListCmd extends Base {
        @Parameters(paramLabel = "PATH") String path;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            Target t = resolve(api, path);
            String p = t.v2() ? t.metadata() : t.data();
            if (!p.endsWith("/")) p = p + "/";
            try {
                ApiClient.Reply r = api.list(p);
                if (out().json()) out().printJson(r.data().getOrDefault("keys", List.of()));
                else out().printList((List<?>) r.data().getOrDefault("keys", List.of()), "Keys");
                return 0;
            } catch (ApiClient.ApiException e) {
                if (e.status() == 404) {
                    spec.commandLine().getErr().println("No value found at " + p);
                    return 1;
                }
                throw e;
            }
        }
    }

    @Command(name = "delete", description = "Delete the latest version (KV v2: soft delete; -versions=1,2 for others) or the secret (KV v1).",
            footer = {"", "Example:", "  keyhaven kv delete -versions=2,3 secret/app/db"})
    static final class Delete extends Base {
        @Option(names = {"-versions", "--versions"}, description = "Comma-separated versions to delete (KV v2).") String versions;
        @Parameters(paramLabel = "PATH") String path;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            Target t = resolve(api, path);
            List<Integer> v = versions(versions);
            if (!v.isEmpty()) {
                if (!t.v2()) throw new IllegalArgumentException("-versions only applies to KV v2 mounts");
                api.write(t.op("delete"), Map.of("versions", v));
            } else {
                api.delete(t.data());
            }
            out().println("Success! Data deleted (if it existed) at: " + t.data());
            return 0;
        }
    }

    /** undelete/ and destroy/ take the same input: a KV v2 path and a list of versions. */
    abstract static class VersionsOp extends Base {
        @Option(names = {"-versions", "--versions"}, required = true, description = "Comma-separated versions.") String versions;
        @Parameters(paramLabel = "PATH") String path;

        abstract String op();

        @Override
        public Integer call() {
            List<Integer> v = versions(versions);
            ApiClient api = client.client();
            Target t = resolve(api, path);
            if (!t.v2()) throw new IllegalArgumentException(op() + " needs a KV v2 mount");
            api.write(t.op(op()), Map.of("versions", v));
            out().println("Success! Data written to: " + t.op(op()));
            return 0;
        }
    }

    @Command(name = "undelete", description = "Restore soft-deleted versions of a KV v2 secret.",
            footer = {"", "Example:", "  keyhaven kv undelete -versions=3 secret/app/db"})
    static final class Undelete extends VersionsOp {
        @Override
        String op() {
            return "undelete";
        }
    }

    @Command(name = "destroy", description = "Permanently remove versions of a KV v2 secret.",
            footer = {"", "Example:", "  keyhaven kv destroy -versions=1,2 secret/app/db"})
    static final class Destroy extends VersionsOp {
        @Override
        String op() {
            return "destroy";
        }
    }

    @Command(name = "metadata", description = "Read, write or delete the metadata of a KV v2 secret (delete removes every version).",
            footer = {"", "Examples:", "  keyhaven kv metadata get secret/app/db",
                    "  keyhaven kv metadata put -max-versions=5 -custom-metadata=owner=team-a secret/app/db",
                    "  keyhaven kv metadata delete secret/app/db"})
    static final class Metadata extends Base {
        @Parameters(index = "0", paramLabel = "get|put|delete") String action;
        @Parameters(index = "1", paramLabel = "PATH") String path;
        @Option(names = {"-max-versions", "--max-versions"}) Integer maxVersions;
        @Option(names = {"-cas-required", "--cas-required"}, arity = "0..1") Boolean casRequired;
        @Option(names = {"-delete-version-after", "--delete-version-after"}) String deleteVersionAfter;
        @Option(names = {"-custom-metadata", "--custom-metadata"}, description = "k=v, repeatable.") List<String> custom;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            Target t = resolve(api, path);
            if (!t.v2()) throw new IllegalArgumentException("metadata needs a KV v2 mount");
            switch (action) {
                case "get": {
                    ApiClient.Reply r = api.get(t.metadata());
                    if (out().json()) out().printJson(r.body());
                    else out().printTable(r.data());
                    return 0;
                }
                case "put": {
                    Map<String, Object> body = new LinkedHashMap<>();
                    if (maxVersions != null) body.put("max_versions", maxVersions);
                    if (casRequired != null) body.put("cas_required", casRequired);
                    if (deleteVersionAfter != null) body.put("delete_version_after", deleteVersionAfter);
                    if (custom != null) body.put("custom_metadata", parseKv(custom, System.in));
                    api.write(t.metadata(), body);
                    out().println("Success! Data written to: " + t.metadata());
                    return 0;
                }
                case "delete":
                    api.delete(t.metadata());
                    out().println("Success! Data deleted (if it existed) at: " + t.metadata());
                    return 0;
                default:
                    throw new CommandLine.ParameterException(spec.commandLine(), "unknown metadata action \"" + action + "\": expected get, put or delete");
            }
        }
    }
}
