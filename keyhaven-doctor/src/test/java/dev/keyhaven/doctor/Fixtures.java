package dev.keyhaven.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds fixture repositories in temp dirs; credential-shaped values are generated here at test time. */
final class Fixtures {
    private static final SecureRandom R = new SecureRandom();
    private static final String AZ = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private Fixtures() {}

    static String rand(String alphabet, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(alphabet.charAt(R.nextInt(alphabet.length())));
        return sb.toString();
    }

    static String awsKeyId() { return "AKIA" + rand(AZ, 16); }
    static String githubToken() { return "gh" + "p_" + rand(ALNUM, 36); }
    static String randomSecret() { return rand(ALNUM, 32); }

    static String pem() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(256);
            byte[] der = g.generateKeyPair().getPrivate().getEncoded();
            String b64 = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
            String label = "PRIVATE" + " KEY";
            return "-----BEGIN " + label + "-----\n" + b64 + "\n-----END " + label + "-----\n";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> files(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    static Path write(Path dir, Map<String, String> files, boolean git) throws IOException {
        Files.createDirectories(dir);
        for (var e : files.entrySet()) {
            Path p = dir.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, e.getValue());
        }
        if (git) {
            run(dir, "git", "init", "-q");
            run(dir, "git", "add", "-A", "-f");
            run(dir, "git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "fixture", "--allow-empty");
        }
        return dir;
    }

    static void run(Path dir, String... cmd) throws IOException {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
