package dev.keyhaven.doctor;

import dev.keyhaven.scanner.Entropy;
import dev.keyhaven.scanner.Placeholders;
import dev.keyhaven.scanner.Scanner;
import dev.keyhaven.scanner.rules.RuleSet;
import dev.keyhaven.scanner.walk.FileWalker;
import dev.keyhaven.scanner.walk.GitIgnore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The seam to keyhaven-scanner. Detection is the scanner's (built-in rule set, keyword prefilter, RE2/J, entropy
 * and placeholder filters); so are gitignore semantics ({@link GitIgnore}) and, outside git work trees, the file
 * walk ({@link FileWalker}). The doctor adds none of its own.
 */
final class ScannerBridge {
    private ScannerBridge() {}

    static SecretDetector detector() { return Holder.DETECTOR; }

    /**
     * The ignore rules that apply to {@code root}: those of the enclosing git work tree when there is one (including
     * the {@code .gitignore} files above {@code root}), otherwise the {@code .gitignore} files under {@code root}
     * read as git will once the directory is initialised. Only the repository's own files count, never the user's
     * global excludes file: KH102 judges what protects every clone, not one machine.
     */
    static GitIgnore gitIgnore(Path root) {
        Path r = root.toAbsolutePath().normalize();
        return new GitIgnore(GitIgnore.findWorkTreeRoot(r).orElse(r));
    }

    /**
     * Every regular file under {@code root} that the ignore rules keep (files git tracks are kept even when ignored),
     * relative to {@code root} with forward slashes; never enters {@code .git}, never follows symbolic links.
     */
    static List<String> walk(Path root, GitIgnore ignore) {
        Path r = root.toAbsolutePath().normalize();
        List<String> out = new ArrayList<>();
        try {
            // no size limit: the file list must name large keystores and dumps too; text reads are capped later
            new FileWalker(new FileWalker.Options(true, Long.MAX_VALUE)).walk(r, r, ignore, new FileWalker.Visitor() {
                @Override public void file(FileWalker.Entry e) { out.add(e.displayPath()); }
                @Override public void skipped(String displayPath, FileWalker.SkipReason reason) { }
            });
        } catch (IOException e) {
            throw new DoctorException("cannot walk " + root + ": " + e.getMessage());
        }
        return out;
    }

    /** Ignore status of paths relative to {@code root}, by {@code ignore} (whose root may be an ancestor). */
    static IgnoreOracle ignoreOracle(Path root, GitIgnore ignore) {
        Path r = root.toAbsolutePath().normalize();
        String prefix = r.equals(ignore.root()) ? "" : ignore.root().relativize(r).toString().replace('\\', '/') + "/";
        return (rel, dir) -> ignore.isIgnored(prefix + rel, dir);
    }

    private static final class Holder {
        static final Scanner SCANNER = new Scanner(RuleSet.builtin());
        static final SecretDetector DETECTOR = new SecretDetector() {
            @Override
            public List<Detection> scan(String path, String content) {
                List<Detection> out = new ArrayList<>();
                for (dev.keyhaven.scanner.Finding f : SCANNER.scan(path, content)) {
                    if (f.kind() == dev.keyhaven.scanner.Finding.Kind.SECRET) out.add(new Detection(f.ruleId(), f.line(), f.redacted()));
                }
                return out;
            }

            @Override
            public boolean looksLive(String keyName, String value) {
                String v = value.trim();
                if (v.isEmpty() || Placeholders.isPlaceholder(v)) return false;
                // the scanner's own rules judge the value in its usual setting: "KEY = value"
                for (dev.keyhaven.scanner.Finding f : SCANNER.scan("config.env", keyName + "=\"" + v.replace("\"", "") + "\"\n")) {
                    if (f.kind() == dev.keyhaven.scanner.Finding.Kind.SECRET) return true;
                }
                // the scanner's entropy measure for values of secret-named keys
                return v.length() >= 16 && !v.contains(" ") && Entropy.shannon(v) >= 3.5 && dev.keyhaven.doctor.checks.Names.secretish(keyName);
            }
        };
    }
}
