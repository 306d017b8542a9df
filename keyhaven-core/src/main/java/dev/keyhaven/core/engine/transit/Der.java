package dev.keyhaven.core.engine.transit;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.interfaces.ECPrivateKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/** The little DER and PEM handling transit needs for Vault's export and signature formats. */
final class Der {
    private Der() {}

    /** A parsed TLV: tag, content start and end within the buffer. */
    record Tlv(int tag, byte[] buf, int start, int end) {
        byte[] content() {
            return Arrays.copyOfRange(buf, start, end);
        }
    }

    static Tlv read(byte[] b, int off) {
        if (off + 2 > b.length) throw new IllegalArgumentException("truncated DER");
        int tag = b[off] & 0xff;
        int len = b[off + 1] & 0xff;
        int p = off + 2;
        if (len >= 0x80) {
            int n = len & 0x7f;
            if (n == 0 || n > 4 || p + n > b.length) throw new IllegalArgumentException("bad DER length");
            len = 0;
            for (int i = 0; i < n; i++) len = (len << 8) | (b[p++] & 0xff);
        }
        if (len < 0 || p + len > b.length) throw new IllegalArgumentException("truncated DER");
        return new Tlv(tag, b, p, p + len);
    }

    /** The PKCS#8 privateKey OCTET STRING content: PKCS#1 RSAPrivateKey for RSA, SEC1 (or a wrapped seed) for others. */
    static byte[] pkcs8Inner(byte[] pkcs8) {
        Tlv seq = read(pkcs8, 0);
        Tlv version = read(pkcs8, seq.start());
        Tlv alg = read(pkcs8, version.end());
        Tlv key = read(pkcs8, alg.end());
        if (key.tag() != 0x04) throw new IllegalArgumentException("not a PKCS#8 private key");
        return key.content();
    }

    /** The subjectPublicKey bits of an X.509 SubjectPublicKeyInfo (without the unused-bits byte). */
    static byte[] spkiKeyBits(byte[] spki) {
        Tlv seq = read(spki, 0);
        Tlv alg = read(spki, seq.start());
        Tlv bits = read(spki, alg.end());
        if (bits.tag() != 0x03) throw new IllegalArgumentException("not a SubjectPublicKeyInfo");
        return Arrays.copyOfRange(spki, bits.start() + 1, bits.end());
    }

    /** Ed25519: the 32-byte seed from the PKCS#8 encoding (CurvePrivateKey ::= OCTET STRING). */
    static byte[] ed25519Seed(byte[] pkcs8) {
        byte[] inner = pkcs8Inner(pkcs8);
        return read(inner, 0).content();
    }

    /** SEC1 ECPrivateKey with the named curve and public key, as Go's x509.MarshalECPrivateKey writes it. */
    static byte[] sec1(ECPrivateKey key, KeyType type, byte[] spki) {
        int size = (type.size() + 7) / 8;
        byte[] d = fixed(key.getS(), size);
        byte[] oid = HexFormat.of().parseHex(switch (type) {
            case ECDSA_P256 -> "2a8648ce3d030107";
            case ECDSA_P384 -> "2b81040022";
            case ECDSA_P521 -> "2b81040023";
            default -> throw new IllegalArgumentException("not ECDSA");
        });
        byte[] point = spkiKeyBits(spki);
        byte[] bitString = new byte[point.length + 1];
        System.arraycopy(point, 0, bitString, 1, point.length);
        return tlv(0x30, concat(tlv(0x02, new byte[] {1}), tlv(0x04, d), tlv(0xa0, tlv(0x06, oid)), tlv(0xa1, tlv(0x03, bitString))));
    }

    /** ASN.1 DER ECDSA-Sig-Value → JWS raw r||s of fixed length. */
    static byte[] ecdsaDerToRaw(byte[] der, int size) {
        Tlv seq = read(der, 0);
        Tlv r = read(der, seq.start());
        Tlv s = read(der, r.end());
        byte[] out = new byte[2 * size];
        System.arraycopy(fixed(new BigInteger(1, r.content()), size), 0, out, 0, size);
        System.arraycopy(fixed(new BigInteger(1, s.content()), size), 0, out, size, size);
        return out;
    }

    /** JWS raw r||s → ASN.1 DER ECDSA-Sig-Value. */
    static byte[] ecdsaRawToDer(byte[] raw) {
        if (raw.length == 0 || raw.length % 2 != 0) throw new IllegalArgumentException("bad raw ECDSA signature length");
        int half = raw.length / 2;
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(raw, 0, half));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(raw, half, raw.length));
        return tlv(0x30, concat(tlv(0x02, r.toByteArray()), tlv(0x02, s.toByteArray())));
    }

    static byte[] fixed(BigInteger v, int size) {
        byte[] b = v.toByteArray();
        if (b.length == size) return b;
        byte[] out = new byte[size];
        if (b.length > size) System.arraycopy(b, b.length - size, out, 0, size);
        else System.arraycopy(b, 0, out, size - b.length, b.length);
        return out;
    }

    static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >>> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >>> 16);
            out.write(len >>> 8);
            out.write(len);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** PEM as Go's pem.EncodeToMemory writes it: 64-column base64, trailing newline. */
    static String pem(String type, byte[] der) {
        String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
    }
}
