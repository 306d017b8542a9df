package dev.keyhaven.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client that never finishes its request is disconnected after http_read_timeout (slowloris protection). */
class ReadTimeoutTest {
    @TempDir
    Path dir;

    @Test
    void incompleteRequestIsClosedAfterTheReadTimeout() throws Exception {
        KeyhavenServer server = TestServers.withConfig(dir, "storage \"sqlite\" { path = \"%DIR%/k.db\" }\n"
                + "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n  http_read_timeout = \"1s\"\n}\n");
        try (Socket s = new Socket("127.0.0.1", server.addresses().get(0).getPort())) {
            s.setSoTimeout(30000); // far above the server's timeout: the server must close first
            OutputStream out = s.getOutputStream();
            out.write("GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            long start = System.nanoTime();
            InputStream in = s.getInputStream();
            assertThat(in.read()).as("server closed the connection").isEqualTo(-1);
            assertThat((System.nanoTime() - start) / 1_000_000_000.0).isLessThan(29);
            // the server still serves complete requests
            assertThat(new Http(server.url()).get("/v1/sys/health").status()).isEqualTo(501);
        } finally {
            server.stop();
        }
    }
}
