package dev.keyhaven.core.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.Set;

/**
 * A set of verification keys (static PEM keys, or a JWKS fetched from a URL). Only asymmetric keys are ever used:
 * {@code none} and {@code HS*} tokens can never verify, so no algorithm confusion is possible.
 */
interface KeySet {
    /** Verifies the token's signature, or throws with the reason (Vault's wording, safe to show). */
    void verify(JWSObject jws) throws VerifyException;

    /** A signature or key-fetch failure. {@code keySourceDown} = keys could not be obtained at all. */
    final class VerifyException extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean keySourceDown;

        VerifyException(String message, boolean keySourceDown) {
            super(message);
            this.keySourceDown = keySourceDown;
        }
    }

    Set<JWSAlgorithm> RSA = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);
    Set<JWSAlgorithm> EC = Set.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    /** Verifies with one public key; false when the key cannot verify this algorithm or the signature is wrong. */
    static boolean verifyWith(PublicKey key, JWSObject jws) {
        JWSAlgorithm alg = jws.getHeader().getAlgorithm();
        try {
            if (key instanceof RSAPublicKey rsa && RSA.contains(alg)) return jws.verify(new RSASSAVerifier(rsa));
            if (key instanceof ECPublicKey ec && EC.contains(alg)) return jws.verify(new ECDSAVerifier(ec));
            if (JWSAlgorithm.EdDSA.equals(alg) && "Ed25519".equalsIgnoreCase(key.getAlgorithm()) || JWSAlgorithm.EdDSA.equals(alg) && "EdDSA".equalsIgnoreCase(key.getAlgorithm())) {
                Signature s = Signature.getInstance("Ed25519");
                s.initVerify(key);
                s.update(jws.getSigningInput());
                return s.verify(jws.getSignature().decode());
            }
            return false;
        } catch (JOSEException | GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** The public key of a JWK usable for signatures, or null (symmetric keys, encryption keys, other curves). */
    static PublicKey publicKey(JWK jwk) {
        if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) return null;
        try {
            if (jwk instanceof RSAKey r) return r.toRSAPublicKey();
            if (jwk instanceof ECKey e) return e.toECPublicKey();
            if (jwk instanceof OctetKeyPair okp && "Ed25519".equals(okp.getCurve().getName())) {
                byte[] x = okp.getX().decode();
                if (x.length != 32) return null;
                byte[] prefix = HexFormat.of().parseHex("302a300506032b6570032100");
                byte[] der = new byte[prefix.length + 32];
                System.arraycopy(prefix, 0, der, 0, prefix.length);
                System.arraycopy(x, 0, der, prefix.length, 32);
                return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
            }
        } catch (JOSEException | GeneralSecurityException | RuntimeException e) {
            return null;
        }
        return null;
    }
}
