package dev.keyhaven.doctor.gha;

import dev.keyhaven.doctor.yaml.Y;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;

/** One job of a workflow. */
public final class Job {
    private final Workflow workflow;
    private final String id;
    private final Node node;
    private final int line;
    private final List<Step> steps;

    Job(Workflow workflow, String id, Node node, int line) {
        this.workflow = workflow;
        this.id = id;
        this.node = node;
        this.line = line;
        List<Step> s = new ArrayList<>();
        int idx = 0;
        for (Node st : Y.seq(Y.get(node, "steps").orElse(null))) s.add(new Step(this, idx++, st));
        this.steps = List.copyOf(s);
    }

    public Workflow workflow() { return workflow; }
    public String id() { return id; }
    public Node node() { return node; }
    public int line() { return line; }
    public List<Step> steps() { return steps; }

    public Optional<Node> permissionsNode() { return Y.get(node, "permissions"); }

    /** Job-level permissions if set, otherwise the workflow's. */
    public Permissions effectivePermissions() {
        return permissionsNode().map(Permissions::of).orElseGet(workflow::permissions);
    }

    public boolean hasEnvironment() { return Y.get(node, "environment").filter(n -> !Y.text(n).isEmpty() || Y.isMap(n)).isPresent(); }

    /** A reusable-workflow call ({@code jobs.x.uses}). */
    public Optional<String> uses() { return Y.str(node, "uses"); }

    public Optional<Node> usesNode() { return Y.get(node, "uses"); }

    public List<String> runsOn() {
        Node r = Y.get(node, "runs-on").orElse(null);
        if (r == null) return List.of();
        if (Y.isMap(r)) {
            List<String> out = new ArrayList<>(Y.strings(Y.get(r, "labels").orElse(null)));
            Y.str(r, "group").ifPresent(g -> out.add("group:" + g));
            return out;
        }
        return Y.strings(r);
    }

    public Optional<Node> runsOnNode() { return Y.get(node, "runs-on"); }

    /** Whether any step publishes artifacts to a registry or creates a release. */
    public boolean publishes() {
        for (Step s : steps) if (s.publishes()) return true;
        return false;
    }

    public boolean checksOutCode() {
        return steps.stream().anyMatch(Step::isCheckout);
    }

    public String label() { return workflow.path() + " job '" + id + "'"; }

    static String lower(String s) { return s.toLowerCase(Locale.ROOT); }
}
