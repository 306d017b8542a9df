package dev.keyhaven.doctor.suppress;

import dev.keyhaven.doctor.DoctorException;
import dev.keyhaven.doctor.Finding;
import dev.keyhaven.doctor.Location;
import dev.keyhaven.doctor.RepoContext;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * Suppressions with a mandatory reason and an optional expiry:
 * <ul>
 *   <li>inline, in a comment on the finding's line or the line above:
 *       <pre>
 *       # keyhaven: ignore[KH201,KH205] reason: build-only image until: 2027-01-01
 *       </pre></li>
 *   <li>in {@code .keyhaven/doctor.toml}: {@code [[suppress]] id = "KH205" path = "docker/**" reason = "…" until = "2027-01-01"}</li>
 * </ul>
 * A suppression without a reason, or past its expiry, suppresses nothing and is reported by KH304.
 */
public final class Suppressions {
    public static final String CONFIG = ".keyhaven/doctor.toml";

    private static final Pattern INLINE = Pattern.compile(
            "keyhaven:\\s*ignore\\[([A-Za-z0-9_,\\s-]*)]\\s*(?:reason:\\s*(.*?))?\\s*(?:until:\\s*(\\S+))?\\s*(?:-->|\\*/)?\\s*$");
    /** Other tools' markers; they need some explanatory text after the marker. */
    private static final Pattern FOREIGN = Pattern.compile(
            "(gitleaks:allow|pragma:\\s*allowlist[ -]secret|#\\s*nosec\\b|zizmor:\\s*ignore(\\[[^]]*])?|keyhaven:allow|trufflehog:ignore|nosemgrep(:\\s*[\\w.,-]+)?)(.*)$");

    /** One usable or unusable suppression. */
    public record Rule(List<String> ids, String pathGlob, int line, String reason, Optional<LocalDate> until, Location declaredAt) {
        boolean valid(LocalDate today) { return !reason.isBlank() && until.map(u -> !u.isBefore(today)).orElse(true); }
    }

    /** A suppression that does not count (no reason, expired, malformed). */
    public record Problem(Location location, String message) {}

    private final List<Rule> rules;

    private Suppressions(List<Rule> rules) { this.rules = rules; }

    public static Suppressions load(RepoContext ctx) {
        return ctx.memo("suppressions", () -> {
            List<Rule> rules = new ArrayList<>();
            List<Problem> problems = new ArrayList<>();
            readConfig(ctx, rules, problems);
            scanInline(ctx, rules, problems);
            ctx.memo("suppression-problems", () -> List.copyOf(problems));
            return new Suppressions(List.copyOf(rules));
        });
    }

    public static List<Problem> problems(RepoContext ctx) {
        load(ctx);
        return ctx.memo("suppression-problems", List::<Problem>of);
    }

