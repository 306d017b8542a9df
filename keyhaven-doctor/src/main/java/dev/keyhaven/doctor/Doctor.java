package dev.keyhaven.doctor;

import dev.keyhaven.doctor.checks.Catalogue;
import dev.keyhaven.doctor.suppress.Suppressions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Runs the checks against a repository and applies suppressions. */
public final class Doctor {
    private final List<Check> catalogue;

    public Doctor() { this(Catalogue.all()); }

    public Doctor(List<Check> catalogue) { this.catalogue = List.copyOf(catalogue); }

    public List<Check> catalogue() { return catalogue; }

    /** Resolves ids or slugs to checks; unknown names are a usage error. */
    public Set<String> resolve(Set<String> names) {
        Set<String> ids = new HashSet<>();
        for (String n : names) {
            String t = n.trim();
            Optional<Check> c = catalogue.stream().filter(k -> k.id().equalsIgnoreCase(t) || k.slug().equalsIgnoreCase(t)).findFirst();
            if (c.isEmpty()) throw new DoctorException("unknown check '" + t + "' (see 'keyhaven doctor --list')");
            ids.add(c.get().id());
        }
        return ids;
    }

    public List<Check> selected(DoctorOptions o) {
        Set<String> only = resolve(o.only());
        Set<String> skip = resolve(o.skip());
        return catalogue.stream().filter(c -> (only.isEmpty() || only.contains(c.id())) && !skip.contains(c.id())).toList();
    }

    public Report run(Path root, DoctorOptions o) {
        long t0 = System.nanoTime();
        List<Check> checks = selected(o);
        RepoContext ctx = RepoLoader.load(root, o.today());
        return run(ctx, checks, t0);
    }

    public Report run(RepoContext ctx, List<Check> checks, long t0) {
        return run(ctx, checks, t0, List.of());
    }

    /**
     * Runs {@code checks}, adding {@code extra} results found elsewhere (the settings read by {@code --online}) for
     * the checks that run; suppressions apply to both.
     */
    public Report run(RepoContext ctx, List<Check> checks, long t0, List<Finding> extra) {
        Suppressions sup = Suppressions.load(ctx);
        Set<String> ran = new HashSet<>();
        for (Check c : checks) ran.add(c.id());
        List<Finding> all = new ArrayList<>(checks.parallelStream().flatMap(c -> {
            try {
                return c.run(ctx).stream();
            } catch (RuntimeException e) {
                // a check must never take the run down; say which one failed and why (no content, no stack)
                return java.util.stream.Stream.of(new Finding(c.id(), Severity.INFO, Location.repo(),
                        "check could not complete: " + e.getClass().getSimpleName(), Finding.fingerprintOf(c.id(), "", "error")));
            }
        }).toList());
        for (Finding f : extra) if (ran.contains(f.checkId())) all.add(f);
        List<Finding> kept = new ArrayList<>();
        List<Report.Suppressed> suppressed = new ArrayList<>();
        for (Finding f : all) {
            var r = sup.match(f, ctx.today());
            if (r.isPresent()) suppressed.add(new Report.Suppressed(f, r.get().reason(), r.get().declaredAt()));
            else kept.add(f);
        }
        kept.sort(Comparator.comparing(Finding::checkId).thenComparing(Finding::location).thenComparing(Finding::message));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        return new Report(ctx.root().toString(), checks, List.copyOf(kept), List.copyOf(suppressed), ms);
    }

    static String lower(String s) { return s.toLowerCase(Locale.ROOT); }
}
