package dev.keyhaven.client.transit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.keyhaven.core.logical.Operation;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JwksVerifierTest {
    private final MutableClock clock = new MutableClock(Instant.now());
    private final TransitTestServer server = new TransitTestServer(clock);

    @AfterEach
    void stop() {
        server.close();
    }

    private String sign(String key, String claimsJson) {
        return (String) server.call(Operation.UPDATE, "jwt/sign/" + key, "{\"claims\":" + claimsJson + ",\"ttl\":\"10m\"}").get("token");
    }

    private JwksVerifier verifier() {
        return JwksVerifier.forTransitKey(server.address(), "transit", "issuer").clock(clock).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ed25519", "ecdsa-p256", "ecdsa-p384", "rsa-2048"})
    void verifiesTokensSignedByTheServer(String type) {
        server.call(Operation.UPDATE, "keys/issuer", "{\"type\":\"" + type + "\"}");
        server.call(Operation.UPDATE, "keys/issuer/config", "{\"jwks_published\":true}");
        VerifiedJwt jwt = verifier().verify(sign("issuer", "{\"sub\":\"svc-a\",\"scope\":[\"read\"]}"));
        assertThat(jwt.keyId()).isEqualTo("issuer:v1");
        assertThat(jwt.subject()).contains("svc-a");
        assertThat(jwt.claim("scope")).contains(List.of("read"));
    }

    @Test
    void followsRotationWithOneRefetchAndDropsTrimmedVersions() {
        server.call(Operation.UPDATE, "keys/issuer", "{\"type\":\"ecdsa-p256\"}");
        server.call(Operation.UPDATE, "keys/issuer/config", "{\"jwks_published\":true}");
        JwksVerifier v = verifier();
        String before = sign("issuer", "{\"sub\":\"a\"}");
        assertThat(v.verify(before).keyId()).isEqualTo("issuer:v1");
        assertThat(server.jwksFetches.get()).isEqualTo(1);
        v.verify(before);
        assertThat(server.jwksFetches.get()).as("cached by kid").isEqualTo(1);

        server.call(Operation.UPDATE, "keys/issuer/rotate", null);
        String after = sign("issuer", "{\"sub\":\"a\"}");
        clock.advance(Duration.ofSeconds(31));
        assertThat(v.verify(after).keyId()).isEqualTo("issuer:v2");
        assertThat(server.jwksFetches.get()).as("unknown kid fetched once").isEqualTo(2);
        assertThat(v.verify(before).keyId()).as("old version still in the ring").isEqualTo("issuer:v1");

        server.call(Operation.UPDATE, "keys/issuer/config", "{\"min_decryption_version\":2,\"min_encryption_version\":2}");
        server.call(Operation.UPDATE, "keys/issuer/trim", "{\"min_available_version\":2}");
        clock.advance(Duration.ofMinutes(5));
        JwtVerificationException e = catchThrowableOfType(() -> v.verify(before), JwtVerificationException.class);
        assertThat(e).hasMessageContaining("no key with kid issuer:v1");
        assertThat(v.verify(after).keyId()).isEqualTo("issuer:v2");
    }

    @Test
    void unknownKidsRefetchAtMostOncePerInterval() {
        server.call(Operation.UPDATE, "keys/issuer", "{\"type\":\"ed25519\"}");
        server.call(Operation.UPDATE, "keys/issuer/config", "{\"jwks_published\":true}");
        JwksVerifier v = verifier();
        String good = sign("issuer", "{}");
        v.verify(good);
        String[] parts = good.split("\\.");
        String forgedHeader = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"EdDSA\",\"kid\":\"issuer:v99\"}".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 50; i++) { // 50 s of bogus kids: one refetch once 30 s have passed, none before
            clock.advance(Duration.ofSeconds(1));
            assertThat(catchThrowableOfType(() -> v.verify(forgedHeader + "." + parts[1] + "." + parts[2]), JwtVerificationException.class)).isNotNull();
        }
        assertThat(server.jwksFetches.get()).isEqualTo(2);
    }

    @Test
    void rejectsTamperedExpiredAndAlgNoneTokens() {
        server.call(Operation.UPDATE, "keys/issuer", "{\"type\":\"rsa-2048\"}");
        server.call(Operation.UPDATE, "keys/issuer/config", "{\"jwks_published\":true}");
        JwksVerifier v = verifier();
        String token = sign("issuer", "{\"sub\":\"a\",\"admin\":false}");
        String[] p = token.split("\\.");
        String evilClaims = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"sub\":\"a\",\"admin\":true}".getBytes(StandardCharsets.UTF_8));
        assertThat(catchThrowableOfType(() -> v.verify(p[0] + "." + evilClaims + "." + p[2]), JwtVerificationException.class)).hasMessage("invalid token signature");
        String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"kid\":\"issuer:v1\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(catchThrowableOfType(() -> v.verify(none + "." + p[1] + "."), JwtVerificationException.class)).isNotNull();
        String hs = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"HS256\",\"kid\":\"issuer:v1\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(catchThrowableOfType(() -> v.verify(hs + "." + p[1] + "." + p[2]), JwtVerificationException.class)).isNotNull();
        clock.advance(Duration.ofMinutes(12));
        assertThat(catchThrowableOfType(() -> v.verify(token), JwtVerificationException.class)).hasMessage("token expired");
        assertThat(catchThrowableOfType(() -> v.verify("garbage"), JwtVerificationException.class)).isNotNull();
    }

    /** Cross-implementation: tokens signed by nimbus (independent JOSE code) against a JWKS nimbus rendered. */
    @Test
    void verifiesNimbusSignedTokensFromANimbusJwks() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        String jwks = new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString();
        AtomicInteger hits = new AtomicInteger();
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/jwks.json", ex -> {
            hits.incrementAndGet();
            byte[] b = jwks.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        http.start();
        try {
            JwksVerifier v = JwksVerifier.builder(URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/jwks.json")).clock(clock).build();
            JWTClaimsSet claims = new JWTClaimsSet.Builder().subject("nimbus").expirationTime(Date.from(clock.instant().plusSeconds(60))).build();
            for (JWSAlgorithm alg : List.of(JWSAlgorithm.RS256, JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384)) {
                SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID("rsa-1").build(), claims);
                jwt.sign(new RSASSASigner(rsa));
                assertThat(v.verify(jwt.serialize()).subject()).contains("nimbus");
            }
            SignedJWT es = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(), claims);
            es.sign(new ECDSASigner(ec));
            assertThat(v.verify(es.serialize()).algorithm()).isEqualTo("ES256");
            assertThat(hits.get()).isEqualTo(1);
        } finally {
            http.stop(0);
        }
    }

    @Test
    void serverJwksIsUnauthenticatedAndUnpublishedKeysAre404() {
        server.call(Operation.UPDATE, "keys/issuer", "{\"type\":\"ed25519\"}");
        JwksVerifier v = verifier();
        String token = sign("issuer", "{}");
        assertThat(catchThrowableOfType(() -> v.verify(token), JwtVerificationException.class)).hasMessageContaining("answered 404");
    }

    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
