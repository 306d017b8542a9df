package dev.keyhaven.server;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Runs {@link ServerMain} as a real child JVM (classpath of this test run), so it can be killed with SIGKILL. */
final class ChildServer {
    final Process process;
    final List<String> output = new CopyOnWriteArrayList<>();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private final Thread reader;

    private ChildServer(Process p) {
        this.process = p;
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // process gone
            }
        }, "child-output");
        t.setDaemon(true);
        t.start();
        this.reader = t;
    }

    static ChildServer start(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ServerMain.class.getName());
        cmd.addAll(List.of(args));
        try {
            return new ChildServer(new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start());
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** Waits for the banner line naming the bound address and returns the base URL. */
    String awaitUrl() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(200, TimeUnit.MILLISECONDS);
            if (line != null && line.contains("Listening on: ")) return line.substring(line.indexOf("Listening on: ") + 14).trim();
            if (line == null && !process.isAlive()) throw new IllegalStateException("server exited: " + output);
        }
        throw new IllegalStateException("server did not start: " + output);
    }

    int waitFor() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("child did not exit");
        }
        reader.join(10000); // all output consumed
        return process.exitValue();
    }

    String allOutput() throws InterruptedException {
        Thread.sleep(0);
        return String.join("\n", output);
    }
}
