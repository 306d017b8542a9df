package dev.keyhaven.core.engine.kv;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageOp;
import dev.keyhaven.core.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The versioned key/value engine, wire-compatible with Vault's KV v2
 * ({@code config}, {@code data/}, {@code metadata/}, {@code delete/}, {@code undelete/}, {@code destroy/},
 * {@code subkeys/}).
 *
 * <h2>Storage layout (inside the mount's private, barrier-encrypted view)</h2>
 * <ul>
 *   <li>{@code config}: the mount settings ({@link KvConfig}).</li>
 *   <li>{@code metadata/<path>}: one {@link SecretMetadata} record per secret. Its key mirrors the secret path, so
 *       LIST is a storage list with native folder semantics.</li>
 *   <li>{@code versions/<sha256(path)>/<incarnation>/<n>-<nonce>}: the JSON bytes of one version's data, written
 *       once and never overwritten; the metadata record names the key of each kept version.</li>
 * </ul>
 *
 * <h2>Consistency</h2>
 * Every change is a compare-and-set of the secret's metadata record in a retry loop (correct with several server
 * nodes on one store); a per-path lock inside this JVM only avoids wasted attempts. A new version's data is put under
 * a fresh unique key <em>before</em> the metadata CAS that makes it visible, so a crash or a lost race never exposes
 * half a write and never overwrites a committed version; a loser deletes its unreferenced data record at once.
 * Records that a change makes unreachable (trimmed or destroyed versions) are deleted after the CAS. A crash between
 * those steps can leave an unreferenced, encrypted data record behind; it is never read, and deleting the secret's
 * metadata removes those of the current incarnation.
 */
public final class KvV2Engine implements Engine {
    /** Largest encoded size of one version's data. */
    public static final int MAX_SECRET_BYTES = 1024 * 1024;
    /** Upper bound for max_versions (keeps the metadata record small enough to rewrite on every write). */
    public static final long MAX_MAX_VERSIONS = 1000;
    static final int MAX_CUSTOM_METADATA_KEYS = 64;
    static final int MAX_CUSTOM_METADATA_KEY_LENGTH = 128;
    static final int MAX_CUSTOM_METADATA_VALUE_LENGTH = 512;
    static final String MERGE_PATCH = "application/merge-patch+json";

    private static final String CONFIG_KEY = "config";
    private static final String META_PREFIX = "metadata/";
    private static final String VERSION_PREFIX = "versions/";
    private static final int MAX_ATTEMPTS = 100;
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    private final Storage storage;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final ReentrantLock[] locks = new ReentrantLock[256];

    public KvV2Engine(EngineContext context) {
        this.storage = context.storage();
        this.clock = context.clock();
        for (int i = 0; i < locks.length; i++) locks[i] = new ReentrantLock();
    }

    // ------------------------------------------------------------------------------------------------ dispatch

    @Override
    public Response handle(Request request) {
        Operation op = request.operation() == Operation.CREATE ? Operation.UPDATE : request.operation();
        String rel = request.relativePath();
        if (rel.startsWith("/")) rel = rel.substring(1);
        Map<String, Object> data = request.data();

        if (rel.equals("config")) {
            return switch (op) {
                case READ -> readConfig();
                case UPDATE -> writeConfig(data);
                default -> throw KeyhavenException.unsupported(op, rel);
            };
        }
        int slash = rel.indexOf('/');
        String head = slash < 0 ? rel : rel.substring(0, slash);
        String rest = slash < 0 ? "" : rel.substring(slash + 1);
        switch (head) {
            case "data", "metadata", "delete", "undelete", "destroy", "subkeys" -> {
                if (head.equals("metadata") && op == Operation.LIST) return list(rest);
                if (rest.isEmpty()) {
                    return Response.empty().status(404)
                            .warning("Non-listing operations on the root of a K/V v2 mount are not supported.");
                }
            }
            default -> {
                return invalidPath(op);
            }
        }
        String path = KvPath.secret(rest);
        return switch (head) {
            case "data" -> switch (op) {
                case READ -> readData(path, data);
                case UPDATE -> writeData(path, data);
                case PATCH -> patchData(path, data, request.contentType());
                case DELETE -> deleteLatest(path);
                default -> throw KeyhavenException.unsupported(op, rel);
            };
            case "metadata" -> switch (op) {
                case READ -> readMetadata(path);
                case UPDATE -> writeMetadata(path, data);
                case PATCH -> patchMetadata(path, data, request.contentType());
                case DELETE -> deleteMetadata(path);
                default -> throw KeyhavenException.unsupported(op, rel);
            };
            case "delete" -> requireUpdate(op, rel, () -> deleteVersions(path, data));
            case "undelete" -> requireUpdate(op, rel, () -> undeleteVersions(path, data));
            case "destroy" -> requireUpdate(op, rel, () -> destroyVersions(path, data));
            case "subkeys" -> {
                if (op != Operation.READ) throw KeyhavenException.unsupported(op, rel);
                yield readSubkeys(path, data);
            }
            default -> throw new IllegalStateException("unreachable");
        };
    }