    /** The valid rule that suppresses this finding, if any. */
    public Optional<Rule> match(Finding f, LocalDate today) {
        for (Rule r : rules) {
            if (!r.valid(today) || !r.ids.contains(f.checkId())) continue;
            if (r.pathGlob != null) {
                if (globMatches(r.pathGlob, f.location().path())) return Optional.of(r);
            } else if (r.declaredAt.path().equals(f.location().path())) {
                int l = f.location().line();
                if (l == r.line || l == r.line + 1 || l == 0) return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    static boolean globMatches(String glob, String path) {
        if (glob.equals("*") || glob.equals("**")) return true;
        StringBuilder sb = new StringBuilder("^");
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') { sb.append(".*"); i++; } else sb.append("[^/]*");
            } else if (c == '?') sb.append("[^/]");
            else sb.append(Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(sb + "(/.*)?$").matcher(path).matches();
    }

    private static void readConfig(RepoContext ctx, List<Rule> rules, List<Problem> problems) {
        Optional<String> text = ctx.text(CONFIG);
        if (text.isEmpty()) return;
        TomlParseResult toml = Toml.parse(text.get());
        if (toml.hasErrors()) {
            var e = toml.errors().get(0);
            throw new DoctorException(CONFIG + ":" + e.position().line() + ": " + e.getMessage());
        }
        TomlArray arr = toml.getArray("suppress");
        if (arr == null) return;
        for (int i = 0; i < arr.size(); i++) {
            TomlTable t = arr.getTable(i);
            int line = t.inputPositionOf("id") == null ? 1 : t.inputPositionOf("id").line();
            Location at = new Location(CONFIG, line);
            List<String> ids = new ArrayList<>();
            Object id = t.get("id");
            if (id instanceof String s) ids.add(s.trim().toUpperCase(Locale.ROOT));
            else if (id instanceof TomlArray a) for (int k = 0; k < a.size(); k++) ids.add(String.valueOf(a.get(k)).trim().toUpperCase(Locale.ROOT));
            String reason = Optional.ofNullable(t.getString("reason")).orElse("").trim();
            String path = Optional.ofNullable(t.getString("path")).orElse("**");
            Optional<LocalDate> until = parseDate(t.get("until"), at, problems);
            if (ids.isEmpty()) { problems.add(new Problem(at, "suppression without an 'id'")); continue; }
            Rule r = new Rule(List.copyOf(ids), path, line, reason, until, at);
            report(r, ctx.today(), problems);
            rules.add(r);
        }
    }

    private static Optional<LocalDate> parseDate(Object v, Location at, List<Problem> problems) {
        if (v == null) return Optional.empty();
        if (v instanceof LocalDate d) return Optional.of(d);
        try {
            return Optional.of(LocalDate.parse(String.valueOf(v).trim()));
        } catch (DateTimeParseException e) {
            problems.add(new Problem(at, "suppression 'until' is not a date (YYYY-MM-DD); it never expires until fixed"));
            return Optional.empty();
        }
    }

    private static void report(Rule r, LocalDate today, List<Problem> problems) {
        if (r.reason.isBlank()) problems.add(new Problem(r.declaredAt, "suppression of " + r.ids + " has no reason, so it does not apply"));
        else if (r.until.isPresent() && r.until.get().isBefore(today)) problems.add(new Problem(r.declaredAt, "suppression of " + r.ids + " expired on " + r.until.get() + " and no longer applies"));
    }

    private static void scanInline(RepoContext ctx, List<Rule> rules, List<Problem> problems) {
        List<String> files = ctx.files();
        List<List<Object>> perFile = files.parallelStream().map(f -> {
            List<Object> found = new ArrayList<>();
            if (f.equals(CONFIG)) return found;
            Optional<String> text = ctx.text(f);
            if (text.isEmpty()) return found;
            String t = text.get();
            if (t.indexOf("keyhaven:") < 0 && t.indexOf("gitleaks:allow") < 0 && t.indexOf("allowlist") < 0 && t.indexOf("nosec") < 0
                    && t.indexOf("zizmor") < 0 && t.indexOf("trufflehog:ignore") < 0 && t.indexOf("nosemgrep") < 0) return found;
            String[] lines = t.split("\r?\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String l = lines[i];
                int c = commentStart(l);
                if (c < 0) continue;
                String comment = l.substring(c);
                Location at = new Location(f, i + 1);
                Matcher m = INLINE.matcher(comment);
                if (m.find()) {
                    List<String> ids = new ArrayList<>();
                    for (String id : m.group(1).split("[,\\s]+")) if (!id.isBlank()) ids.add(id.trim().toUpperCase(Locale.ROOT));
                    List<Problem> ps = new ArrayList<>();
                    Optional<LocalDate> until = m.group(3) == null ? Optional.empty() : parseDate(m.group(3), at, ps);
                    Rule r = new Rule(List.copyOf(ids), null, i + 1, m.group(2) == null ? "" : m.group(2).trim(), until, at);
                    report(r, ctx.today(), ps);
                    found.add(r);
                    found.addAll(ps);
                    continue;
                }
                Matcher fm = FOREIGN.matcher(comment);
                if (fm.find()) {
                    String rest = fm.group(fm.groupCount()).replaceAll("^[\\s:,;\\-–—]+", "").replaceAll("(-->|\\*/)\\s*$", "").trim();
                    if (rest.replaceAll("[^A-Za-z]", "").length() < 4) {
                        found.add(new Problem(at, "'" + fm.group(1).trim() + "' suppression without a reason"));
                    }
                }
            }
            return found;
        }).toList();
        for (List<Object> l : perFile) {
            for (Object o : l) {
                if (o instanceof Rule r) rules.add(r);
                else if (o instanceof Problem p) problems.add(p);
            }
        }
    }

    /** Index where a comment starts on the line ('#', '//', '/*', '<!--', '--'), outside quotes; -1 if none. */
    static int commentStart(String l) {
        char q = 0;
        for (int i = 0; i < l.length(); i++) {
            char c = l.charAt(i);
            if (q != 0) {
                if (c == '\\') { i++; continue; }
                if (c == q) q = 0;
                continue;
            }
            if (c == '"' || c == '\'' || c == '`') { q = c; continue; }
            if (c == '#' && (i == 0 || Character.isWhitespace(l.charAt(i - 1)))) return i;
            if (l.startsWith("//", i) || l.startsWith("/*", i) || l.startsWith("<!--", i)) return i;
            if (l.startsWith("--", i) && (i == 0 || Character.isWhitespace(l.charAt(i - 1))) && i + 2 < l.length() && l.charAt(i + 2) == ' ') return i;
        }
        return -1;
    }
}
