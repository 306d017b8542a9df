package dev.keyhaven.core.auth.jwt;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JWKS fetched over HTTPS, either from {@code jwks_url} or from the {@code jwks_uri} of an OIDC discovery
 * document. Keys are cached and refreshed after {@link #MAX_AGE}; a token whose {@code kid} is unknown triggers a
 * refetch at most once per {@link #MIN_REFETCH}; when a fetch fails, the last good set stays in use.
 */
final class RemoteKeySet implements KeySet {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteKeySet.class);
    static final Duration MAX_AGE = Duration.ofHours(1);
    static final Duration MIN_REFETCH = Duration.ofSeconds(30);

    private final HttpClient client;
    private final Clock clock;
    private final URI jwksUrl; // null when discovery is used
    private final URI discoveryBase; // the issuer URL (no .well-known suffix)
    private URI resolvedJwks;
    private JWKSet current;
    private Instant fetchedAt = Instant.MIN;
    private Instant lastAttempt = Instant.MIN;
    private String lastError = "";
    private Instant lastKidRefetch = Instant.MIN;

    private RemoteKeySet(HttpClient client, Clock clock, URI jwksUrl, URI discoveryBase) {
        this.client = client;
        this.clock = clock;
        this.jwksUrl = jwksUrl;
        this.discoveryBase = discoveryBase;
    }

    static RemoteKeySet jwks(String url, String caPem, Clock clock) throws Https.FetchException {
        return new RemoteKeySet(Https.client(caPem), clock, Https.checkUrl(url), null);
    }

    static RemoteKeySet discovery(String issuerUrl, String caPem, Clock clock) throws Https.FetchException {
        return new RemoteKeySet(Https.client(caPem), clock, null, Https.checkUrl(issuerUrl));
    }

    /** Fetches now (used when the config is written, to refuse an unusable key source). */
    synchronized void checkNow() throws Https.FetchException {
        fetch();
    }

    /** How many fetches reached the network; for tests of the refetch rate limit. */
    private int fetches;

    synchronized int fetchCount() {
        return fetches;
    }

    private void fetch() throws Https.FetchException {
        lastAttempt = clock.instant();
        fetches++;
        URI target = jwksUrl != null ? jwksUrl : resolveDiscovery();
        byte[] body = Https.get(client, target);
        JWKSet set;
        try {
            set = JWKSet.parse(new String(body, StandardCharsets.UTF_8));
        } catch (java.text.ParseException | RuntimeException e) {
            throw new Https.FetchException("the JWKS at " + Https.hostOf(target) + " is not a valid JSON Web Key Set");
        }
        int usable = 0;
        for (JWK k : set.getKeys()) if (KeySet.publicKey(k) != null) usable++;
        if (usable == 0) throw new Https.FetchException("the JWKS at " + Https.hostOf(target) + " holds no usable signature keys");
        current = set;
        fetchedAt = clock.instant();
    }

    private URI resolveDiscovery() throws Https.FetchException {
        if (resolvedJwks != null) return resolvedJwks;
        Map<String, Object> m = Https.discovery(client, discoveryBase.toString());
        Object ju = m.get("jwks_uri");
        if (!(ju instanceof String jwksUri) || jwksUri.isBlank()) throw new Https.FetchException("the discovery document has no jwks_uri");
        resolvedJwks = Https.checkUrl(jwksUri);
        return resolvedJwks;
    }

    @Override
    public void verify(JWSObject jws) throws VerifyException {
        String kid = jws.getHeader().getKeyID();
        List<PublicKey> candidates = candidates(kid);
        for (PublicKey k : candidates) if (KeySet.verifyWith(k, jws)) return;
        throw new VerifyException("failed to verify id token signature", false);
    }

    private synchronized List<PublicKey> candidates(String kid) throws VerifyException {
        Instant now = clock.instant();
        boolean stale = current == null || Duration.between(fetchedAt, now).compareTo(MAX_AGE) >= 0;
        boolean unknownKid = current != null && kid != null && current.getKeyByKeyId(kid) == null;
        boolean retryAllowed = Duration.between(lastAttempt, now).compareTo(MIN_REFETCH) >= 0;
        boolean kidRefetchAllowed = Duration.between(lastKidRefetch, now).compareTo(MIN_REFETCH) >= 0;
        if ((stale && retryAllowed) || (!stale && unknownKid && kidRefetchAllowed)) {
            if (unknownKid) lastKidRefetch = now;
            try {
                fetch();
                lastError = "";
            } catch (Https.FetchException e) {
                lastError = e.getMessage();
                if (current != null) LOG.warn("JWKS refresh failed, keeping the last good key set: {}", e.getMessage());
            }
        }
        if (current == null) throw new VerifyException("fetching keys failed: " + (lastError.isEmpty() ? "no keys yet" : lastError), true);
        List<PublicKey> out = new ArrayList<>();
        for (JWK k : current.getKeys()) {
            if (kid != null && k.getKeyID() != null && !kid.equals(k.getKeyID())) continue;
            PublicKey pk = KeySet.publicKey(k);
            if (pk != null) out.add(pk);
        }
        return out;
    }
}
