package dev.keyhaven.doctor.gha;

import dev.keyhaven.doctor.yaml.Y;
import dev.keyhaven.doctor.yaml.YamlFile;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;

/** A GitHub Actions workflow, read from the YAML node tree (never from text patterns). */
public final class Workflow {
    private final String path;
    private final Node root;
    private final Set<String> triggers;
    private final List<Job> jobs;

    private Workflow(String path, Node root) {
        this.path = path;
        this.root = root;
        this.triggers = readTriggers(Y.get(root, "on").orElse(null));
        List<Job> js = new ArrayList<>();
        for (Map.Entry<String, Node> e : Y.entries(Y.get(root, "jobs").orElse(null)).entrySet()) {
            js.add(new Job(this, e.getKey(), e.getValue(), Y.keyNode(Y.get(root, "jobs").orElseThrow(), e.getKey()).map(Y::line).orElse(0)));
        }
        this.jobs = List.copyOf(js);
    }

    /** A workflow if the file's first document is a mapping with {@code jobs} or {@code on}. */
    public static Optional<Workflow> of(YamlFile f) {
        return f.root().filter(Y::isMap).filter(r -> Y.get(r, "jobs").isPresent() || Y.get(r, "on").isPresent())
                .map(r -> new Workflow(f.path(), r));
    }

    private static Set<String> readTriggers(Node on) {
        Set<String> out = new LinkedHashSet<>();
        if (on == null) return out;
        if (Y.isMap(on)) out.addAll(Y.entries(on).keySet());
        else out.addAll(Y.strings(on));
        return out;
    }

    public String path() { return path; }

    public Node root() { return root; }

    public Set<String> triggers() { return triggers; }

    public boolean triggeredBy(String... events) {
        for (String e : events) if (triggers.contains(e)) return true;
        return false;
    }

    /** {@code pull_request_target}, {@code workflow_run}, {@code issue_comment}...: run with secrets on others' input. */
    public boolean privilegedUntrustedTrigger() {
        return triggeredBy("pull_request_target", "workflow_run", "issue_comment", "issues", "discussion",
                "discussion_comment", "pull_request_review", "pull_request_review_comment");
    }

    public Optional<Node> permissionsNode() { return Y.get(root, "permissions"); }

    public Permissions permissions() { return Permissions.of(permissionsNode().orElse(null)); }

    public Optional<Node> env() { return Y.get(root, "env"); }

    public List<Job> jobs() { return jobs; }

    /** Line of the {@code jobs:} key (or 1). */
    public int jobsLine() { return Y.keyNode(root, "jobs").map(Y::line).orElse(1); }

    /** True when this looks like a release/publish workflow (tag or release triggers, or a publishing job). */
    public boolean isReleaseWorkflow() {
        if (triggers.contains("release")) return true;
        Node push = Y.get(Y.get(root, "on").orElse(null), "push").orElse(null);
        if (push != null && Y.get(push, "tags").isPresent()) return true;
        return jobs.stream().anyMatch(Job::publishes);
    }
}
