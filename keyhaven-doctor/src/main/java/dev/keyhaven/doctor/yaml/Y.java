package dev.keyhaven.doctor.yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** Small, null-free navigation helpers over SnakeYAML Engine nodes. */
public final class Y {
    private Y() {}

    /** 1-based line where the node starts (0 if unknown). */
    public static int line(Node n) {
        return n == null ? 0 : n.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }

    /** 0-based column where the node starts. */
    public static int column(Node n) {
        return n == null ? 0 : n.getStartMark().map(m -> m.getColumn()).orElse(0);
    }

    public static boolean isMap(Node n) { return n instanceof MappingNode; }

    public static boolean isSeq(Node n) { return n instanceof SequenceNode; }

    public static boolean isScalar(Node n) { return n instanceof ScalarNode; }

    /** Scalar text, or empty for non-scalars. YAML null ({@code ~}, empty) comes back as an empty string. */
    public static Optional<String> scalar(Node n) {
        if (n instanceof ScalarNode s) {
            String v = s.getValue();
            if (s.getScalarStyle() == org.snakeyaml.engine.v2.common.ScalarStyle.PLAIN && (v.equals("~") || v.equals("null"))) {
                return Optional.of("");
            }
            return Optional.of(v);
        }
        return Optional.empty();
    }

    public static String text(Node n) { return scalar(n).orElse(""); }

    /** Mapping entries in document order with scalar keys; later duplicates win. Non-maps give an empty map. */
    public static Map<String, Node> entries(Node n) {
        Map<String, Node> out = new LinkedHashMap<>();
        if (n instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                scalar(t.getKeyNode()).ifPresent(k -> out.put(k, t.getValueNode()));
            }
        }
        return out;
    }

    /** The key nodes of a mapping, for positions of keys. */
    public static Optional<Node> keyNode(Node map, String key) {
        if (map instanceof MappingNode m) {
            Node found = null;
            for (NodeTuple t : m.getValue()) {
                if (scalar(t.getKeyNode()).filter(key::equals).isPresent()) found = t.getKeyNode();
            }
            return Optional.ofNullable(found);
        }
        return Optional.empty();
    }

    public static Optional<Node> get(Node map, String key) {
        return Optional.ofNullable(entries(map).get(key));
    }

    /** Follows a path of keys through nested mappings. */
    public static Optional<Node> at(Node root, String... keys) {
        Node cur = root;
        for (String k : keys) {
            Node next = entries(cur).get(k);
            if (next == null) return Optional.empty();
            cur = next;
        }
        return Optional.of(cur);
    }

    public static Optional<String> str(Node map, String key) {
        return get(map, key).flatMap(Y::scalar);
    }

    public static List<Node> seq(Node n) {
        if (n instanceof SequenceNode s) return s.getValue();
        return List.of();
    }

    /** A scalar or a sequence of scalars as a list of strings. */
    public static List<String> strings(Node n) {
        List<String> out = new ArrayList<>();
        if (n instanceof ScalarNode) scalar(n).ifPresent(out::add);
        for (Node e : seq(n)) scalar(e).ifPresent(out::add);
        return out;
    }

    /** Visits every node in the tree (depth first, aliases visited once per reference, cycles guarded). */
    public static void walk(Node n, java.util.function.Consumer<Node> visitor) {
        walk(n, visitor, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
    }

    private static void walk(Node n, java.util.function.Consumer<Node> visitor, java.util.Set<Node> seen) {
        if (n == null || !seen.add(n)) return;
        visitor.accept(n);
        if (n instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                walk(t.getKeyNode(), visitor, seen);
                walk(t.getValueNode(), visitor, seen);
            }
        } else if (n instanceof SequenceNode s) {
            for (Node e : s.getValue()) walk(e, visitor, seen);
        }
    }

    /** Visits every (key, value) pair of every mapping in the tree. */
    public static void walkPairs(Node n, java.util.function.BiConsumer<ScalarNode, Node> visitor) {
        walk(n, node -> {
            if (node instanceof MappingNode m) {
                for (NodeTuple t : m.getValue()) {
                    if (t.getKeyNode() instanceof ScalarNode k) visitor.accept(k, t.getValueNode());
                }
            }
        });
    }
}
