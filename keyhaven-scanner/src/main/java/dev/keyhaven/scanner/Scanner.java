package dev.keyhaven.scanner;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.keyhaven.scanner.rules.AhoCorasick;
import dev.keyhaven.scanner.rules.Allowlist;
import dev.keyhaven.scanner.rules.Rule;
import dev.keyhaven.scanner.rules.RuleSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Detects secrets in one piece of content. Thread-safe and reusable: build one per rule set and call
 * {@link #scan(String, byte[])} from many threads.
 *
 * <p>The loop: one Aho-Corasick pass over the bytes finds every rule keyword (case-insensitive); each hit opens a
 * window (the hit's line, clipped to {@value #WINDOW} bytes either side, or a larger forward window for multi-line
 * rules) for the rules owning that keyword; overlapping windows merge; RE2/J runs only inside windows. Candidates
 * then pass the entropy floor, checksum/structure validation, inline allow comments, allowlists and the placeholder
 * check. Cost does not grow with the number of rules whose keywords are absent, and RE2/J is linear time.
 */
public final class Scanner {
    /** Bytes either side of a keyword hit that a single-line rule's regex may see. */
    public static final int WINDOW = 1024;
    /** Forward bytes a multi-line rule (private key blocks) may see after its keyword. */
    public static final int MULTILINE_WINDOW = 64 * 1024;
    /** Merged windows are cut at this size so the per-rule budget can stop work part-way. */
    static final int MAX_MERGED_WINDOW = 64 * 1024;
    /**
     * At most this many bytes of regex work per rule per file: keeps adversarial input (megabytes of one keyword)
     * bounded; real files come nowhere near it.
     */
    public static final int REGEX_BUDGET_PER_RULE = 2 * 1024 * 1024;

    /** Options of a scan. */
    public record Options(boolean reportPlaceholders) {
        public static Options defaults() {
            return new Options(false);
        }
    }

    private final RuleSet ruleSet;
    private final Options options;
    private final Rule[] rules;
    private final AhoCorasick prefilter;
    /** keyword index → rule indexes */
    private final int[][] rulesOfKeyword;
    /** rules with a regex and no keyword: run on the whole content */
    private final int[] alwaysRules;
    /** rules with a path and no regex: the file itself is the finding */
    private final int[] pathOnlyRules;
    /** specific rules with a checksum/structure validator: a generic match of their shape is a look-alike */
    private final Rule[] validatedRules;
    /**
     * Each thread gets its own compiled patterns: an RE2/J Pattern shares a synchronized cache of matching machines,
     * which serialises threads that use the same Pattern.
     */
    private final ThreadLocal<Pattern[]> patterns;

    public Scanner(RuleSet ruleSet) {
        this(ruleSet, Options.defaults());
    }

    public Scanner(RuleSet ruleSet, Options options) {
        this.ruleSet = ruleSet;
        this.options = options;
        this.rules = ruleSet.rules().toArray(new Rule[0]);
        Map<String, List<Integer>> byKeyword = new LinkedHashMap<>();
        List<Integer> always = new ArrayList<>();
        List<Integer> pathOnly = new ArrayList<>();
        for (int i = 0; i < rules.length; i++) {
            Rule r = rules[i];
            if (r.regex().isEmpty()) {
                pathOnly.add(i);
            } else if (r.keywords().isEmpty()) {
                always.add(i);
            } else {
                for (String k : r.keywords()) {
                    byKeyword.computeIfAbsent(k, x -> new ArrayList<>()).add(i);
                }
            }
        }
        List<String> keywords = new ArrayList<>(byKeyword.keySet());
        this.prefilter = new AhoCorasick(keywords);
        this.rulesOfKeyword = new int[keywords.size()][];
        for (int k = 0; k < keywords.size(); k++) {
            rulesOfKeyword[k] = byKeyword.get(keywords.get(k)).stream().distinct().mapToInt(Integer::intValue).toArray();
        }
        this.alwaysRules = always.stream().mapToInt(Integer::intValue).toArray();
        this.pathOnlyRules = pathOnly.stream().mapToInt(Integer::intValue).toArray();
        this.patterns = ThreadLocal.withInitial(() -> {
            Pattern[] ps = new Pattern[rules.length];
            for (int i = 0; i < rules.length; i++) {
                Pattern p = rules[i].regex().orElse(null);
                ps[i] = p == null ? null : Pattern.compile(p.pattern(), p.flags());
            }
            return ps;
        });
        this.validatedRules = ruleSet.rules().stream()
                .filter(r -> r.validator().isPresent() && r.regex().isPresent() && !r.tags().contains("generic"))
                .toArray(Rule[]::new);
    }

    public RuleSet ruleSet() {
        return ruleSet;
    }

    public Options options() {
        return options;
    }

    /** True when a global allowlist excludes this path entirely. */
    public boolean isPathAllowed(String path) {
        for (Allowlist a : ruleSet.allowlists()) {
            if (a.allowsPath(path)) {
                return true;
            }
        }
        return false;
    }

    public List<Finding> scan(String path, String content) {
        return scan(path, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Scans {@code content} (treated as UTF-8 text) found at {@code path} (slash-separated, relative). */
    public List<Finding> scan(String path, byte[] content) {
        if (isPathAllowed(path)) {
            return List.of();
        }
        List<Candidate> candidates = new ArrayList<>();
        for (int ri : pathOnlyRules) {
            Rule r = rules[ri];
            if (r.path().get().matcher(path).find() && !ruleAllowsPath(r, path)) {
                candidates.add(new Candidate(r, 0, 0, ""));
            }
        }
        if (content.length > 0) {
            Windows windows = new Windows(rules.length, content);
            prefilter.scan(content, 0, content.length, (kw, end) -> {
                int start = end - prefilter.keywordLength(kw);
                for (int ri : rulesOfKeyword[kw]) {
                    if (rules[ri].keywordAnchored()) {
                        windows.addAnchor(ri, start);
                    } else {
                        windows.add(ri, start, rules[ri].multiline());
                    }
                }
            });
            for (int ri : alwaysRules) {
                windows.addWhole(ri);
            }
            Set<Long> seen = new HashSet<>();
            Pattern[] compiled = null;
            for (int ri = 0; ri < rules.length; ri++) {
                List<int[]> ws = windows.of(ri);
                if (ws == null) {
                    continue;
                }
                Rule r = rules[ri];
                if (r.path().isPresent() && !r.path().get().matcher(path).find()) {
                    continue;
                }
                if (ruleAllowsPath(r, path)) {
                    continue;
                }
                if (compiled == null) {
                    compiled = patterns.get();
                }
                Pattern p = compiled[ri];
                long budget = REGEX_BUDGET_PER_RULE;
                for (int[] w : ws) {
                    int end = w[1];
                    if (r.keywordAnchored()) {
                        end = lineEnd(content, w[0], WINDOW); // w = {hit, hit}: try the regex anchored at the hit
                    }
                    matchWindow(r, ri, p, content, w[0], end, seen, candidates, r.keywordAnchored());
                    budget -= end - w[0];
                    if (budget <= 0) {
                        break;
                    }
                }
            }
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        candidates.sort(Comparator.comparingInt(Candidate::start));
        dropGenericOverlaps(candidates);
        List<Finding> out = new ArrayList<>();
        int line = 1;
        int col = 1;
        int pos = 0;
        for (Candidate c : candidates) {
            for (; pos < c.start; pos++) {
                byte b = content[pos];
                if (b == '\n') {
                    line++;
                    col = 1;
                } else if ((b & 0xC0) != 0x80) {
                    col++;
                }
            }
            Finding.Kind kind = Placeholders.isPlaceholder(c.secret) ? Finding.Kind.PLACEHOLDER : Finding.Kind.SECRET;
            if (kind == Finding.Kind.PLACEHOLDER && !options.reportPlaceholders()) {
                continue;
            }
            out.add(new Finding(c.rule.id(), c.rule.description(), c.rule.severity(), kind, path, line, col, c.secret,
                    Fingerprints.of(c.rule.id(), path, c.secret), Optional.empty()));
        }
        return out;
    }

    /** A generic rule's candidate that overlaps a specific rule's candidate is the same secret: keep the specific one. */
    private static void dropGenericOverlaps(List<Candidate> sorted) {
        if (sorted.size() < 2) {
            return;
        }
        boolean[] drop = new boolean[sorted.size()];
        for (int i = 0; i < sorted.size(); i++) {
            Candidate a = sorted.get(i);
            for (int j = i + 1; j < sorted.size() && sorted.get(j).start < a.end; j++) {
                Candidate b = sorted.get(j);
                boolean ga = a.rule.tags().contains("generic");
                boolean gb = b.rule.tags().contains("generic");
                if (ga && !gb) {
                    drop[i] = true;
                } else if (gb && !ga) {
                    drop[j] = true;
                } else if (a.start == b.start && a.end == b.end && !drop[i]) {
                    drop[j] = true; // two rules on the very same value (e.g. an imported copy of a rule): report once
                }
            }
        }
        int w = 0;
        for (int i = 0; i < sorted.size(); i++) {
            if (!drop[i]) {
                sorted.set(w++, sorted.get(i));
            }
        }
        sorted.subList(w, sorted.size()).clear();
    }

    private boolean ruleAllowsPath(Rule r, String path) {
        for (Allowlist a : r.allowlists()) {
            if (a.allowsPath(path)) {
                return true;
            }
        }
        return false;
    }

    private record Candidate(Rule rule, int start, int end, String secret) {
        @Override
        public String toString() {
            return "Candidate[" + rule.id() + " @" + start + " " + Redactor.redact(secret) + "]";
        }
    }

    private void matchWindow(Rule r, int ri, Pattern p, byte[] content, int ws, int we, Set<Long> seen,
                             List<Candidate> out, boolean anchored) {
        // ISO-8859-1 maps each byte to one char, so offsets in the window string are byte offsets.
        String window = new String(content, ws, we - ws, StandardCharsets.ISO_8859_1);
        Matcher m = p.matcher(window);
        int from = 0;
        boolean tried = false;
        while (anchored ? !tried && (tried = true) && m.lookingAt() : from <= window.length() && m.find(from)) {
            int g = secretGroup(r, m);
            int s = g < 0 ? m.start() : m.start(g);
            int e = g < 0 ? m.end() : m.end(g);
            from = m.end() > m.start() ? m.end() : m.end() + 1;
            if (e <= s) {
                continue;
            }
            int absStart = ws + s;
            int absEnd = ws + e;
            if (!seen.add(((long) ri << 32) | absStart)) {
                continue;
            }
            String secret = new String(content, absStart, absEnd - absStart, StandardCharsets.UTF_8);
            if (r.entropy() > 0 && Entropy.shannon(secret) < r.entropy()) {
                continue;
            }
            if (r.validator().isPresent() && !r.validator().get().isValid(secret)) {
                continue;
            }
            int lineStart = lineStart(content, absStart, 4096);
            int lineEnd = lineEnd(content, absEnd, 4096);
            String lineText = new String(content, lineStart, lineEnd - lineStart, StandardCharsets.UTF_8);
            if (inlineAllowed(lineText) || previousLineAllows(content, lineStart)) {
                continue;
            }
            if (r.tags().contains("generic") && looksLikeValidatedFormat(secret)) {
                continue; // e.g. a ghp_ token whose checksum failed: the specific rule already said no
            }
            String match = window.substring(m.start(), m.end());
            if (valueAllowed(r, secret, match, lineText)) {
                continue;
            }
            out.add(new Candidate(r, absStart, absEnd, secret));
        }
    }

    private boolean looksLikeValidatedFormat(String secret) {
        for (Rule v : validatedRules) {
            if (v.regex().get().matcher(secret).find()) {
                return true;
            }
        }
        return false;
    }

    private boolean valueAllowed(Rule r, String secret, String match, String line) {
        for (Allowlist a : r.allowlists()) {
            if (a.allowsValue(secret, match, line)) {
                return true;
            }
        }
        for (Allowlist a : ruleSet.allowlists()) {
            if (a.allowsValue(secret, match, line)) {
                return true;
            }
        }
        return false;
    }

    private static int secretGroup(Rule r, Matcher m) {
        if (r.secretGroup() > 0 && r.secretGroup() <= m.groupCount()) {
            return r.secretGroup();
        }
        for (int g = 1; g <= m.groupCount(); g++) {
            if (m.start(g) >= 0 && m.end(g) > m.start(g)) {
                return g;
            }
        }
        return -1;
    }

    /** keyhaven:allow, gitleaks:allow, or detect-secrets' "pragma: allowlist secret" on the line. */
    static boolean inlineAllowed(String line) {
        if (line.indexOf(':') < 0) {
            return false;
        }
        String l = line.toLowerCase(java.util.Locale.ROOT);
        return l.contains("keyhaven:allow") || l.contains("gitleaks:allow") || l.contains("pragma: allowlist secret");
    }

    private static boolean previousLineAllows(byte[] content, int lineStart) {
        if (lineStart == 0) {
            return false;
        }
        int prevEnd = lineStart - 1;
        int prevStart = lineStart(content, prevEnd, 4096);
        String prev = new String(content, prevStart, prevEnd - prevStart, StandardCharsets.UTF_8).toLowerCase(java.util.Locale.ROOT);
        return prev.contains("pragma: allowlist nextline secret") || prev.contains("keyhaven:allow-next-line");
    }

    static int lineStart(byte[] c, int pos, int limit) {
        int min = Math.max(0, pos - limit);
        int i = pos;
        while (i > min && c[i - 1] != '\n') {
            i--;
        }
        return i;
    }

    static int lineEnd(byte[] c, int pos, int limit) {
        int max = Math.min(c.length, pos + limit);
        int i = pos;
        while (i < max && c[i] != '\n') {
            i++;
        }
        return i;
    }

    /** Per-rule merged windows. */
    private static final class Windows {
        private final byte[] content;
        private final List<int[]>[] windows;
        private final int[] curEnd;

        @SuppressWarnings("unchecked")
        Windows(int nRules, byte[] content) {
            this.content = content;
            this.windows = new List[nRules];
            this.curEnd = new int[nRules];
        }

        void add(int rule, int pos, boolean multiline) {
            List<int[]> list = windows[rule];
            // already covered well past this hit?
            if (list != null && pos + 256 <= curEnd[rule] && pos >= list.get(list.size() - 1)[0]) {
                return;
            }
            int ws = lineStart(content, pos, WINDOW);
            int we = multiline ? Math.min(content.length, pos + MULTILINE_WINDOW) : lineEnd(content, pos, WINDOW);
            if (multiline) {
                ws = Math.max(0, Math.min(ws, pos - 64));
            }
            if (list == null) {
                list = new ArrayList<>(4);
                windows[rule] = list;
            }
            if (!list.isEmpty()) {
                int[] last = list.get(list.size() - 1);
                if (ws <= last[1] && last[1] - last[0] < MAX_MERGED_WINDOW) {
                    last[1] = Math.max(last[1], we);
                    curEnd[rule] = last[1];
                    return;
                }
            }
            list.add(new int[] {ws, we});
            curEnd[rule] = we;
        }

        /** For keyword-anchored rules: remember the hit itself (one entry per distinct position). */
        void addAnchor(int rule, int pos) {
            List<int[]> list = windows[rule];
            if (list == null) {
                list = new ArrayList<>(4);
                windows[rule] = list;
            } else if (list.get(list.size() - 1)[0] == pos) {
                return;
            }
            list.add(new int[] {pos, pos});
        }

        void addWhole(int rule) {
            List<int[]> list = new ArrayList<>(1);
            list.add(new int[] {0, content.length});
            windows[rule] = list;
            curEnd[rule] = content.length;
        }

        List<int[]> of(int rule) {
            return windows[rule];
        }
    }
}