    @Override
    public Optional<Boolean> exists(Request request) {
        String rel = request.relativePath();
        String path;
        if (rel.startsWith("data/")) path = rel.substring("data/".length());
        else if (rel.startsWith("metadata/")) path = rel.substring("metadata/".length());
        else return Optional.empty();
        try {
            return Optional.of(storage.get(metaKey(KvPath.secret(path))).isPresent());
        } catch (KeyhavenException e) {
            if (e.code() != ErrorCode.BAD_REQUEST) throw e;
            return Optional.empty(); // an invalid path is rejected by handle() with a clear 400
        }
    }

    private static Response requireUpdate(Operation op, String rel, java.util.function.Supplier<Response> action) {
        if (op != Operation.UPDATE) throw KeyhavenException.unsupported(op, rel);
        return action.get();
    }

    private static Response invalidPath(Operation op) {
        String sub = switch (op) {
            case CREATE, UPDATE -> "put";
            case PATCH -> "patch";
            case READ -> "get";
            case LIST -> "list";
            case DELETE -> "delete";
        };
        return Response.empty().status(404).warning("Invalid path for a versioned K/V secrets engine. See the API docs for the "
                + "appropriate API endpoints to use. If using the Vault CLI, use 'vault kv " + sub + "' for this operation.");
    }

    // ------------------------------------------------------------------------------------------------ config

    private Response readConfig() {
        KvConfig c = loadConfig();
        return Response.of(ordered(
                "cas_required", c.casRequired(),
                "delete_version_after", GoDuration.format(c.deleteVersionAfter()),
                "max_versions", c.maxVersions()));
    }

