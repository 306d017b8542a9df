package dev.keyhaven.doctor;

import dev.keyhaven.scanner.Entropy;
import dev.keyhaven.scanner.Placeholders;
import dev.keyhaven.scanner.Scanner;
import dev.keyhaven.scanner.rules.RuleSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The seam to keyhaven-scanner. Detection is the scanner's (built-in rule set, keyword prefilter, RE2/J, entropy
 * and placeholder filters); the doctor adds none of its own. The file walk for non-git directories and gitignore
 * semantics there come from the scanner's walker once it exposes one (see docs/doctor.md); in git work trees the
 * doctor asks git itself (ls-files, check-ignore).
 */
final class ScannerBridge {
    private ScannerBridge() {}

    static SecretDetector detector() { return Holder.DETECTOR; }

    static Optional<List<String>> walk(Path root) { return Optional.empty(); }

    /** Non-git directories: no ignore rules can apply, so every probe is reported as not ignored. */
    static IgnoreOracle ignoreOracle(Path root) { return (rel, dir) -> false; }

    private static final class Holder {
        static final Scanner SCANNER = new Scanner(RuleSet.builtin());
        static final SecretDetector DETECTOR = new SecretDetector() {
            @Override
            public List<Detection> scan(String path, String content) {
                List<Detection> out = new ArrayList<>();
                for (dev.keyhaven.scanner.Finding f : SCANNER.scan(path, content)) {
                    if (f.kind() == dev.keyhaven.scanner.Finding.Kind.SECRET) out.add(new Detection(f.ruleId(), f.line(), f.redacted()));
                }
                return out;
            }

            @Override
            public boolean looksLive(String keyName, String value) {
                String v = value.trim();
                if (v.isEmpty() || Placeholders.isPlaceholder(v)) return false;
                // the scanner's own rules judge the value in its usual setting: "KEY = value"
                for (dev.keyhaven.scanner.Finding f : SCANNER.scan("config.env", keyName + "=\"" + v.replace("\"", "") + "\"\n")) {
                    if (f.kind() == dev.keyhaven.scanner.Finding.Kind.SECRET) return true;
                }
                // the scanner's entropy measure for values of secret-named keys
                return v.length() >= 16 && !v.contains(" ") && Entropy.shannon(v) >= 3.5 && dev.keyhaven.doctor.checks.Names.secretish(keyName);
            }
        };
    }
}
