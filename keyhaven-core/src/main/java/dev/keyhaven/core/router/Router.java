package dev.keyhaven.core.router;

import dev.keyhaven.core.engine.Engine;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Longest-prefix routing of request paths onto mounted engines. Copy-on-write: lookups never lock.
 */
public final class Router {
    /** A mounted engine. */
    public record Mount(MountEntry entry, Engine engine) {}

    /** The result of routing: the mount and the path relative to it. */
    public record Route(Mount mount, String relativePath) {}

    private volatile List<Mount> mounts = List.of(); // sorted by path length, longest first

    public synchronized void add(MountEntry entry, Engine engine) {
        List<Mount> next = new ArrayList<>(mounts);
        next.removeIf(m -> m.entry().path().equals(entry.path()));
        next.add(new Mount(entry, engine));
        next.sort(Comparator.comparingInt((Mount m) -> m.entry().path().length()).reversed().thenComparing(m -> m.entry().path()));
        mounts = Collections.unmodifiableList(next);
    }

    public synchronized Optional<Mount> remove(String path) {
        Optional<Mount> found = find(path);
        if (found.isPresent()) {
            List<Mount> next = new ArrayList<>(mounts);
            next.remove(found.get());
            mounts = Collections.unmodifiableList(next);
        }
        return found;
    }

    /** Removes every mount, returning them (for closing). */
    public synchronized List<Mount> clear() {
        List<Mount> old = mounts;
        mounts = List.of();
        return old;
    }

    public Optional<Mount> find(String mountPath) {
        for (Mount m : mounts) if (m.entry().path().equals(mountPath)) return Optional.of(m);
        return Optional.empty();
    }

    public List<Mount> mounts() {
        return mounts;
    }

    /** The mount whose path is the longest prefix of {@code path} ({@code secret} also matches {@code secret/}). */
    public Optional<Route> route(String path) {
        for (Mount m : mounts) {
            String mp = m.entry().path();
            if (path.startsWith(mp)) return Optional.of(new Route(m, path.substring(mp.length())));
            if ((path + "/").equals(mp)) return Optional.of(new Route(m, ""));
        }
        return Optional.empty();
    }

    /** Whether {@code path} would conflict with an existing mount (equal, or one nested in the other). */
    public boolean conflicts(String mountPath) {
        for (Mount m : mounts) {
            String mp = m.entry().path();
            if (mp.startsWith(mountPath) || mountPath.startsWith(mp)) return true;
        }
        return false;
    }
}