    private Response writeConfig(Map<String, Object> data) {
        Optional<Long> max = KvFields.optionalLong(data, "max_versions");
        Optional<Boolean> cas = KvFields.optionalBool(data, "cas_required");
        Optional<Long> dva = KvFields.optionalDuration(data, "delete_version_after");
        max.ifPresent(KvV2Engine::checkMaxVersions);
        if (max.isEmpty() && cas.isEmpty() && dva.isEmpty()) return Response.empty();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<byte[]> raw = storage.get(CONFIG_KEY);
            KvConfig c = raw.map(b -> Json.read(b, KvConfig.class)).orElse(KvConfig.DEFAULT);
            long dvaValue = dva.map(v -> v < 0 ? KvConfig.DISABLED : v).orElse(c.deleteVersionAfter());
            KvConfig next = new KvConfig(max.orElse(c.maxVersions()), cas.orElse(c.casRequired()), dvaValue);
            if (storage.compareAndSet(CONFIG_KEY, raw.orElse(null), Json.write(next))) return Response.empty();
        }
        throw contention();
    }

    private KvConfig loadConfig() {
        return storage.get(CONFIG_KEY).map(b -> Json.read(b, KvConfig.class)).orElse(KvConfig.DEFAULT);
    }

    private static void checkMaxVersions(long max) {
        if (max < 0 || max > MAX_MAX_VERSIONS) {
            throw KeyhavenException.badRequest("invalid value for field \"max_versions\": must be between 0 and " + MAX_MAX_VERSIONS);
        }
    }

    // ------------------------------------------------------------------------------------------------ data

    /** A version as read: its metadata map, and its data unless it is deleted or destroyed ({@code gone}). */
    private record VersionRead(Map<String, Object> metadata, Map<String, Object> secret, boolean gone) {}

    /**
     * Reads version {@code requested} (0 = current) of a secret: 404 if the secret or version does not exist. Retries
     * when the version's data vanishes between the metadata and the data read (trimmed or destroyed meanwhile).
     */
    private VersionRead readVersion(String path, long requested) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Loaded> loaded = loadMeta(path);
            if (loaded.isEmpty()) throw KeyhavenException.notFound();
            SecretMetadata meta = loaded.get().meta();
            long v = requested > 0 ? requested : meta.currentVersion();
            VersionMetadata vm = meta.versions().get(v);
            if (vm == null) throw KeyhavenException.notFound();
            Map<String, Object> md = versionInfo(v, vm, meta.customMetadata());
            if (vm.deletedAt(clock.instant()) || vm.destroyed()) return new VersionRead(md, null, true);
            Optional<Map<String, Object>> secret = loadData(dataFolder(path, meta), vm.dataKey());
            if (secret.isPresent()) return new VersionRead(md, secret.get(), false);
        }
        throw missingData();
    }

    private Response readData(String path, Map<String, Object> data) {
        VersionRead r = readVersion(path, versionParam(data));
        if (r.gone()) return Response.of(ordered("data", null, "metadata", r.metadata())).status(404);
        return Response.of(ordered("data", r.secret(), "metadata", r.metadata()));
    }

    private Response writeData(String path, Map<String, Object> data) {
        Map<String, Object> secret = requireDataField(data);
        Optional<Long> cas = casOption(data);
        byte[] bytes = encodeSecret(secret);
        return mutate(path, (existing, config) -> {
            SecretMetadata meta = existing.orElseGet(() -> SecretMetadata.fresh(newId(), null));
            checkCas(cas, config, meta);
            return newVersion(path, meta, config, bytes);
        });
    }

    private Response patchData(String path, Map<String, Object> data, String contentType) {
        requireMergePatch(contentType);
        Map<String, Object> patch = requireDataField(data);
        Optional<Long> cas = casOption(data);
        return mutate(path, (existing, config) -> {
            SecretMetadata meta = existing.orElseThrow(KeyhavenException::notFound);
            checkCas(cas, config, meta);
            long v = meta.currentVersion();
            VersionMetadata vm = meta.versions().get(v);
            if (vm == null) throw KeyhavenException.notFound();
            if (vm.deletedAt(clock.instant()) || vm.destroyed()) {
                // Vault answers a patch of a deleted/destroyed secret with 404 and the version's metadata as data.
                return Plan.noop(Response.of(versionInfo(v, vm, meta.customMetadata())).status(404));
            }
            Map<String, Object> current = loadData(dataFolder(path, meta), vm.dataKey()).orElseThrow(Retry::new);
            return newVersion(path, meta, config, encodeSecret(MergePatch.apply(current, patch)));
        });
    }

    private Plan newVersion(String path, SecretMetadata meta, KvConfig config, byte[] bytes) {
        Instant now = clock.instant();
        String folder = dataFolder(path, meta);
        String dataName = (meta.currentVersion() + 1) + "-" + newId();
        VersionMetadata vm = VersionMetadata.created(now, deletionTime(now, config, meta), dataName);
        SecretMetadata.Added added = meta.addVersion(vm, config.maxVersions());
        Response response = Response.of(versionInfo(added.version(), vm, added.metadata().customMetadata()));
        List<String> trimmed = added.trimmedDataKeys().stream().map(n -> folder + n).toList();
        return Plan.write(added.metadata(), Map.of(folder + dataName, bytes), trimmed, response);
    }

    private Response deleteLatest(String path) {
        return mutate(path, (existing, config) -> {
            if (existing.isEmpty()) return Plan.noop(Response.empty());
            SecretMetadata meta = existing.get();
            VersionMetadata lv = meta.versions().get(meta.currentVersion());
            Instant now = clock.instant();
            if (lv == null || lv.destroyed() || lv.deletedAt(now)) return Plan.noop(Response.empty());
            TreeMap<Long, VersionMetadata> vs = new TreeMap<>(meta.versions());
            vs.put(meta.currentVersion(), lv.withDeletionTime(now));
            return Plan.write(meta.withVersions(vs), Map.of(), List.of(), Response.empty());
        });
    }

    private Response deleteVersions(String path, Map<String, Object> data) {
        List<Long> versions = KvFields.versions(data, "versions");
        if (versions.isEmpty()) throw KeyhavenException.badRequest("No version number provided");
        return mutate(path, (existing, config) -> {
            if (existing.isEmpty()) return Plan.noop(Response.empty());
            SecretMetadata meta = existing.get();
            Instant now = clock.instant();
            TreeMap<Long, VersionMetadata> vs = new TreeMap<>(meta.versions());
            boolean changed = false;
            for (long v : versions) {
                VersionMetadata vm = vs.get(v);
                if (vm == null || vm.destroyed() || vm.deletedAt(now)) continue;
                vs.put(v, vm.withDeletionTime(now));
                changed = true;
            }
            return changed ? Plan.write(meta.withVersions(vs), Map.of(), List.of(), Response.empty()) : Plan.noop(Response.empty());
        });
    }

    private Response undeleteVersions(String path, Map<String, Object> data) {
        List<Long> versions = KvFields.versions(data, "versions");
        if (versions.isEmpty()) throw KeyhavenException.badRequest("No version number provided");
        return mutate(path, (existing, config) -> {
            if (existing.isEmpty()) return Plan.noop(Response.empty());
            SecretMetadata meta = existing.get();
            Instant deletion = deletionTime(clock.instant(), config, meta);
            TreeMap<Long, VersionMetadata> vs = new TreeMap<>(meta.versions());
            boolean changed = false;
            for (long v : versions) {
                VersionMetadata vm = vs.get(v);
                if (vm == null || vm.destroyed()) continue;
                VersionMetadata next = vm.withDeletionTime(deletion);
                if (!next.equals(vm)) {
                    vs.put(v, next);
                    changed = true;
                }
            }
            return changed ? Plan.write(meta.withVersions(vs), Map.of(), List.of(), Response.empty()) : Plan.noop(Response.empty());
        });
    }

    private Response destroyVersions(String path, Map<String, Object> data) {
        List<Long> versions = KvFields.versions(data, "versions");
        if (versions.isEmpty()) throw KeyhavenException.badRequest("no version number provided");
        return mutate(path, (existing, config) -> {
            if (existing.isEmpty()) return Plan.noop(Response.empty());
            SecretMetadata meta = existing.get();
            TreeMap<Long, VersionMetadata> vs = new TreeMap<>(meta.versions());
            List<String> gone = new ArrayList<>();
            for (long v : versions) {
                VersionMetadata vm = vs.get(v);
                if (vm == null || vm.destroyed()) continue;
                if (vm.dataKey() != null) gone.add(dataFolder(path, meta) + vm.dataKey());
                vs.put(v, vm.asDestroyed());
            }
            return vs.equals(meta.versions()) ? Plan.noop(Response.empty()) : Plan.write(meta.withVersions(vs), Map.of(), gone, Response.empty());
        });
    }

    private Response readSubkeys(String path, Map<String, Object> data) {
        long requested = versionParam(data);
        long depth = KvFields.optionalLong(data, "depth").orElse(0L);
        if (depth < 0) throw KeyhavenException.badRequest("invalid value for field \"depth\": must not be negative");
        VersionRead r = readVersion(path, requested);
        if (r.gone()) return Response.of(ordered("metadata", r.metadata(), "subkeys", null)).status(404);
        return Response.of(ordered("metadata", r.metadata(), "subkeys", subkeys(r.secret(), 1, depth)));
    }

    /** The structure of a secret with every leaf (non-object or empty object, or anything at max depth) as null. */
    private static Map<String, Object> subkeys(Map<String, Object> in, long level, long maxDepth) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : in.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map<?, ?> m && !m.isEmpty() && (maxDepth == 0 || level + 1 <= maxDepth)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> child = (Map<String, Object>) m;
                out.put(e.getKey(), subkeys(child, level + 1, maxDepth));
            } else {
                out.put(e.getKey(), null);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ metadata

    private Response list(String folder) {
        String prefix = KvPath.folder(folder);
        List<String> keys = storage.list(META_PREFIX + prefix);
        if (keys.isEmpty()) throw KeyhavenException.notFound();
        return Response.of(ordered("keys", List.copyOf(keys)));
    }

    private Response readMetadata(String path) {
        SecretMetadata meta = loadMeta(path).orElseThrow(KeyhavenException::notFound).meta();
        Map<String, Object> versions = new LinkedHashMap<>();
        for (Map.Entry<Long, VersionMetadata> e : meta.versions().entrySet()) {
            VersionMetadata vm = e.getValue();
            versions.put(Long.toString(e.getKey()), ordered(
                    "created_time", vm.createdTimeVault(),
                    "deletion_time", vm.deletionTimeVault(),
                    "destroyed", vm.destroyed()));
        }
        return Response.of(ordered(
                "cas_required", meta.casRequired(),
                "created_time", timeOrEmpty(meta.createdTime()),
                "current_version", meta.currentVersion(),
                "custom_metadata", meta.customMetadata(),
                "delete_version_after", GoDuration.format(meta.deleteVersionAfter()),
                "max_versions", meta.maxVersions(),
                "oldest_version", meta.oldestVersion(),
                "updated_time", timeOrEmpty(meta.updatedTime()),
                "versions", versions));
    }

    private Response writeMetadata(String path, Map<String, Object> data) {
        Optional<Long> max = KvFields.optionalLong(data, "max_versions");
        max.ifPresent(KvV2Engine::checkMaxVersions);
        Optional<Boolean> cas = KvFields.optionalBool(data, "cas_required");
        Optional<Long> dva = KvFields.optionalDuration(data, "delete_version_after");
        dva.ifPresent(KvV2Engine::checkMetadataDva);
        Optional<Map<String, String>> custom = KvFields.optionalMap(data, "custom_metadata").map(m -> customMetadata(m, false));
        if (max.isEmpty() && cas.isEmpty() && dva.isEmpty() && custom.isEmpty()) return Response.empty();
        return mutate(path, (existing, config) -> {
            SecretMetadata meta = existing.orElseGet(() -> SecretMetadata.fresh(newId(), clock.instant()));
            SecretMetadata next = meta.withSettings(
                    max.orElse(meta.maxVersions()),
                    cas.orElse(meta.casRequired()),
                    dva.orElse(meta.deleteVersionAfter()),
                    custom.isPresent() ? custom.get() : meta.customMetadata());
            return Plan.write(next, Map.of(), List.of(), casRequiredWarning(cas, config));
        });
    }

    private Response patchMetadata(String path, Map<String, Object> data, String contentType) {
        requireMergePatch(contentType);
        // Merge-patch semantics per field: a null resets the field, custom_metadata merges key by key.
        Optional<Long> max = data.containsKey("max_versions")
                ? Optional.of(KvFields.optionalLong(data, "max_versions").orElse(0L)) : Optional.empty();
        max.ifPresent(KvV2Engine::checkMaxVersions);
        Optional<Boolean> cas = data.containsKey("cas_required")
                ? Optional.of(KvFields.optionalBool(data, "cas_required").orElse(false)) : Optional.empty();
        Optional<Long> dva = data.containsKey("delete_version_after")
                ? Optional.of(KvFields.optionalDuration(data, "delete_version_after").orElse(0L)) : Optional.empty();
        dva.ifPresent(KvV2Engine::checkMetadataDva);
        boolean customGiven = data.containsKey("custom_metadata");
        Optional<Map<String, Object>> customPatch = KvFields.optionalMap(data, "custom_metadata");
        customPatch.ifPresent(m -> customMetadata(m, true));
        return mutate(path, (existing, config) -> {
            SecretMetadata meta = existing.orElseThrow(KeyhavenException::notFound);
            Map<String, String> custom = meta.customMetadata();
            if (customGiven) {
                if (customPatch.isEmpty()) {
                    custom = null;
                } else {
                    Map<String, Object> base = new LinkedHashMap<>(custom == null ? Map.of() : custom);
                    custom = customMetadata(MergePatch.apply(base, customPatch.get()), false);
                }
            }
            SecretMetadata next = meta.withSettings(
                    max.orElse(meta.maxVersions()),
                    cas.orElse(meta.casRequired()),
                    dva.orElse(meta.deleteVersionAfter()),
                    custom);
            return Plan.write(next, Map.of(), List.of(), casRequiredWarning(cas, config));
        });
    }

    private Response deleteMetadata(String path) {
        return mutate(path, (existing, config) -> existing.isEmpty()
                ? Plan.noop(Response.empty())
                : Plan.deleteAll(dataFolder(path, existing.get()), Response.empty()));
    }

    private static Response casRequiredWarning(Optional<Boolean> cas, KvConfig config) {
        if (cas.isPresent() && !cas.get() && config.casRequired()) {
            return Response.empty().warning("\"cas_required\" set to false, but is mandated by backend config. This value will be ignored.");
        }
        return Response.empty();
    }

    private static void checkMetadataDva(long seconds) {
        if (seconds < 0) throw KeyhavenException.badRequest("invalid value for field \"delete_version_after\": must not be negative");
    }

    /** Vault's custom_metadata rules: at most 64 keys, key 1..128 and value 1..512 bytes, printable, string values. */
    static Map<String, String> customMetadata(Map<String, Object> raw, boolean skipNulls) {
        final String prefix = "custom_metadata validation failed";
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            Object v = e.getValue();
            if (v == null && skipNulls) continue;
            String s;
            if (v == null) s = "";
            else if (v instanceof String str) s = str;
            else if (v instanceof Number || v instanceof Boolean) s = v instanceof Boolean b ? (b ? "1" : "0") : numberText((Number) v);
            else throw KeyhavenException.badRequest(prefix + ": value for key " + quote(e.getKey()) + " must be a string");
            out.put(e.getKey(), s);
        }
        if (out.size() > MAX_CUSTOM_METADATA_KEYS) {
            throw KeyhavenException.badRequest(prefix + ": payload must contain at most " + MAX_CUSTOM_METADATA_KEYS
                    + " keys, provided " + out.size());
        }
        List<String> errors = new ArrayList<>();
        for (Map.Entry<String, String> e : out.entrySet()) {
            String k = e.getKey();
            int kl = k.getBytes(StandardCharsets.UTF_8).length;
            int vl = e.getValue().getBytes(StandardCharsets.UTF_8).length;
            if (kl == 0 || kl > MAX_CUSTOM_METADATA_KEY_LENGTH) {
                errors.add(prefix + ": length of key " + quote(k) + " is " + kl + " but must be 0 < len(key) <= " + MAX_CUSTOM_METADATA_KEY_LENGTH);
            }
            if (vl == 0 || vl > MAX_CUSTOM_METADATA_VALUE_LENGTH) {
                errors.add(prefix + ": length of value for key " + quote(k) + " is " + vl + " but must be 0 < len(value) <= "
                        + MAX_CUSTOM_METADATA_VALUE_LENGTH);
            }
            if (!printable(k)) errors.add(prefix + ": key " + quote(k) + " contains unprintable characters");
            if (!printable(e.getValue())) errors.add(prefix + ": value for key " + quote(k) + " contains unprintable characters");
        }
        if (!errors.isEmpty()) throw new KeyhavenException(ErrorCode.BAD_REQUEST, errors, null);
        return out;
    }

    private static String numberText(Number n) {
        return n instanceof java.math.BigDecimal d ? d.stripTrailingZeros().toPlainString() : n.toString();
    }

    /** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
    private static boolean printable(String s) {
        return s.codePoints().allMatch(cp -> {
            if (cp == ' ') return true;
            return switch (Character.getType(cp)) {
                case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER, Character.MODIFIER_LETTER,
                        Character.OTHER_LETTER, Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                        Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.CONNECTOR_PUNCTUATION,
                        Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                        Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION,
                        Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
                default -> false;
            };
        });
    }

    /** Go's %q, restricted to what is safe to show: keys longer than 128 characters are cut. */
    private static String quote(String s) {
        String cut = s.length() > 128 ? s.substring(0, 128) + "..." : s;
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        return sb.append('"').toString();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static Map<String, Object> requireDataField(Map<String, Object> data) {
        return KvFields.optionalMap(data, "data").orElseThrow(() -> KeyhavenException.badRequest("no data provided"));
    }

    /** options.cas if given: a non-negative integer. */
    private static Optional<Long> casOption(Map<String, Object> data) {
        Optional<Map<String, Object>> options = KvFields.optionalMap(data, "options");
        if (options.isEmpty() || options.get().get("cas") == null) return Optional.empty();
        long cas = KvFields.toLong(options.get().get("cas"))
                .orElseThrow(() -> KeyhavenException.badRequest("error parsing check-and-set parameter"));
        if (cas < 0) throw KeyhavenException.badRequest("error parsing check-and-set parameter: cas must not be negative");
        return Optional.of(cas);
    }

    private static void checkCas(Optional<Long> cas, KvConfig config, SecretMetadata meta) {
        if (cas.isPresent()) {
            if (cas.get() != meta.currentVersion()) {
                throw KeyhavenException.badRequest("check-and-set parameter did not match the current version");
            }
        } else if (config.casRequired() || meta.casRequired()) {
            throw KeyhavenException.badRequest("check-and-set parameter required for this call");
        }
    }

    private static void requireMergePatch(String contentType) {
        String ct = contentType == null ? "" : contentType;
        int semi = ct.indexOf(';');
        String media = (semi >= 0 ? ct.substring(0, semi) : ct).trim().toLowerCase(Locale.ROOT);
        if (!media.equals(MERGE_PATCH)) {
            String shown = media.length() > 100 ? media.substring(0, 100) + "..." : media;
            shown = shown.replaceAll("[\\p{Cntrl}]", "?");
            throw new KeyhavenException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "PATCH requires Content-Type of " + MERGE_PATCH + ", provided " + (shown.isEmpty() ? "none" : shown));
        }
    }

    private static long versionParam(Map<String, Object> data) {
        long v = KvFields.optionalLong(data, "version").orElse(0L);
        if (v < 0) throw KeyhavenException.badRequest("invalid value for field \"version\": must not be negative");
        return v;
    }

    private static byte[] encodeSecret(Map<String, Object> secret) {
        byte[] bytes = Json.write(secret);
        if (bytes.length > MAX_SECRET_BYTES) {
            throw KeyhavenException.badRequest("secret data is too large: " + bytes.length + " bytes encoded, the limit is "
                    + MAX_SECRET_BYTES + " bytes");
        }
        return bytes;
    }

    /** Vault's deletionTime: creation plus the smaller non-zero of the mount's and the secret's delete_version_after. */
    private static Instant deletionTime(Instant creation, KvConfig config, SecretMetadata meta) {
        if (config.deleteVersionAfterDisabled()) return null;
        long mount = config.deleteVersionAfter();
        long own = meta.deleteVersionAfter();
        if (mount == 0 && own == 0) return null;
        long min = own;
        if ((mount != 0 && mount < min) || min == 0) min = mount;
        return creation.plusSeconds(min);
    }

    private static Map<String, Object> versionInfo(long version, VersionMetadata vm, Map<String, String> custom) {
        return ordered(
                "created_time", vm.createdTimeVault(),
                "custom_metadata", custom,
                "deletion_time", vm.deletionTimeVault(),
                "destroyed", vm.destroyed(),
                "version", version);
    }

    private static String timeOrEmpty(String iso) {
        return iso == null ? "" : VaultTime.format(Instant.parse(iso));
    }

    /** An insertion-ordered map that, unlike Map.of, allows null values (Vault renders them as JSON null). */
    private static Map<String, Object> ordered(Object... kv) {
        return Response.map(kv);
    }

    private static String metaKey(String path) {
        return META_PREFIX + path;
    }

    private static String pathHash(String path) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(path.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private String newId() {
        byte[] b = new byte[8];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private record Loaded(byte[] raw, SecretMetadata meta) {}

    private Optional<Loaded> loadMeta(String path) {
        return storage.get(metaKey(path)).map(raw -> new Loaded(raw, Json.read(raw, SecretMetadata.class)));
    }

    /** Where the data records of the secret's current incarnation live. */
    private static String dataFolder(String path, SecretMetadata meta) {
        return VERSION_PREFIX + pathHash(path) + "/" + meta.incarnation() + "/";
    }

    private Optional<Map<String, Object>> loadData(String folder, String dataName) {
        if (dataName == null) return Optional.empty();
        return storage.get(folder + dataName).map(bytes -> {
            try {
                return Json.MAPPER.readValue(bytes, MAP);
            } catch (IOException e) {
                // Never include the bytes: they are the secret.
                throw new KeyhavenException(ErrorCode.INTERNAL, "stored secret data could not be decoded", null);
            }
        });
    }

    private static KeyhavenException missingData() {
        return new KeyhavenException(ErrorCode.INTERNAL, "could not find version data");
    }

    /**
     * After a lost compare-and-set (another node, or this node's metadata writer, won): spin briefly, then back off
     * with a small random sleep so that writers on several nodes stop colliding in lockstep. Bounded: the whole retry
     * loop stays well under a second before it answers 503 "please retry".
     */
    private static void backoff(int attempt) {
        if (attempt < 3) {
            Thread.onSpinWait();
            return;
        }
        long maxMicros = Math.min(2_000, 50L << Math.min(attempt - 3, 6));
        long micros = java.util.concurrent.ThreadLocalRandom.current().nextLong(maxMicros + 1);
        java.util.concurrent.locks.LockSupport.parkNanos(micros * 1_000);
    }

    private static KeyhavenException contention() {
        return new KeyhavenException(ErrorCode.UNAVAILABLE, "too many concurrent changes to this secret; please retry");
    }

    // ------------------------------------------------------------------------------------------------ mutation

    /** Thrown by a planner that saw storage move under it (e.g. data of a version just trimmed): plan again. */
    private static final class Retry extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Retry() {
            super(null, null, false, false);
        }
    }

    /**
     * What one attempt of a change wants: the next metadata (or deletion of the secret), data records to put before the
     * metadata CAS, records to delete after it, and the response to give if the CAS applies.
     */
    private record Plan(boolean noop, SecretMetadata next, String deleteFolder, Map<String, byte[]> puts,
                        List<String> cleanup, Response response) {
        static Plan noop(Response r) {
            return new Plan(true, null, null, Map.of(), List.of(), r);
        }

        static Plan write(SecretMetadata next, Map<String, byte[]> puts, List<String> cleanup, Response r) {
            return new Plan(false, next, null, puts, cleanup, r);
        }

        static Plan deleteAll(String folder, Response r) {
            return new Plan(false, null, folder, Map.of(), List.of(), r);
        }
    }

    @FunctionalInterface
    private interface Planner {
        Plan plan(Optional<SecretMetadata> existing, KvConfig config);
    }

    private Response mutate(String path, Planner planner) {
        String key = metaKey(path);
        ReentrantLock lock = locks[Math.floorMod(path.hashCode(), locks.length)];
        lock.lock();
        try {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                KvConfig config = loadConfig();
                Optional<byte[]> raw = storage.get(key);
                Optional<SecretMetadata> existing = raw.map(b -> Json.read(b, SecretMetadata.class));
                Plan plan;
                try {
                    plan = planner.plan(existing, config);
                } catch (Retry r) {
                    continue;
                }
                if (plan.noop()) return plan.response();
                byte[] next = plan.next() == null ? null : Json.write(plan.next());
                if (next != null && next.length > Storage.MAX_VALUE_BYTES - 4096) {
                    throw KeyhavenException.badRequest("secret metadata would exceed the storage limit; lower max_versions or custom_metadata");
                }
                if (!plan.puts().isEmpty()) {
                    List<StorageOp> ops = new ArrayList<>();
                    plan.puts().forEach((k, v) -> ops.add(StorageOp.put(k, v)));
                    storage.batch(ops);
                }
                boolean applied;
                try {
                    applied = storage.compareAndSet(key, raw.orElse(null), next);
                } catch (RuntimeException e) {
                    dropQuietly(plan.puts().keySet());
                    throw e;
                }
                if (!applied) {
                    dropQuietly(plan.puts().keySet());
                    backoff(attempt);
                    continue;
                }
                if (plan.deleteFolder() != null) {
                    List<String> orphans = new ArrayList<>();
                    for (String child : storage.list(plan.deleteFolder())) {
                        if (!child.endsWith("/")) orphans.add(plan.deleteFolder() + child);
                    }
                    dropQuietly(orphans);
                } else {
                    dropQuietly(plan.cleanup());
                }
                return plan.response();
            }
            throw contention();
        } finally {
            lock.unlock();
        }
    }

    /** Deletes records nothing references any more; a failure only leaves unreachable (encrypted) garbage. */
    private void dropQuietly(java.util.Collection<String> keys) {
        if (keys.isEmpty()) return;
        List<StorageOp> ops = new ArrayList<>(keys.size());
        for (String k : keys) ops.add(StorageOp.delete(k));
        try {
            storage.batch(ops);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(KvV2Engine.class).warn("kv: could not remove {} unreferenced version record(s): {}",
                    keys.size(), e.getClass().getSimpleName());
        }
    }
}
