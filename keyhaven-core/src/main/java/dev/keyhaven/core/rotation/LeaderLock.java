package dev.keyhaven.core.rotation;

/**
 * Whether this node may run scheduled rotations. With several nodes on one store only the holder of the lock
 * (e.g. a PostgreSQL advisory lock) runs them; a single node is always the leader.
 */
@FunctionalInterface
public interface LeaderLock {
    boolean isLeader();

    LeaderLock ALWAYS = () -> true;
}
