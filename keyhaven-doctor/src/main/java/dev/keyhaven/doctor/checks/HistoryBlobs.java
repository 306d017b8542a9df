package dev.keyhaven.doctor.checks;

import dev.keyhaven.doctor.RepoContext;
import dev.keyhaven.doctor.SecretDetector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Blobs reachable from any ref but not in the working tree's HEAD, fed through the scanner's detectors. */
final class HistoryBlobs {
    private HistoryBlobs() {}

    record Hit(String path, String blob, SecretDetector.Detection detection) {}

    static List<Hit> scan(RepoContext ctx, int maxBlobs) {
        List<Hit> out = new ArrayList<>();
        if (!ctx.isGitRepo()) return out;
        Optional<byte[]> head = ctx.git("ls-tree", "-r", "HEAD");
        Set<String> current = new HashSet<>();
        head.ifPresent(b -> {
            for (String l : new String(b, StandardCharsets.UTF_8).split("\n")) {
                String[] p = l.split("\\s+", 4);
                if (p.length >= 3) current.add(p[2]);
            }
        });
        Optional<byte[]> objs = ctx.git("rev-list", "--all", "--objects");
        if (objs.isEmpty()) return out;
        Map<String, String> candidates = new LinkedHashMap<>();
        for (String l : new String(objs.get(), StandardCharsets.UTF_8).split("\n")) {
            int sp = l.indexOf(' ');
            if (sp <= 0) continue;
            String sha = l.substring(0, sp);
            String path = l.substring(sp + 1);
            if (!current.contains(sha) && !path.isEmpty()) candidates.putIfAbsent(sha, path);
            if (candidates.size() >= maxBlobs) break;
        }
        if (candidates.isEmpty()) return out;
        List<String> cmd = List.of("git", "-C", ctx.root().toString(), "cat-file", "--batch");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            Thread writer = new Thread(() -> {
                try (OutputStream os = p.getOutputStream()) {
                    for (String sha : candidates.keySet()) os.write((sha + "\n").getBytes(StandardCharsets.US_ASCII));
                } catch (IOException ignored) {
                    // reader sees EOF
                }
            });
            writer.start();
            try (InputStream in = new java.io.BufferedInputStream(p.getInputStream())) {
                while (true) {
                    String header = readLine(in);
                    if (header == null) break;
                    String[] h = header.split(" ");
                    if (h.length < 3) continue; // "<sha> missing"
                    int size = Integer.parseInt(h[2]);
                    byte[] body = in.readNBytes(size);
                    in.read(); // trailing LF
                    if (!h[1].equals("blob") || size > RepoContext.MAX_TEXT_BYTES) continue;
                    boolean binary = false;
                    for (int i = 0; i < Math.min(body.length, 8000); i++) if (body[i] == 0) { binary = true; break; }
                    if (binary) continue;
                    String path = candidates.get(h[0]);
                    for (SecretDetector.Detection d : ctx.detector().scan(path, new String(body, StandardCharsets.UTF_8))) {
                        out.add(new Hit(path, h[0], d));
                    }
                }
            }
            writer.join();
            p.waitFor();
        } catch (IOException | NumberFormatException e) {
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') b.write(c);
        if (c == -1 && b.size() == 0) return null;
        return b.toString(StandardCharsets.UTF_8);
    }
}
