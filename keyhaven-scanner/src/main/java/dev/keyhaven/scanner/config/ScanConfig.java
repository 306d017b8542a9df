package dev.keyhaven.scanner.config;

import dev.keyhaven.scanner.rules.Allowlist;
import dev.keyhaven.scanner.rules.Rule;
import dev.keyhaven.scanner.rules.RuleSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * The effective rule set for a repository: built-in rules, then {@code .gitleaks.toml} (custom rules, allowlists,
 * {@code [extend] disabledRules}) so teams can switch without rewriting config, then {@code .keyhaven/scan.toml}
 * (or an explicit {@code --config} file) in the same shape plus {@code disabledRules = [...]} at the top level.
 *
 * @param warnings problems that did not stop loading (e.g. a .gitleaks.toml rule whose regex RE2 cannot compile)
 */
public record ScanConfig(RuleSet ruleSet, List<Path> sources, List<String> warnings) {
    public static final String KEYHAVEN_CONFIG = ".keyhaven/scan.toml";
    public static final String GITLEAKS_CONFIG = ".gitleaks.toml";

    /**
     * @param repoRoot directory where .keyhaven/scan.toml and .gitleaks.toml are looked up
     * @param explicit a config file given by the user; replaces .keyhaven/scan.toml
     * @throws IllegalArgumentException for an invalid Keyhaven config (message names file and rule)
     */
    public static ScanConfig load(Path repoRoot, Optional<Path> explicit) throws IOException {
        RuleSet rs = RuleSet.builtin();
        List<Path> sources = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Set<String> disabled = new HashSet<>();
        Path gitleaks = repoRoot.resolve(GITLEAKS_CONFIG);
        if (Files.isRegularFile(gitleaks)) {
            sources.add(gitleaks);
            rs = merge(rs, Files.readString(gitleaks, StandardCharsets.UTF_8), GITLEAKS_CONFIG, true, disabled, warnings);
        }
        Path ours = explicit.orElse(repoRoot.resolve(KEYHAVEN_CONFIG));
        if (explicit.isPresent() && !Files.isRegularFile(ours)) {
            throw new IOException("config file not found: " + ours);
        }
        if (Files.isRegularFile(ours)) {
            sources.add(ours);
            rs = merge(rs, Files.readString(ours, StandardCharsets.UTF_8), ours.getFileName().toString(), false, disabled, warnings);
        }
        for (String id : disabled) {
            if (rs.rule(id).isEmpty()) {
                warnings.add("disabledRules: no rule with id '" + id + "'");
            }
        }
        return new ScanConfig(rs.without(disabled), List.copyOf(sources), List.copyOf(warnings));
    }

    static RuleSet merge(RuleSet base, String toml, String source, boolean lenient, Set<String> disabled, List<String> warnings) {
        TomlParseResult t = Toml.parse(toml);
        if (t.hasErrors()) {
            String msg = source + ": " + t.errors().get(0).toString();
            if (lenient) {
                warnings.add(msg + " (file ignored)");
                return base;
            }
            throw new IllegalArgumentException(msg);
        }
        disabled.addAll(strings(t, "disabledRules", source));
        if (t.isTable("extend")) {
            disabled.addAll(strings(t.getTable("extend"), "disabledRules", source));
        }
        List<Rule> rules = new ArrayList<>();
        TomlArray arr = t.getArray("rules");
        if (arr != null) {
            for (int i = 0; i < arr.size(); i++) {
                TomlTable one = arr.getTable(i);
                try {
                    rules.add(RuleSet.rule(one, source, i));
                } catch (IllegalArgumentException e) {
                    if (!lenient) {
                        throw e;
                    }
                    warnings.add(e.getMessage() + " (rule skipped)");
                }
            }
        }
        List<Allowlist> allowlists;
        try {
            allowlists = RuleSet.allowlistsOf(t, source, "allowlist", "allowlists");
        } catch (IllegalArgumentException e) {
            if (!lenient) {
                throw e;
            }
            warnings.add(e.getMessage() + " (allowlist skipped)");
            allowlists = List.of();
        }
        return base.plus(new RuleSet(rules, allowlists));
    }

    private static List<String> strings(TomlTable t, String key, String source) {
        if (!t.contains(key)) {
            return List.of();
        }
        TomlArray a = t.getArray(key);
        if (a == null) {
            throw new IllegalArgumentException(source + ": '" + key + "' must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) instanceof String s) {
                out.add(s);
            }
        }
        return out;
    }
}
