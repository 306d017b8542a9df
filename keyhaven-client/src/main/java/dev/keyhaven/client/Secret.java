package dev.keyhaven.client;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * A secret value. It never shows itself by accident: {@link #toString()} is redacted, there is no getter
 * named like a property, and the value leaves only through {@link #reveal()}, {@link #chars()} or
 * {@link #bytes()}, each of which returns a fresh copy.
 *
 * <p>Equality is decided in constant time (for values of equal length) so comparing a presented credential
 * against a stored one does not leak a prefix through timing. {@link #hashCode()} is a constant on purpose:
 * a content-derived hash would let anyone who can print it confirm a guess; secrets are not meant as map keys.
 *
 * <p>Instances are immutable and thread-safe. The class is deliberately not {@code Serializable}.
 */
public final class Secret {

    private static final String REDACTED = "Secret[****]";

    private final byte[] utf8;

    private Secret(byte[] utf8) {
        this.utf8 = utf8;
    }

    /** A secret holding {@code value}. */
    public static Secret of(String value) {
        Objects.requireNonNull(value, "value");
        return new Secret(value.getBytes(StandardCharsets.UTF_8));
    }

    /** A secret holding a copy of {@code value}; the caller may wipe its array afterwards. */
    public static Secret of(char[] value) {
        Objects.requireNonNull(value, "value");
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(value));
        byte[] out = new byte[encoded.remaining()];
        encoded.get(out);
        if (encoded.hasArray()) {
            Arrays.fill(encoded.array(), (byte) 0);
        }
        return new Secret(out);
    }

    /**
     * A secret holding a copy of {@code utf8}, which must be valid UTF-8 (secret files and server answers are
     * text). Use this for values read from files so no intermediate {@code String} is made.
     *
     * @throws IllegalArgumentException if the bytes are not valid UTF-8 (the message never contains them)
     */
    public static Secret ofUtf8(byte[] utf8) {
        Objects.requireNonNull(utf8, "utf8");
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("secret bytes are not valid UTF-8");
        }
        return new Secret(utf8.clone());
    }

    /** The value as a string. Every call is an explicit, greppable decision to handle plaintext. */
    public String reveal() {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /** A fresh copy of the value as characters; wipe it ({@code Arrays.fill(c, '\0')}) when done. */
    public char[] chars() {
        CharBuffer decoded = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(utf8));
        char[] out = new char[decoded.remaining()];
        decoded.get(out);
        if (decoded.hasArray()) {
            Arrays.fill(decoded.array(), '\0');
        }
        return out;
    }

    /** A fresh copy of the value's UTF-8 bytes; wipe it when done. */
    public byte[] bytes() {
        return utf8.clone();
    }

    /** Length of the value in UTF-8 bytes. */
    public int byteLength() {
        return utf8.length;
    }

    /** True when the value is the empty string. */
    public boolean isEmpty() {
        return utf8.length == 0;
    }

    /** True when the value is empty or only whitespace. */
    public boolean isBlank() {
        for (byte b : utf8) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r' && b != 0x0B && b != '\f') {
                return false;
            }
        }
        return true;
    }

    /** Compares {@code candidate} with this value in constant time (for equal lengths). */
    public boolean matches(CharSequence candidate) {
        Objects.requireNonNull(candidate, "candidate");
        byte[] other = candidate.toString().getBytes(StandardCharsets.UTF_8);
        try {
            return MessageDigest.isEqual(utf8, other);
        } finally {
            Arrays.fill(other, (byte) 0);
        }
    }

    /** Compares {@code candidate} with this value in constant time (for equal lengths). */
    public boolean matches(char[] candidate) {
        Objects.requireNonNull(candidate, "candidate");
        Secret other = Secret.of(candidate);
        try {
            return MessageDigest.isEqual(utf8, other.utf8);
        } finally {
            Arrays.fill(other.utf8, (byte) 0);
        }
    }

    /** Compares UTF-8 {@code candidate} bytes with this value in constant time (for equal lengths). */
    public boolean matches(byte[] candidate) {
        Objects.requireNonNull(candidate, "candidate");
        return MessageDigest.isEqual(utf8, candidate);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && MessageDigest.isEqual(utf8, other.utf8);
    }

    /** Constant: see the class comment. */
    @Override
    public int hashCode() {
        return 0x5EC2E7;
    }

    /** Always {@code Secret[****]}; use {@link #reveal()} to get the value. */
    @Override
    public String toString() {
        return REDACTED;
    }
}
