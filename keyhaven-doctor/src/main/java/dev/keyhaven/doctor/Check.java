package dev.keyhaven.doctor;

import java.util.List;

/**
 * A repository posture check. Implementations are stateless and thread-safe: {@link #run} may be called concurrently
 * with other checks on the same {@link RepoContext}.
 */
public interface Check {
    /** Stable id such as {@code KH101}. */
    String id();

    /** Stable slug such as {@code tracked-env-file}. */
    String slug();

    Family family();

    /** The severity most results of this check carry; individual results may be raised or lowered. */
    Severity defaultSeverity();

    /** One line: what the check looks at. */
    String title();

    /** Why it matters. */
    String why();

    /** How to fix it. */
    String fix();

    /** The OSPS Baseline controls its results bear on, and the nearest Scorecard check or zizmor audit. */
    default Baseline baseline() { return Baseline.of(id()); }

    /** Whether {@code --fix} can repair (some of) its results mechanically. */
    default boolean fixable() { return false; }

    List<Finding> run(RepoContext ctx);
}
