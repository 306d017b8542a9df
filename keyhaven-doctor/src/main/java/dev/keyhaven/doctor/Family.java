package dev.keyhaven.doctor;

/** Check families, in report order (sections 8.1–8.5 of the check catalogue). */
public enum Family {
    SECRETS("Secrets in the checkout"),
    CONTAINERS("Containers and Kubernetes"),
    GUARDRAILS("Guardrails and governance"),
    GITHUB_ACTIONS("GitHub Actions workflows"),
    CI_TRUST("OIDC trust and GitLab CI");

    private final String title;

    Family(String title) { this.title = title; }

    public String title() { return title; }
}
