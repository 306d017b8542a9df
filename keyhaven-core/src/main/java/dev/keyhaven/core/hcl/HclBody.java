package dev.keyhaven.core.hcl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The body of a document, block or object: attributes and nested blocks in source order. */
public record HclBody(List<Hcl.Attribute> attributes, List<Hcl.Block> blocks, int line, int column) {
    public HclBody {
        attributes = List.copyOf(attributes);
        blocks = List.copyOf(blocks);
    }

    public Optional<Hcl.Attribute> attribute(String name) {
        Hcl.Attribute found = null;
        for (Hcl.Attribute a : attributes) if (a.name().equals(name)) found = a;
        return Optional.ofNullable(found);
    }

    public List<Hcl.Block> blocks(String type) {
        List<Hcl.Block> out = new ArrayList<>();
        for (Hcl.Block b : blocks) if (b.type().equals(type)) out.add(b);
        return out;
    }

    /**
     * The JSON-shaped view Vault's HCL 1 decoder gives: attributes as keys; blocks nested by labels
     * ({@code path "a" {...}} → {@code {"path": {"a": {...}}}}); repeated blocks of one type merged by label.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Hcl.Attribute a : attributes) m.put(a.name(), Hcl.plain(a.value()));
        for (Hcl.Block b : blocks) {
            Map<String, Object> target = m.get(b.type()) instanceof Map<?, ?> existing ? cast(existing) : new LinkedHashMap<>();
            m.put(b.type(), target);
            if (b.labels().isEmpty()) {
                target.putAll(b.body().toMap());
                continue;
            }
            Map<String, Object> cur = target;
            for (int i = 0; i < b.labels().size() - 1; i++) {
                String label = b.labels().get(i);
                Map<String, Object> next = cur.get(label) instanceof Map<?, ?> ex ? cast(ex) : new LinkedHashMap<>();
                cur.put(label, next);
                cur = next;
            }
            cur.put(b.labels().get(b.labels().size() - 1), b.body().toMap());
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
