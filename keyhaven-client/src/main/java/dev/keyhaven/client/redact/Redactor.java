package dev.keyhaven.client.redact;

import dev.keyhaven.client.Secret;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secret values in text before it reaches a log. It knows two things:
 * <ul>
 *   <li>every value registered with {@link #add(Secret)} ({@link dev.keyhaven.client.SecretsManager} registers
 *       each value it loads, and the tokens it uses, with {@link #global()} unless configured otherwise);</li>
 *   <li>common credential shapes, masked even if never loaded: Vault/Keyhaven tokens ({@code hvs.}, {@code hvb.},
 *       {@code hvr.}), GitHub tokens ({@code ghp_} and friends, {@code github_pat_}), AWS access key ids
 *       ({@code AKIA…}, {@code ASIA…}), Slack tokens ({@code xox?-}), JSON Web Tokens, PEM private key blocks,
 *       and the value after {@code Authorization: Bearer} / {@code X-Vault-Token:}.</li>
 * </ul>
 * Each occurrence becomes {@code ****}. Values shorter than {@value #MINIMUM_LENGTH} characters are
 * <em>not</em> registered: masking every {@code "1"} or {@code "on"} in every log line would destroy logs
 * while protecting nothing (such a value has no secrecy to protect). For a multi-line value (a PEM key)
 * each of its lines of 8 characters or more is registered too, so a key logged line by line is masked.
 *
 * <p>Thread-safe; {@link #redact(String)} takes no lock.
 */
public final class Redactor {

    /** Values shorter than this are not masked; see the class comment. */
    public static final int MINIMUM_LENGTH = 4;

    /** What a masked value is replaced with. */
    public static final String MASK = "****";

    private static final Redactor GLOBAL = new Redactor(true);

    private static final List<Pattern> SHAPES = List.of(
            Pattern.compile("-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\\s\\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|\\z)"),
            Pattern.compile("(?i)(authorization[\"']?\\s*[:=]\\s*[\"']?bearer\\s+)[A-Za-z0-9._~+/=-]+"),
            Pattern.compile("(?i)(x-vault-token[\"']?\\s*[:=]\\s*[\"']?)[A-Za-z0-9._~+/=-]+"),
            Pattern.compile("\\bhv[sbr]\\.[A-Za-z0-9_-]{20,}"),
            Pattern.compile("\\bgh[pousr]_[A-Za-z0-9]{30,}"),
            Pattern.compile("\\bgithub_pat_[A-Za-z0-9_]{22,}"),
            Pattern.compile("\\b(?:AKIA|ASIA)[A-Z0-9]{16}\\b"),
            Pattern.compile("\\bxox[abposr]-[A-Za-z0-9-]{10,}"),
            Pattern.compile("\\beyJ[A-Za-z0-9_-]{4,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*"));

    private final boolean shapes;
    private final Object lock = new Object();
    private volatile String[] values = new String[0];

    private Redactor(boolean shapes) {
        this.shapes = shapes;
    }

    /** The process-wide redactor used by the logging integrations and, by default, by every SecretsManager. */
    public static Redactor global() {
        return GLOBAL;
    }

    /** A new redactor with the credential shapes and no registered values. */
    public static Redactor create() {
        return new Redactor(true);
    }

    /** A new redactor that masks only registered values (no credential shapes). */
    public static Redactor valuesOnly() {
        return new Redactor(false);
    }

    /** Registers a value to mask. Values shorter than {@value #MINIMUM_LENGTH} characters are ignored. */
    public void add(Secret secret) {
        Objects.requireNonNull(secret, "secret");
        addAll(List.of(secret.reveal()));
    }

    /** Registers several values at once. */
    public void addAll(Iterable<Secret> secrets) {
        List<String> plain = new ArrayList<>();
        for (Secret s : secrets) {
            plain.add(s.reveal());
        }
        addAll(plain);
    }

    private void addAll(List<String> plain) {
        List<String> candidates = new ArrayList<>();
        for (String v : plain) {
            if (v.length() >= MINIMUM_LENGTH) {
                candidates.add(v);
            }
            if (v.indexOf('\n') >= 0) {
                for (String line : v.split("\r?\n")) {
                    String t = line.strip();
                    if (t.length() >= 8) {
                        candidates.add(t);
                    }
                }
            }
        }
        if (candidates.isEmpty()) {
            return;
        }
        synchronized (lock) {
            Set<String> all = new java.util.HashSet<>(Arrays.asList(values));
            if (!all.addAll(candidates)) {
                return;
            }
            String[] next = all.toArray(String[]::new);
            // longest first, so a value containing another is masked whole
            Arrays.sort(next, Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
            values = next;
        }
    }

    /** Forgets every registered value (the credential shapes stay). */
    public void clear() {
        synchronized (lock) {
            values = new String[0];
        }
    }

    /** How many distinct values are registered. */
    public int size() {
        return values.length;
    }

    /** {@code text} with every registered value and credential shape replaced by {@value #MASK}. */
    public String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        for (String v : values) {
            if (out.contains(v)) {
                out = out.replace(v, MASK);
            }
        }
        if (shapes) {
            for (Pattern p : SHAPES) {
                Matcher m = p.matcher(out);
                if (m.find()) {
                    out = m.replaceAll(r -> Matcher.quoteReplacement(
                            (r.groupCount() >= 1 && r.group(1) != null ? r.group(1) : "") + MASK));
                }
            }
        }
        return out;
    }

    /** True when {@link #redact(String)} would change {@code text}. */
    public boolean containsSecret(String text) {
        return text != null && !text.equals(redact(text));
    }

    /**
     * A copy of {@code t} whose messages (and those of its causes and suppressed exceptions) are redacted. The
     * copy is a {@link RedactedThrowable} that prints the original class name and keeps the original stack
     * traces. Returns {@code t} itself when nothing in it needs masking.
     */
    public Throwable redact(Throwable t) {
        if (t == null || !needsRedaction(t, Collections.newSetFromMap(new IdentityHashMap<>()))) {
            return t;
        }
        return copy(t, new IdentityHashMap<>());
    }

    private boolean needsRedaction(Throwable t, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return false;
        }
        if (containsSecret(t.getMessage()) || containsSecret(t.getLocalizedMessage())) {
            return true;
        }
        for (Throwable s : t.getSuppressed()) {
            if (needsRedaction(s, seen)) {
                return true;
            }
        }
        return needsRedaction(t.getCause(), seen);
    }

    private RedactedThrowable copy(Throwable t, Map<Throwable, RedactedThrowable> seen) {
        RedactedThrowable done = seen.get(t);
        if (done != null) {
            return done;
        }
        String className = t instanceof RedactedThrowable r ? r.originalClassName() : t.getClass().getName();
        RedactedThrowable c = new RedactedThrowable(className, redact(t.getMessage()));
        seen.put(t, c);
        c.setStackTrace(t.getStackTrace());
        if (t.getCause() != null) {
            c.initCause(copy(t.getCause(), seen));
        }
        for (Throwable s : t.getSuppressed()) {
            c.addSuppressed(copy(s, seen));
        }
        return c;
    }
}
