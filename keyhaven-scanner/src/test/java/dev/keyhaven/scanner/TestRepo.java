package dev.keyhaven.scanner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real git repository in a temp dir, driven with the git CLI (identity set per command, never global config). */
public final class TestRepo {
    public final Path dir;
    private long clock = 1_700_000_000L;

    public TestRepo(Path dir) throws Exception {
        this.dir = dir;
        git("init", "-q", "-b", "main");
    }

    public String git(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString(), "-c", "user.name=Test Author",
                "-c", "user.email=author@example.invalid", "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("GIT_AUTHOR_DATE", clock + " +0000");
        pb.environment().put("GIT_COMMITTER_DATE", clock + " +0000");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("git " + String.join(" ", args) + ": " + out).isZero();
        return out.trim();
    }

    public void write(String rel, String content) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    /** Stages everything and commits; returns the commit sha. */
    public String commit(String message) throws Exception {
        clock += 3600;
        git("add", "-A");
        git("commit", "-q", "--allow-empty", "-m", message);
        return git("rev-parse", "HEAD");
    }
}
