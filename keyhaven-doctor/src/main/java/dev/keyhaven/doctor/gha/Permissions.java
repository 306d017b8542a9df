package dev.keyhaven.doctor.gha;

import dev.keyhaven.doctor.yaml.Y;
import java.util.LinkedHashMap;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.Node;

/** A {@code permissions:} block: absent, {@code read-all}, {@code write-all}, or a scope map ({@code {}} = none). */
public record Permissions(Kind kind, Map<String, String> scopes, int line) {
    public enum Kind { ABSENT, READ_ALL, WRITE_ALL, MAP, INVALID }

    public static Permissions of(Node n) {
        if (n == null) return new Permissions(Kind.ABSENT, Map.of(), 0);
        if (Y.isScalar(n)) {
            String v = Y.text(n).trim();
            return switch (v) {
                case "read-all" -> new Permissions(Kind.READ_ALL, Map.of(), Y.line(n));
                case "write-all" -> new Permissions(Kind.WRITE_ALL, Map.of(), Y.line(n));
                case "" -> new Permissions(Kind.MAP, Map.of(), Y.line(n));
                default -> new Permissions(Kind.INVALID, Map.of(), Y.line(n));
            };
        }
        if (Y.isMap(n)) {
            Map<String, String> m = new LinkedHashMap<>();
            Y.entries(n).forEach((k, v) -> m.put(k, Y.text(v)));
            return new Permissions(Kind.MAP, Map.copyOf(m), Y.line(n));
        }
        return new Permissions(Kind.INVALID, Map.of(), Y.line(n));
    }

    public boolean present() { return kind != Kind.ABSENT; }

    /** Effective level of a scope: write-all → write, read-all → read, map → listed value or none. */
    public String level(String scope) {
        return switch (kind) {
            case WRITE_ALL -> "write";
            case READ_ALL -> scope.equals("id-token") ? "none" : "read";
            case MAP -> scopes.getOrDefault(scope, "none");
            default -> "unknown";
        };
    }

    public boolean writes(String scope) { return level(scope).equals("write"); }

    public boolean anyWrite() {
        return kind == Kind.WRITE_ALL || (kind == Kind.MAP && scopes.containsValue("write"));
    }
}
