package dev.keyhaven.scanner.report;

import dev.keyhaven.scanner.Finding;
import dev.keyhaven.scanner.ScanRunner;
import dev.keyhaven.scanner.rules.RuleSet;
import java.util.List;

/**
 * What reporters render: findings (secrets and, when asked for, placeholders), the scan summary, the rule set (for
 * help texts), how many findings a baseline suppressed, and whether raw secrets may be shown.
 */
public record Report(List<Finding> findings, ScanRunner.Summary summary, RuleSet rules, int suppressedByBaseline,
                     boolean showSecrets, String toolVersion) {
    public String secretOf(Finding f) {
        return showSecrets ? f.secret() : f.redacted();
    }

    public List<Finding> secrets() {
        return findings.stream().filter(f -> f.kind() == Finding.Kind.SECRET).toList();
    }

    public List<Finding> placeholders() {
        return findings.stream().filter(f -> f.kind() == Finding.Kind.PLACEHOLDER).toList();
    }
}
