package dev.keyhaven.core.rotation.rotators;

import dev.keyhaven.core.rotation.RandomValues;
import dev.keyhaven.core.rotation.RotationContext;
import dev.keyhaven.core.rotation.RotationException;
import dev.keyhaven.core.rotation.SecretData;
import dev.keyhaven.core.rotation.Settings;
import dev.keyhaven.core.rotation.ValueRotator;
import java.util.Optional;
import java.util.Set;

/**
 * {@code random}: a fresh random value for session secrets and app-owned keys; nothing outside Keyhaven to change,
 * so both versions stay valid during the overlap simply by staying readable.
 *
 * <p>Settings: {@code format} = {@code alphanumeric} (default) | {@code hex} | {@code base64} | {@code base64url} |
 * {@code uuid} | {@code passphrase} | {@code alphabet}; {@code length} (characters for alphanumeric/alphabet, default
 * 32; random bytes for hex/base64/base64url, default 32); {@code alphabet} (the characters, for format alphabet);
 * {@code words} and {@code separator} (passphrase; default 6 and "-"); {@code field} (the KV field, default
 * {@code value}).
 */
public final class RandomRotator implements ValueRotator {
    private static final Set<String> SETTINGS = Set.of("format", "length", "alphabet", "words", "separator", "field");
    private static final Set<String> FORMATS = Set.of("alphanumeric", "hex", "base64", "base64url", "uuid", "passphrase", "alphabet");

    @Override
    public String type() {
        return "random";
    }

    @Override
    public void validate(Settings s) {
        s.allowOnly(type(), SETTINGS);
        String format = s.get("format", "alphanumeric");
        if (!FORMATS.contains(format)) throw RotationException.badRequest("setting 'format' must be one of " + String.join(", ", new java.util.TreeSet<>(FORMATS)));
        s.integer("length", 32, 16, 4096);
        s.integer("words", 6, 4, 64);
        if (format.equals("alphabet")) {
            String a = s.require("alphabet");
            long distinct = a.codePoints().distinct().count();
            if (distinct < 2) throw RotationException.badRequest("setting 'alphabet' needs at least 2 distinct characters");
            double bits = s.integer("length", 32, 16, 4096) * Math.log(distinct) / Math.log(2);
            if (bits < 96) throw RotationException.badRequest("setting 'alphabet' with this 'length' gives under 96 bits of entropy; use a longer length");
        } else if (s.get("alphabet").isPresent()) {
            throw RotationException.badRequest("setting 'alphabet' needs format=alphabet");
        }
        String field = s.get("field", "value");
        if (!field.matches("[A-Za-z_][A-Za-z0-9_.-]{0,63}")) throw RotationException.badRequest("setting 'field' must be a simple field name");
    }

    @Override
    public boolean supportsOverlap(Settings settings) {
        return true;
    }

    @Override
    public Optional<SecretData> prepare(RotationContext ctx) {
        Settings s = ctx.settings();
        var r = ctx.random();
        int length = s.integer("length", 32, 16, 4096);
        String value = switch (s.get("format", "alphanumeric")) {
            case "hex" -> RandomValues.hex(r, length);
            case "base64" -> RandomValues.base64(r, length);
            case "base64url" -> RandomValues.base64Url(r, length);
            case "uuid" -> RandomValues.uuid(r);
            case "passphrase" -> RandomValues.passphrase(r, s.integer("words", 6, 4, 64), s.get("separator").orElse("-"));
            case "alphabet" -> RandomValues.fromAlphabet(r, s.require("alphabet"), length);
            default -> RandomValues.fromAlphabet(r, RandomValues.ALPHANUMERIC, length);
        };
        return Optional.of(SecretData.of(s.get("field", "value"), value));
    }

    @Override
    public void apply(RotationContext ctx, SecretData next) {}

    @Override
    public void verify(RotationContext ctx, SecretData value) {
        value.require(ctx.settings().get("field", "value"));
    }

    @Override
    public void retire(RotationContext ctx, SecretData old) {}

    @Override
    public String label(SecretData value) {
        return "";
    }
}
