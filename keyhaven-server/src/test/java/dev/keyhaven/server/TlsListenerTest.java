package dev.keyhaven.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A TLS listener serves HTTPS with the configured PEM certificate and key (generated at test time). */
class TlsListenerTest {
    @TempDir
    Path dir;

    @Test
    void tlsListenerServesHttps() throws Exception {
        char[] pass = UUID.randomUUID().toString().toCharArray(); // throwaway keystore password
        Path p12 = dir.resolve("ks.p12");
        Process kt = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "srv",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass", new String(pass), "-keypass", new String(pass))
                .redirectErrorStream(true).start();
        kt.getInputStream().readAllBytes();
        assertThat(kt.waitFor()).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(p12.toFile())) {
            ks.load(in, pass);
        }
        Key key = ks.getKey("srv", pass);
        Certificate cert = ks.getCertificate("srv");
        Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", key.getEncoded()));
        Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", cert.getEncoded()));

        KeyhavenServer server = TestServers.withConfig(dir, "storage \"sqlite\" { path = \"%DIR%/k.db\" }\n"
                + "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_cert_file = \"%DIR%/cert.pem\"\n  tls_key_file = \"%DIR%/key.pem\"\n}\n");
        try {
            assertThat(server.url()).startsWith("https://");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("srv", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            HttpClient client = HttpClient.newBuilder().sslContext(ctx).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/sys/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(501); // not initialized yet
            assertThat(r.body()).contains("\"initialized\":false");
            // plain HTTP to the TLS port does not get an answer from the API
            assertThatThrownBy(() -> new Http(server.url().replace("https://", "http://")).get("/v1/sys/health")).isInstanceOf(RuntimeException.class);
        } finally {
            server.stop();
        }
    }

    @Test
    void missingCertificateFileIsOneLine() {
        assertThatThrownBy(() -> TestServers.withConfig(dir, "storage \"sqlite\" { path = \"%DIR%/k.db\" }\n"
                + "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_cert_file = \"%DIR%/none.pem\"\n  tls_key_file = \"%DIR%/none.key\"\n}\n"))
                .isInstanceOf(StartupException.class).hasMessageContaining("tls_cert_file").hasMessageContaining("does not exist");
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
