package dev.keyhaven.doctor.gha;

import dev.keyhaven.doctor.yaml.Y;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/** One step of a job. */
public final class Step {
    private static final Pattern PUBLISH = Pattern.compile(
            "(?m)(\\bnpm\\s+publish\\b|\\byarn\\s+(npm\\s+)?publish\\b|\\bpnpm\\s+publish\\b|\\btwine\\s+upload\\b|\\b(uv|poetry|hatch|pdm|flit)\\s+publish\\b"
                    + "|\\bcargo\\s+publish\\b|\\bgem\\s+push\\b|\\bdocker\\s+(image\\s+)?push\\b|\\bgh\\s+release\\s+(create|upload)\\b"
                    + "|\\b(mvn|\\./mvnw|mvnw)\\b[^\\n]*\\bdeploy\\b|\\bgradlew?\\b[^\\n]*\\bpublish\\w*\\b|\\bcosign\\s+sign\\b|\\bdotnet\\s+nuget\\s+push\\b)");
    private static final String[] PUBLISH_ACTIONS = {
        "pypa/gh-action-pypi-publish", "docker/build-push-action", "softprops/action-gh-release", "ncipollo/release-action",
        "actions/create-release", "goreleaser/goreleaser-action", "JS-DevTools/npm-publish", "rubygems/release-gem",
        "sigstore/cosign-installer", "actions/attest-build-provenance"
    };

    private final Job job;
    private final int index;
    private final Node node;

    Step(Job job, int index, Node node) {
        this.job = job;
        this.index = index;
        this.node = node;
    }

    public Job job() { return job; }
    public int index() { return index; }
    public Node node() { return node; }
    public int line() { return Y.line(node); }

    public Optional<String> uses() { return Y.str(node, "uses"); }
    public Optional<Node> usesNode() { return Y.get(node, "uses"); }
    public Optional<String> run() { return Y.str(node, "run"); }
    public Optional<Node> runNode() { return Y.get(node, "run"); }
    public Map<String, Node> with() { return Y.entries(Y.get(node, "with").orElse(null)); }
    public Optional<Node> withNode() { return Y.get(node, "with"); }
    public Map<String, Node> env() { return Y.entries(Y.get(node, "env").orElse(null)); }

    /** The action name without ref, e.g. {@code actions/checkout}; empty for run steps. */
    public Optional<String> action() {
        return uses().map(u -> {
            int at = u.indexOf('@');
            return (at < 0 ? u : u.substring(0, at)).toLowerCase(java.util.Locale.ROOT);
        });
    }

    public boolean usesAction(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        return action().filter(a -> a.equals(n) || a.startsWith(n + "/")).isPresent();
    }

    public boolean isCheckout() { return usesAction("actions/checkout"); }

    /** Stable key for fingerprints: job id + step id/name/index. */
    public String key() {
        return job.id() + "/" + Y.str(node, "id").or(() -> Y.str(node, "name")).orElse("#" + index);
    }

    public boolean publishes() {
        if (run().filter(r -> PUBLISH.matcher(r).find()).isPresent()) return true;
        for (String a : PUBLISH_ACTIONS) if (usesAction(a)) {
            if (a.equals("docker/build-push-action")) {
                return Y.text(with().get("push")).equals("true");
            }
            return true;
        }
        return false;
    }

    public String label() { return "job '" + job.id() + "' step " + Y.str(node, "name").map(n -> "'" + n + "'").orElse("#" + (index + 1)); }
}
