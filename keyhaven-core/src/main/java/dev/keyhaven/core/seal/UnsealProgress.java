package dev.keyhaven.core.seal;

import dev.keyhaven.core.logical.KeyhavenException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Unseal shares collected so far (memory only). A repeated share, or a second share with the same x coordinate, is
 * refused without being counted; so is a share of the wrong length. Not thread-safe: the core guards it.
 */
public final class UnsealProgress {
    private final List<byte[]> shares = new ArrayList<>();
    private String nonce = "";

    public int progress() {
        return shares.size();
    }

    public String nonce() {
        return nonce;
    }

    /**
     * Adds a share. Returns the collected shares once {@code threshold} are present (the caller combines them and
     * must call {@link #reset()} either way), else empty.
     */
    public Optional<List<byte[]>> add(byte[] share, int expectedLength, int threshold) {
        if (share.length != expectedLength) {
            throw KeyhavenException.badRequest("invalid unseal key: a share of this Keyhaven is " + expectedLength + " bytes, the given key is " + share.length
                    + " bytes (unseal progress unchanged)");
        }
        for (byte[] s : shares) {
            if (Arrays.equals(s, share)) throw KeyhavenException.badRequest("this unseal key was already provided (unseal progress unchanged)");
            if (s[s.length - 1] == share[share.length - 1]) {
                throw KeyhavenException.badRequest("an unseal key with the same share index was already provided; this key does not belong to this set (unseal progress unchanged)");
            }
        }
        if (shares.isEmpty()) nonce = UUID.randomUUID().toString();
        shares.add(share.clone());
        if (shares.size() < threshold) return Optional.empty();
        List<byte[]> out = new ArrayList<>();
        for (byte[] s : shares) out.add(s.clone());
        return Optional.of(out);
    }

    public void reset() {
        for (byte[] s : shares) Arrays.fill(s, (byte) 0);
        shares.clear();
        nonce = "";
    }

    @Override
    public String toString() {
        return "UnsealProgress[" + shares.size() + "]";
    }
}
