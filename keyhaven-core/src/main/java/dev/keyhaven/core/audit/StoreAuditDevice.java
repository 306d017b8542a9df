package dev.keyhaven.core.audit;

import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageOp;
import dev.keyhaven.core.util.Json;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The internal {@code store} device: entries live in the storage backend behind the barrier (encrypted like every
 * other value), one key per entry ({@code e/<20-digit seq>}), written with the chain head in one atomic batch per
 * group commit. {@code keyhaven audit query} and {@code prune} work on it through the server API, so nobody has to
 * ship log files around. After a prune, {@code anchor} records the first kept entry's sequence number and its
 * predecessor's hash, so the rest stays verifiable.
 */
public final class StoreAuditDevice extends AuditDevice {
    static final String ENTRY_PREFIX = "e/";
    private final Storage storage;

    StoreAuditDevice(DeviceConfig config, CheckpointSigner signer, Clock clock, Storage view) {
        super(config, signer, clock.instant());
        this.storage = view;
        restoreHead(readHead(view).orElse(AuditChain.Head.EMPTY));
    }

    static String key(long seq) {
        return ENTRY_PREFIX + String.format("%020d", seq);
    }

    static Optional<AuditChain.Head> readHead(Storage view) {
        return view.get("head").map(b -> {
            Map<?, ?> m = Json.read(b, Map.class);
            return new AuditChain.Head(((Number) m.get("seq")).longValue(), (String) m.get("hash"));
        });
    }

    static byte[] headBytes(AuditChain.Head h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", h.seq());
        m.put("hash", h.hash());
        return Json.write(m);
    }

    @Override
    protected void write(List<Line> lines, AuditChain.Head newHead) throws IOException {
        List<StorageOp> ops = new ArrayList<>(lines.size() + 1);
        for (Line l : lines) ops.add(StorageOp.put(key(l.seq()), l.bytes()));
        ops.add(StorageOp.put("head", headBytes(newHead)));
        try {
            storage.batch(ops);
        } catch (RuntimeException e) {
            throw new IOException("storage write failed: " + e.getClass().getSimpleName(), e);
        }
    }

    /** The chain start of what is left after pruning: (first kept seq, its predecessor hash); (1, GENESIS) if never pruned. */
    public AuditChain.Head anchor() {
        return storage.get("anchor").map(b -> {
            Map<?, ?> m = Json.read(b, Map.class);
            return new AuditChain.Head(((Number) m.get("first_seq")).longValue(), (String) m.get("prev"));
        }).orElse(new AuditChain.Head(1, AuditChain.GENESIS));
    }

    /** Sequence numbers of the stored entries, ascending. */
    public List<Long> sequences() {
        List<Long> out = new ArrayList<>();
        for (String k : storage.list(ENTRY_PREFIX)) {
            if (k.endsWith("/")) continue;
            try {
                out.add(Long.parseLong(k));
            } catch (NumberFormatException ignored) {
                // not ours
            }
        }
        return out;
    }

    public Optional<byte[]> line(long seq) {
        return storage.get(key(seq));
    }

    /** Deletes entries with seq &lt; {@code firstKept} and records the anchor, in one batch. */
    void prune(long firstKept, String prevOfFirstKept) {
        // the anchor goes first: if the process dies half way, readers skip what is left below it
        List<StorageOp> ops = new ArrayList<>();
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("first_seq", firstKept);
        a.put("prev", prevOfFirstKept);
        ops.add(StorageOp.put("anchor", Json.write(a)));
        for (long seq : sequences()) {
            if (seq >= firstKept) break;
            ops.add(StorageOp.delete(key(seq)));
        }
        for (int i = 0; i < ops.size(); i += 1000) storage.batch(ops.subList(i, Math.min(ops.size(), i + 1000)));
    }

    @Override
    public String describe() {
        return "storage";
    }

    @Override
    public void close() {}
}
