package dev.keyhaven.core.engine.transit;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.util.Json;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The application key ring on top of an asymmetric transit key: every usable version published as a JWK
 * ({@code kid = <name>:v<version>}) and compact JWS tokens signed inside the server with the version's private key,
 * so services verify with the JWKS and never hold the private key.
 */
final class KeyRing {
    static final Set<String> RSA_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512");
    private static final Set<String> PROTECTED_HEADERS = Set.of("alg", "kid", "crit", "jku", "jwk", "x5u", "x5c", "b64");

    private KeyRing() {}

    static String kid(KeyPolicy p, int version) {
        return p.name + ":v" + version;
    }

    static String algorithm(KeyPolicy p) {
        return switch (p.type) {
            case ED25519 -> "EdDSA";
            case ECDSA_P256 -> "ES256";
            case ECDSA_P384 -> "ES384";
            case ECDSA_P521 -> "ES512";
            case RSA_2048, RSA_3072, RSA_4096 -> p.jwtRsaAlgorithm;
            default -> throw KeyhavenException.badRequest("key type " + p.type + " cannot sign JWTs (an asymmetric signing key is needed)");
        };
    }

    /** The JWKS document: every version from min_decryption_version (and not trimmed) up to the latest. */
    static Map<String, Object> jwks(KeyPolicy p) {
        List<Object> keys = new ArrayList<>();
        int from = Math.max(1, Math.max(p.minDecryptionVersion, p.minAvailableVersion));
        for (KeyEntry e : p.keys.tailMap(from, true).values()) keys.add(jwk(p, e).toJSONObject());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("keys", keys);
        return doc;
    }

    static JWK jwk(KeyPolicy p, KeyEntry e) {
        String kid = kid(p, e.version());
        Algorithm alg = new Algorithm(algorithm(p));
        return switch (p.type.family()) {
            case ED25519 -> new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(Der.spkiKeyBits(e.publicKeyDer())))
                    .keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(alg).build();
            case ECDSA -> new ECKey.Builder(Curve.forStdName(p.type.curve()), (ECPublicKey) e.publicKey(p.type))
                    .keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(alg).build();
            case RSA -> new RSAKey.Builder((RSAPublicKey) e.publicKey(p.type))
                    .keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(alg).build();
            default -> throw KeyhavenException.badRequest("key type " + p.type + " has no public key to publish");
        };
    }

    /** Signs {@code claims} as a compact JWS with {@code alg}, {@code typ: JWT}, {@code kid} and extra headers. */
    static String sign(KeyPolicy p, KeyEntry e, Map<String, Object> extraHeader, Map<String, Object> claims) {
        String alg = algorithm(p);
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", alg);
        header.put("typ", "JWT");
        for (Map.Entry<String, Object> h : extraHeader.entrySet()) {
            if (PROTECTED_HEADERS.contains(h.getKey()))
                throw KeyhavenException.badRequest("header field " + h.getKey() + " is set by the server and cannot be given");
            header.put(h.getKey(), h.getValue());
        }
        header.put("kid", kid(p, e.version()));
        Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
        String signingInput = enc.encodeToString(Json.write(header)) + "." + enc.encodeToString(Json.write(claims));
        byte[] data = signingInput.getBytes(StandardCharsets.US_ASCII);
        return signingInput + "." + enc.encodeToString(signature(p, e, alg, data));
    }

    private static byte[] signature(KeyPolicy p, KeyEntry e, String alg, byte[] data) {
        try {
            if (alg.equals("EdDSA")) return jdk("Ed25519", p, e, data);
            if (alg.startsWith("ES")) return jdk("SHA" + alg.substring(2) + "withECDSAinP1363Format", p, e, data);
            if (alg.startsWith("RS")) return jdk("SHA" + alg.substring(2) + "withRSA", p, e, data);
            HashAlgorithm h = HashAlgorithm.parse("sha2-" + alg.substring(2));
            return Pss.sign((RSAPrivateKey) e.privateKey(p.type), h, h.digest(data), h.length); // RFC 7518 §3.5: salt = hash length
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("JWT signing failed", ex);
        }
    }

    private static byte[] jdk(String algorithm, KeyPolicy p, KeyEntry e, byte[] data) throws GeneralSecurityException {
        Signature s = Signature.getInstance(algorithm);
        s.initSign(e.privateKey(p.type));
        s.update(data);
        return s.sign();
    }
}
