package dev.keyhaven.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code keyhaven token ...}: create, look up, renew and revoke tokens (vault CLI style). */
@Command(name = "token", description = "Create, look up, renew and revoke tokens.",
        subcommands = {TokenCommand.Create.class, TokenCommand.Lookup.class, TokenCommand.Renew.class, TokenCommand.Revoke.class},
        footer = {"", "Example:", "  keyhaven token create -policy=app-read -ttl=1h"})
public final class TokenCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a token subcommand is required (create, lookup, renew, revoke)");
    }

    static void printAuth(Output out, ApiClient.Reply r) {
        if (out.json()) {
            out.printJson(r.body());
            return;
        }
        Map<String, Object> auth = KvCommand.Base.map(r.body().get("auth"));
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("token", auth.get("client_token"));
        t.put("token_accessor", auth.get("accessor"));
        t.put("token_duration", auth.get("lease_duration"));
        t.put("token_renewable", auth.get("renewable"));
        t.put("token_policies", auth.get("token_policies"));
        t.put("policies", auth.get("policies"));
        t.put("token_meta", auth.get("metadata"));
        out.printTable(t);
    }

    @Command(name = "create", description = "Create a child token (or an orphan with -orphan).",
            footer = {"", "Example:", "  keyhaven token create -policy=app-read -ttl=1h -display-name=ci"})
    static final class Create extends KvCommand.Base {
        @Option(names = {"-policy", "--policy"}, description = "Policy to attach, repeatable.") List<String> policies;
        @Option(names = {"-ttl", "--ttl"}) String ttl;
        @Option(names = {"-explicit-max-ttl", "--explicit-max-ttl"}) String explicitMaxTtl;
        @Option(names = {"-period", "--period"}) String period;
        @Option(names = {"-renewable", "--renewable"}, arity = "0..1") Boolean renewable;
        @Option(names = {"-num-uses", "--num-uses"}) Integer numUses;
        @Option(names = {"-orphan", "--orphan"}) boolean orphan;
        @Option(names = {"-display-name", "--display-name"}) String displayName;
        @Option(names = {"-metadata", "--metadata"}, description = "k=v, repeatable.") List<String> meta;
        @Option(names = {"-role", "--role"}) String role;
        @Option(names = {"-field", "--field"}, description = "Print only this field of the auth block (e.g. token).") String field;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (policies != null) body.put("policies", policies);
            if (ttl != null) body.put("ttl", ttl);
            if (explicitMaxTtl != null) body.put("explicit_max_ttl", explicitMaxTtl);
            if (period != null) body.put("period", period);
            if (renewable != null) body.put("renewable", renewable);
            if (numUses != null) body.put("num_uses", numUses);
            if (displayName != null) body.put("display_name", displayName);
            if (meta != null) body.put("meta", KvCommand.parseKv(meta, System.in));
            String path = role != null ? "auth/token/create/" + role : orphan ? "auth/token/create-orphan" : "auth/token/create";
            ApiClient.Reply r = client.client().write(path, body);
            if (field != null) {
                Map<String, Object> auth = map(r.body().get("auth"));
                Object v = field.equals("token") ? auth.get("client_token") : auth.get(field);
                if (v == null) throw new IllegalArgumentException("no field \"" + field + "\" in the auth block");
                out().println(Output.render(v));
                return 0;
            }
            printAuth(out(), r);
            return 0;
        }
    }

    @Command(name = "lookup", description = "Show a token's properties (your own when no token is given).",
            footer = {"", "Examples:", "  keyhaven token lookup", "  keyhaven token lookup -accessor ACCESSOR"})
    static final class Lookup extends KvCommand.Base {
        @Option(names = {"-accessor", "--accessor"}, description = "Treat the argument as an accessor.") boolean accessor;
        @Parameters(arity = "0..1", paramLabel = "TOKEN|ACCESSOR") String target;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            ApiClient.Reply r;
            if (target == null) {
                if (accessor) throw new IllegalArgumentException("-accessor needs an accessor argument");
                r = api.get("auth/token/lookup-self");
            } else if (accessor) {
                r = api.write("auth/token/lookup-accessor", Map.of("accessor", target));
            } else {
                r = api.write("auth/token/lookup", Map.of("token", target));
            }
            if (out().json()) out().printJson(r.body());
            else out().printTable(r.data());
            return 0;
        }
    }

    @Command(name = "renew", description = "Renew a token's lease (your own when no token is given).",
            footer = {"", "Example:", "  keyhaven token renew -increment=1h"})
    static final class Renew extends KvCommand.Base {
        @Option(names = {"-increment", "-i", "--increment"}) String increment;
        @Parameters(arity = "0..1", paramLabel = "TOKEN") String target;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (increment != null) body.put("increment", increment);
            ApiClient.Reply r;
            if (target == null) r = client.client().write("auth/token/renew-self", body);
            else {
                body.put("token", target);
                r = client.client().write("auth/token/renew", body);
            }
            printAuth(out(), r);
            return 0;
        }
    }

    @Command(name = "revoke", description = "Revoke a token and its children (-mode=orphan keeps the children; -self revokes your own).",
            footer = {"", "Examples:", "  keyhaven token revoke -self", "  keyhaven token revoke -accessor ACCESSOR"})
    static final class Revoke extends KvCommand.Base {
        @Option(names = {"-self", "--self"}) boolean self;
        @Option(names = {"-accessor", "--accessor"}) boolean accessor;
        @Option(names = {"-mode", "--mode"}, description = "orphan: revoke only this token, its children become orphans.") String mode;
        @Parameters(arity = "0..1", paramLabel = "TOKEN|ACCESSOR") String target;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            if (self) {
                if (target != null) throw new IllegalArgumentException("-self takes no token argument");
                api.write("auth/token/revoke-self", Map.of());
            } else {
                if (target == null) throw new IllegalArgumentException("a token (or -self) is required");
                if (mode != null && !mode.equals("orphan")) throw new IllegalArgumentException("-mode must be \"orphan\"");
                if (accessor) api.write("auth/token/revoke-accessor", Map.of("accessor", target));
                else if ("orphan".equals(mode)) api.write("auth/token/revoke-orphan", Map.of("token", target));
                else api.write("auth/token/revoke", Map.of("token", target));
            }
            out().println("Success! Revoked token (if it existed)");
            return 0;
        }
    }
}
