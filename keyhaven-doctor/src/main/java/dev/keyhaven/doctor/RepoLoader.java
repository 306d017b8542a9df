package dev.keyhaven.doctor;

import dev.keyhaven.scanner.walk.GitIgnore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds a {@link RepoContext}: the file list, the git index, the ignore oracle and the scanner bridge.
 * <ul>
 *   <li>git work tree (the root holds {@code .git}): the files git tracks plus the untracked files git does not
 *       ignore ({@code git ls-files});</li>
 *   <li>any other directory: the scanner's {@link dev.keyhaven.scanner.walk.FileWalker} with the {@code .gitignore}
 *       files that apply there (see {@link ScannerBridge#gitIgnore}).</li>
 * </ul>
 * Ignore status (KH102) is answered by the scanner's {@link GitIgnore} in both cases, so results do not depend on
 * the user's global excludes file and cost no process per probe.
 */
public final class RepoLoader {
    private RepoLoader() {}

    public static RepoContext load(Path root, LocalDate today) {
        Path r = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(r)) throw new DoctorException("not a directory: " + root);
        boolean git = Files.exists(r.resolve(".git"))
                && RepoContext.Git.run(r, "rev-parse", "--is-inside-work-tree").map(b -> new String(b, StandardCharsets.UTF_8).trim().equals("true")).orElse(false);
        GitIgnore gitIgnore = ScannerBridge.gitIgnore(r);
        Set<String> tracked = new HashSet<>();
        List<String> walked = new ArrayList<>();
        if (git) {
            RepoContext.Git.run(r, "ls-files", "-z").ifPresent(b -> split0(b, tracked));
            // untracked, not ignored files (git's own ignore semantics)
            Set<String> untracked = new HashSet<>();
            RepoContext.Git.run(r, "ls-files", "-z", "--others", "--exclude-standard").ifPresent(b -> split0(b, untracked));
            walked.addAll(tracked);
            walked.addAll(untracked);
        } else {
            walked.addAll(ScannerBridge.walk(r, gitIgnore));
        }
        return new RepoContext(r, walked, tracked, git, ScannerBridge.ignoreOracle(r, gitIgnore), ScannerBridge.detector(), today);
    }

    private static void split0(byte[] b, Set<String> into) {
        for (String s : new String(b, StandardCharsets.UTF_8).split("\0")) if (!s.isEmpty()) into.add(s);
    }
}
