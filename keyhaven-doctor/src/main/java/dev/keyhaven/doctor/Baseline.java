package dev.keyhaven.doctor;

import java.util.List;
import java.util.Map;

/**
 * Where a check sits in other frameworks: the OpenSSF OSPS Baseline controls its results bear on (e.g.
 * {@code OSPS-BR-07.01}, "prevent the unintentional storage of unencrypted secrets in the version control system"), and
 * the nearest OpenSSF Scorecard check or zizmor audit. A check is mapped to an OSPS control only where the control's
 * requirement covers what the check finds; pinning checks, for one, have no Baseline control and list only their
 * Scorecard peer.
 */
public record Baseline(List<String> osps, List<String> related) {
    private static final String SECRETS_IN_VCS = "OSPS-BR-07.01"; // no unencrypted secrets stored in version control
    private static final String SECRETS_POLICY = "OSPS-BR-07.02"; // a policy for storing, accessing and rotating secrets
    private static final String CI_DEFAULT_PERMS = "OSPS-AC-04.01"; // CI tasks default to the lowest permissions
    private static final String CI_LEAST_PRIVILEGE = "OSPS-AC-04.02"; // jobs get only the privileges they need
    private static final String UNTRUSTED_METADATA = "OSPS-BR-01.01"; // untrusted CI metadata sanitized before use
    private static final String UNTRUSTED_CODE = "OSPS-BR-01.03"; // untrusted code kept away from privileged credentials

    private static final Map<String, Baseline> BY_CHECK = Map.ofEntries(
            Map.entry("KH101", osps(SECRETS_IN_VCS)),
            Map.entry("KH102", osps(SECRETS_IN_VCS)),
            Map.entry("KH103", osps(SECRETS_IN_VCS)),
            Map.entry("KH104", osps(SECRETS_IN_VCS)),
            Map.entry("KH105", osps(SECRETS_IN_VCS)),
            Map.entry("KH106", osps(SECRETS_IN_VCS)),
            Map.entry("KH107", osps(SECRETS_IN_VCS)),
            Map.entry("KH108", osps(SECRETS_IN_VCS)),
            Map.entry("KH201", osps(SECRETS_IN_VCS)),
            Map.entry("KH202", osps(SECRETS_IN_VCS)),
            Map.entry("KH203", osps(SECRETS_IN_VCS)),
            Map.entry("KH204", osps(SECRETS_IN_VCS)),
            Map.entry("KH205", new Baseline(List.of(), List.of("Scorecard:Pinned-Dependencies", "zizmor:unpinned-images"))),
            Map.entry("KH301", osps(SECRETS_IN_VCS)),
            Map.entry("KH302", osps(SECRETS_IN_VCS)),
            Map.entry("KH303", osps(SECRETS_IN_VCS)),
            Map.entry("KH304", osps(SECRETS_IN_VCS)),
            Map.entry("KH305", new Baseline(List.of("OSPS-VM-01.01", "OSPS-VM-02.01"), List.of("Scorecard:Security-Policy"))),
            Map.entry("KH306", new Baseline(List.of("OSPS-QA-07.01"), List.of("Scorecard:Code-Review"))),
            Map.entry("KH307", new Baseline(List.of(), List.of("Scorecard:Dependency-Update-Tool"))),
            Map.entry("KH308", new Baseline(List.of("OSPS-VM-05.03", "OSPS-VM-06.02", "OSPS-BR-06.01"), List.of("Scorecard:SAST", "Scorecard:Signed-Releases"))),
            Map.entry("KH401", new Baseline(List.of(CI_DEFAULT_PERMS), List.of("Scorecard:Token-Permissions", "zizmor:excessive-permissions"))),
            Map.entry("KH402", new Baseline(List.of(CI_LEAST_PRIVILEGE), List.of("Scorecard:Token-Permissions", "zizmor:excessive-permissions"))),
            Map.entry("KH403", new Baseline(List.of(), List.of("Scorecard:Pinned-Dependencies", "zizmor:unpinned-uses"))),
            Map.entry("KH404", new Baseline(List.of(UNTRUSTED_CODE), List.of("Scorecard:Dangerous-Workflow", "zizmor:dangerous-triggers"))),
            Map.entry("KH405", new Baseline(List.of(UNTRUSTED_METADATA), List.of("Scorecard:Dangerous-Workflow", "zizmor:template-injection"))),
            Map.entry("KH406", osps(SECRETS_POLICY)),
            Map.entry("KH407", new Baseline(List.of(SECRETS_POLICY), List.of("zizmor:unredacted-secrets"))),
            Map.entry("KH408", new Baseline(List.of(SECRETS_POLICY, CI_LEAST_PRIVILEGE), List.of("zizmor:secrets-inherit", "zizmor:overprovisioned-secrets"))),
            Map.entry("KH409", new Baseline(List.of(CI_LEAST_PRIVILEGE), List.of("zizmor:artipacked"))),
            Map.entry("KH410", osps(SECRETS_POLICY)),
            Map.entry("KH411", osps(UNTRUSTED_CODE, CI_LEAST_PRIVILEGE)),
            Map.entry("KH412", new Baseline(List.of(SECRETS_POLICY), List.of("zizmor:use-trusted-publishing"))),
            Map.entry("KH413", osps(CI_LEAST_PRIVILEGE)),
            Map.entry("KH414", new Baseline(List.of(UNTRUSTED_CODE), List.of("zizmor:cache-poisoning"))),
            Map.entry("KH415", new Baseline(List.of(UNTRUSTED_METADATA), List.of("zizmor:github-env", "zizmor:insecure-commands"))),
            Map.entry("KH416", new Baseline(List.of(SECRETS_IN_VCS), List.of("zizmor:hardcoded-container-credentials"))),
            Map.entry("KH417", new Baseline(List.of(UNTRUSTED_CODE), List.of("zizmor:self-hosted-runner"))),
            Map.entry("KH418", new Baseline(List.of(), List.of("Scorecard:Pinned-Dependencies"))),
            Map.entry("KH419", new Baseline(List.of(UNTRUSTED_METADATA), List.of("zizmor:bot-conditions", "zizmor:unsound-contains"))),
            Map.entry("KH501", osps(CI_LEAST_PRIVILEGE)),
            Map.entry("KH502", osps(CI_LEAST_PRIVILEGE)),
            Map.entry("KH503", osps(SECRETS_IN_VCS, CI_LEAST_PRIVILEGE)));

    public static final Baseline NONE = new Baseline(List.of(), List.of());

    public Baseline {
        osps = List.copyOf(osps);
        related = List.copyOf(related);
    }

    private static Baseline osps(String... ids) {
        return new Baseline(List.of(ids), List.of());
    }

    /** The mapping of a check id (e.g. {@code KH101}); {@link #NONE} for an unknown id. */
    public static Baseline of(String checkId) {
        return BY_CHECK.getOrDefault(checkId, NONE);
    }

    /** The check ids that have a mapping. */
    static java.util.Set<String> mappedChecks() {
        return BY_CHECK.keySet();
    }
}
