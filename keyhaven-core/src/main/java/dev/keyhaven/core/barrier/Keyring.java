package dev.keyhaven.core.barrier;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The barrier's encryption keys, one per numbered term. New values are sealed under the active (highest) term; old
 * terms stay so that older values still open. Immutable; {@link #toString()} never shows key material.
 */
public final class Keyring {
    /** One key of the ring. */
    public static final class Term {
        private final int term;
        private final byte[] key;
        private final Instant installTime;

        public Term(int term, byte[] key, Instant installTime) {
            if (term < 1) throw new IllegalArgumentException("term must be >= 1");
            if (key.length != 32) throw new IllegalArgumentException("barrier keys are 256-bit");
            this.term = term;
            this.key = key.clone();
            this.installTime = installTime;
        }

        public int term() { return term; }
        byte[] key() { return key; }
        public Instant installTime() { return installTime; }

        @Override
        public String toString() {
            return "Term[" + term + ", installed " + installTime + ", key=<redacted>]";
        }
    }

    private final List<Term> terms;

    public Keyring(List<Term> terms) {
        if (terms.isEmpty()) throw new IllegalArgumentException("a keyring needs at least one term");
        List<Term> sorted = new ArrayList<>(terms);
        sorted.sort((a, b) -> Integer.compare(a.term(), b.term()));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).term() == sorted.get(i - 1).term()) throw new IllegalArgumentException("duplicate term " + sorted.get(i).term());
        }
        this.terms = Collections.unmodifiableList(sorted);
    }

    public Term active() {
        return terms.get(terms.size() - 1);
    }

    public Optional<Term> term(int n) {
        for (Term t : terms) if (t.term() == n) return Optional.of(t);
        return Optional.empty();
    }

    public List<Term> terms() {
        return terms;
    }

    /** A new keyring with one more term (active from now on). */
    public Keyring withNewTerm(byte[] key, Instant now) {
        List<Term> next = new ArrayList<>(terms);
        next.add(new Term(active().term() + 1, key, now));
        return new Keyring(next);
    }

    /** Overwrites the key bytes held by this ring (used on seal). */
    void wipe() {
        for (Term t : terms) java.util.Arrays.fill(t.key(), (byte) 0);
    }

    @Override
    public String toString() {
        return "Keyring[terms=" + terms.size() + ", active=" + active().term() + "]";
    }
}
