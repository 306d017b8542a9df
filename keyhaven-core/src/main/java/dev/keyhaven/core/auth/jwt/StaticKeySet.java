package dev.keyhaven.core.auth.jwt;

import com.nimbusds.jose.JWSObject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code jwt_validation_pubkeys}: PEM public keys (SPKI {@code PUBLIC KEY} or a {@code CERTIFICATE}); RSA, EC or Ed25519. */
final class StaticKeySet implements KeySet {
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
    private final List<PublicKey> keys;

    StaticKeySet(List<String> pems) {
        List<PublicKey> out = new ArrayList<>();
        for (String pem : pems) out.add(parse(pem));
        this.keys = List.copyOf(out);
    }

    /** Parses one PEM public key; IllegalArgumentException with Vault's "error parsing public key" wording. */
    static PublicKey parse(String pem) {
        Matcher m = PEM.matcher(pem.strip());
        if (!m.find()) throw new IllegalArgumentException("error parsing public key: data does not contain any valid public keys");
        String type = m.group(1);
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("error parsing public key: invalid base64");
        }
        try {
            if (type.equals("CERTIFICATE")) {
                return CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der)).getPublicKey();
            }
            if (type.equals("PUBLIC KEY")) {
                for (String alg : List.of("RSA", "EC", "Ed25519")) {
                    try {
                        return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
                    } catch (java.security.spec.InvalidKeySpecException e) {
                        // try the next algorithm
                    }
                }
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("error parsing public key: " + e.getClass().getSimpleName());
        }
        throw new IllegalArgumentException("error parsing public key: unsupported PEM block \"" + type.toLowerCase(java.util.Locale.ROOT)
                .replaceAll("[^a-z ]", "") + "\" (use PUBLIC KEY or CERTIFICATE)");
    }

    static String toPem(PublicKey k) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(k.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    @Override
    public void verify(JWSObject jws) throws VerifyException {
        for (PublicKey k : keys) if (KeySet.verifyWith(k, jws)) return;
        throw new VerifyException("no known key successfully validated the token signature", false);
    }
}
