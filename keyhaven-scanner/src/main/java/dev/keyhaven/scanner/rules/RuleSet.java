package dev.keyhaven.scanner.rules;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.keyhaven.scanner.Severity;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * An ordered set of rules plus global allowlists. Rules are data: the built-in set is the resource
 * {@code rules.toml} in this jar, in the same TOML shape as gitleaks' config, so a {@code .gitleaks.toml}
 * loads through {@link #parse} too (with our extra keys {@code severity}, {@code validate}, {@code multiline}).
 */
public final class RuleSet {
    private final List<Rule> rules;
    private final List<Allowlist> allowlists;

    public RuleSet(List<Rule> rules, List<Allowlist> allowlists) {
        Map<String, Rule> byId = new LinkedHashMap<>();
        for (Rule r : rules) {
            byId.put(r.id(), r); // a later rule with the same id replaces the earlier one
        }
        this.rules = List.copyOf(byId.values());
        this.allowlists = List.copyOf(allowlists);
    }

    private static volatile RuleSet builtin;

    /** The built-in rules shipped in this jar. */
    public static RuleSet builtin() {
        RuleSet b = builtin;
        if (b == null) {
            try (InputStream in = RuleSet.class.getResourceAsStream("/dev/keyhaven/scanner/rules.toml")) {
                if (in == null) {
                    throw new IllegalStateException("built-in rules.toml missing from the scanner jar");
                }
                b = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "built-in rules.toml");
            } catch (IOException e) {
                throw new IllegalStateException("cannot read built-in rules", e);
            }
            builtin = b;
        }
        return b;
    }

    public List<Rule> rules() {
        return rules;
    }

    public List<Allowlist> allowlists() {
        return allowlists;
    }

    public Optional<Rule> rule(String id) {
        return rules.stream().filter(r -> r.id().equals(id)).findFirst();
    }

    /** This set plus {@code other}'s rules (replacing same ids) and allowlists. */
    public RuleSet plus(RuleSet other) {
        List<Rule> r = new ArrayList<>(rules);
        r.addAll(other.rules);
        List<Allowlist> a = new ArrayList<>(allowlists);
        a.addAll(other.allowlists);
        return new RuleSet(r, a);
    }

    public RuleSet withAllowlists(Collection<Allowlist> extra) {
        List<Allowlist> a = new ArrayList<>(allowlists);
        a.addAll(extra);
        return new RuleSet(rules, a);
    }

    public RuleSet without(Set<String> disabledIds) {
        return new RuleSet(rules.stream().filter(r -> !disabledIds.contains(r.id())).toList(), allowlists);
    }

    /**
     * Parses rules and allowlists from gitleaks-shaped TOML. Errors name the source and the rule and never quote
     * regex input data.
     *
     * @throws IllegalArgumentException on any syntax or semantic error
     */
    public static RuleSet parse(String toml, String source) {
        TomlParseResult t = Toml.parse(toml);
        if (t.hasErrors()) {
            throw new IllegalArgumentException(source + ": " + t.errors().get(0).toString());
        }
        List<Rule> rules = new ArrayList<>();
        TomlArray arr = t.getArray("rules");
        if (arr != null) {
            for (int i = 0; i < arr.size(); i++) {
                rules.add(rule(arr.getTable(i), source, i));
            }
        }
        return new RuleSet(rules, allowlistsOf(t, source, "allowlist", "allowlists"));
    }

    /** Reads {@code [single]} and {@code [[many]]} allowlist tables of {@code t}. */
    public static List<Allowlist> allowlistsOf(TomlTable t, String source, String single, String many) {
        List<Allowlist> out = new ArrayList<>();
        if (t.isTable(single)) {
            out.add(allowlist(t.getTable(single), source));
        }
        if (t.isArray(many)) {
            TomlArray a = t.getArray(many);
            for (int i = 0; i < a.size(); i++) {
                out.add(allowlist(a.getTable(i), source));
            }
        }
        return out;
    }

    /** Parses one {@code [[rules]]} table. */
    public static Rule rule(TomlTable r, String source, int index) {
        String id = r.getString("id");
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException(source + ": rule #" + (index + 1) + " has no id");
        }
        String where = source + ": rule " + id;
        try {
            Optional<Pattern> regex = Optional.ofNullable(r.getString("regex")).filter(s -> !s.isEmpty()).map(s -> compile(s, where));
            Optional<Pattern> path = Optional.ofNullable(r.getString("path")).filter(s -> !s.isEmpty()).map(s -> compile(s, where));
            int group = r.contains("secretGroup") ? Math.toIntExact(r.getLong("secretGroup")) : 0;
            double entropy = number(r, "entropy");
            List<String> keywords = strings(r, "keywords");
            List<String> tags = strings(r, "tags");
            Severity sev = r.contains("severity") ? Severity.parse(r.getString("severity")) : Severity.HIGH;
            Optional<Validator> v = Optional.ofNullable(r.getString("validate")).map(Validator::byName);
            boolean multiline = Boolean.TRUE.equals(r.getBoolean("multiline"));
            String anchor = Optional.ofNullable(r.getString("anchor")).orElse("none");
            if (!anchor.equals("keyword") && !anchor.equals("none")) {
                throw new IllegalArgumentException("anchor must be \"keyword\" or \"none\"");
            }
            String description = Optional.ofNullable(r.getString("description")).orElse(id);
            return new Rule(id, description, sev, regex, group, keywords, entropy, v, path,
                    allowlistsOf(r, where, "allowlist", "allowlists"), multiline, tags, anchor.equals("keyword") && !multiline);
        } catch (RuntimeException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source)) {
                throw e;
            }
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static Allowlist allowlist(TomlTable a, String where) {
        String target = Optional.ofNullable(a.getString("regexTarget")).orElse("secret");
        Allowlist.Target tgt = switch (target) {
            case "secret", "" -> Allowlist.Target.SECRET;
            case "match" -> Allowlist.Target.MATCH;
            case "line" -> Allowlist.Target.LINE;
            default -> throw new IllegalArgumentException(where + ": unknown regexTarget '" + target + "'");
        };
        return new Allowlist(Optional.ofNullable(a.getString("description")).orElse(""),
                strings(a, "paths").stream().map(s -> compile(s, where)).toList(),
                strings(a, "regexes").stream().map(s -> compile(s, where)).toList(), tgt,
                strings(a, "stopwords"), strings(a, "commits"));
    }

    /** TOML integer or float (gitleaks writes {@code entropy = 4} as well as {@code entropy = 3.5}). */
    private static double number(TomlTable t, String key) {
        if (!t.contains(key)) {
            return 0;
        }
        Object v = t.get(key);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("'" + key + "' must be a number");
    }

    static Pattern compile(String regex, String where) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(where + ": invalid regex (" + e.getDescription() + ")");
        }
    }

    static List<String> strings(TomlTable t, String key) {
        if (!t.contains(key)) {
            return List.of();
        }
        TomlArray a = t.getArray(key);
        if (a == null) {
            throw new IllegalArgumentException("'" + key + "' must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            Object o = a.get(i);
            if (!(o instanceof String s)) {
                throw new IllegalArgumentException("'" + key + "' must be an array of strings");
            }
            out.add(s);
        }
        return out;
    }
}
