package dev.keyhaven.scanner.walk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GitIgnore against git's own answer ({@code git check-ignore}) on a real repository. */
class GitIgnoreTest {
    @TempDir
    Path repo;

    @BeforeEach
    void init() throws Exception {
        git("init", "-q");
    }

    private String git(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", repo.toString(), "-c", "user.name=t", "-c", "user.email=t@example.invalid"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private void write(String rel, String content) throws IOException {
        Path p = repo.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    /** git's verdict for a path (check-ignore --no-index answers for paths that need not exist). */
    private boolean gitSaysIgnored(String rel) throws Exception {
        List<String> cmd = List.of("git", "-C", repo.toString(), "check-ignore", "-q", "--no-index", rel);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(60, TimeUnit.SECONDS);
        return p.exitValue() == 0;
    }

    @Test
    void agreesWithGitOnNegationDoubleStarAnchoringDirOnlyNestedFilesAndInfoExclude() throws Exception {
        write(".gitignore", String.join("\n",
                "# comment",
                "*.log",
                "!keep.log",
                "/root-only.txt",
                "build/",
                "docs/**/draft-*.md",
                "**/generated",
                "secret?.env",
                "cache/**",
                "!cache/readme.md",
                "tmp/*",
                "!tmp/keep/",
                "\\#hash.txt",
                "name\\ with\\ space ",
                "[abc]x.bin",
                "*.tmp   ",
                ""));
        write("sub/.gitignore", "!important.log\n/local.txt\nnested-only/\n");
        write(".git/info/exclude", "excluded-by-info\n");
        Files.createDirectories(repo.resolve("build"));
        Files.createDirectories(repo.resolve("tmp/keep"));
        Files.createDirectories(repo.resolve("sub/nested-only"));
        Files.createDirectories(repo.resolve("a/generated"));
        Files.createDirectories(repo.resolve("cache"));
        String[] paths = {
            "app.log", "keep.log", "sub/app.log", "sub/important.log", "sub/deeper/important.log",
            "root-only.txt", "sub/root-only.txt", "build", "build/out.class", "sub/build/x", "docs/draft-a.md",
            "docs/x/draft-a.md", "docs/x/y/draft-b.md", "docs/x/final.md", "a/generated", "a/generated/file.java",
            "generated", "secret1.env", "secret12.env", "cache/x.bin", "cache/readme.md", "tmp/a.txt", "tmp/keep",
            "tmp/keep/b.txt", "#hash.txt", "hash.txt", "name with space", "ax.bin", "dx.bin", "x.tmp",
            "sub/local.txt", "local.txt", "sub/nested-only", "sub/nested-only/f", "excluded-by-info", "sub/excluded-by-info",
            "src/Main.java"};
        GitIgnore gi = new GitIgnore(repo);
        List<String> disagreements = new ArrayList<>();
        for (String p : paths) {
            boolean isDir = Files.isDirectory(repo.resolve(p));
            boolean ours = gi.isIgnored(p, isDir);
            boolean theirs = gitSaysIgnored(isDir ? p + "/" : p);
            if (ours != theirs) {
                disagreements.add(p + " (git: " + theirs + ", ours: " + ours + ")");
            }
        }
        assertThat(disagreements).isEmpty();
        // a few expectations stated outright, so the test also documents the semantics
        assertThat(gi.isIgnored("keep.log", false)).isFalse();
        assertThat(gi.isIgnored("sub/important.log", false)).isFalse();
        assertThat(gi.isIgnored("docs/x/y/draft-b.md", false)).isTrue();
        assertThat(gi.isIgnored("cache/readme.md", false)).isFalse(); // cache/** ignores the contents, not the dir: re-include works
        assertThat(gi.isIgnored("build/out.class", false)).isTrue();
        assertThat(gi.isIgnored("sub/root-only.txt", false)).isFalse();
    }

    @Test
    void walkerSkipsIgnoredFilesAndDirectoriesAndTheGitDirButNoIgnoreSeesThem() throws Exception {
        write(".gitignore", "target/\n*.secret\n");
        write("src/A.java", "class A {}");
        write("target/B.class", "x");
        write("conf/app.secret", "x");
        write("conf/app.yaml", "x");
        List<String> seen = new ArrayList<>();
        FileWalker.Visitor v = new FileWalker.Visitor() {
            @Override
            public void file(FileWalker.Entry e) {
                seen.add(e.displayPath());
            }

            @Override
            public void skipped(String displayPath, FileWalker.SkipReason reason) {
            }
        };
        new FileWalker(FileWalker.Options.defaults()).walk(repo, repo, v);
        assertThat(seen).containsExactlyInAnyOrder(".gitignore", "src/A.java", "conf/app.yaml");
        seen.clear();
        new FileWalker(new FileWalker.Options(false, 1 << 20)).walk(repo, repo, v);
        assertThat(seen).contains("target/B.class", "conf/app.secret").noneMatch(s -> s.startsWith(".git/"));
    }

    @Test
    void trackedFilesAreScannedEvenWhenIgnored() throws Exception {
        write(".gitignore", ".env\nbuild/\n");
        write(".env", "x");
        write("build/forced.txt", "x");
        write("build/other.txt", "x");
        write("src/A.java", "x");
        git("add", "-f", ".env", "build/forced.txt");
        List<String> seen = new ArrayList<>();
        new FileWalker(FileWalker.Options.defaults()).walk(repo, repo, new FileWalker.Visitor() {
            @Override
            public void file(FileWalker.Entry e) {
                seen.add(e.displayPath());
            }

            @Override
            public void skipped(String displayPath, FileWalker.SkipReason reason) {
            }
        });
        assertThat(seen).containsExactlyInAnyOrder(".gitignore", ".env", "build/forced.txt", "src/A.java");
    }

    @Test
    void filesAboveTheSizeLimitAreReportedAsSkipped() throws Exception {
        write("big.txt", "a".repeat(5000));
        write("small.txt", "b");
        List<String> skipped = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        new FileWalker(new FileWalker.Options(true, 1000)).walk(repo, repo, new FileWalker.Visitor() {
            @Override
            public void file(FileWalker.Entry e) {
                seen.add(e.displayPath());
            }

            @Override
            public void skipped(String displayPath, FileWalker.SkipReason reason) {
                skipped.add(displayPath + ":" + reason);
            }
        });
        assertThat(skipped).containsExactly("big.txt:TOO_LARGE");
        assertThat(seen).containsExactly("small.txt");
    }
}
