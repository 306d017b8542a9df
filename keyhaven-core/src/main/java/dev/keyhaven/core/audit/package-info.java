/**
 * Tamper-evident audit log, compatible with Vault's {@code sys/audit} API and entry layout.
 *
 * <h2>Devices</h2>
 * <ul>
 * <li>{@code file}: JSON lines. Options: {@code file_path} (required; {@code stdout} and {@code discard} allowed),
 * {@code mode} (octal, default {@code 0600}; {@code 0000} leaves the mode alone), {@code log_raw} (default false),
 * {@code hmac_accessor} (default true), {@code prefix}, {@code format} ({@code json} only),
 * {@code elide_list_responses}, and ours: {@code fsync} (default false: one {@code write(2)} per group-commit batch,
 * no fsync), {@code checkpoint_interval} (entries, default 5000), {@code checkpoint_seconds} (default 60). SIGHUP
 * (logrotate) reopens the file: {@link dev.keyhaven.core.audit.AuditSignals#installSighupHandler()}.</li>
 * <li>{@code store}: entries kept in the storage backend behind the barrier; same options minus the file ones.
 * Queried and pruned through the API ({@code keyhaven audit query|prune}).</li>
 * </ul>
 *
 * <h2>Entries</h2>
 * One {@code request} and one {@code response} entry per call, with Vault's fields ({@code time, type, auth, request,
 * response, error}); every string of request and response data, the client token and (with {@code hmac_accessor}) the
 * accessor are replaced by {@code hmac-sha256:<hex>} under a per-install salt unless {@code log_raw}. Each entry ends
 * with {@code "seq": n, "prev": "<sha256 hex of the previous line>"} (entry 1: 64 zeros); extra top-level fields do
 * not disturb Vault log pipelines. Each device has its own chain.
 *
 * <h2>Tamper evidence</h2>
 * A {@code checkpoint} entry (in the chain) every {@code checkpoint_interval} entries, after at most
 * {@code checkpoint_seconds}, and on close, carries an Ed25519 signature over
 * {@code "keyhaven-audit-checkpoint\nEd25519\n<seq>\n<prev>\n<time>\n<key_id>"}; the key is created on first use
 * and kept behind the barrier; {@code GET sys/audit-pubkey} exports the public key (PEM). A rotated or pruned file
 * starts with a {@code chain_anchor} line ({@code first_seq}, {@code prev}; signed when the server wrote it).
 * {@code keyhaven audit verify FILE... [--pubkey K] [--expect-head SEQ:HASH]} reports the first removed, reordered or
 * edited entry; a chain alone cannot prove its own end, hence {@code --expect-head} (from
 * {@code GET sys/audit-head/:path}).
 *
 * <h2>Fail closed</h2>
 * {@link dev.keyhaven.core.audit.AuditBroker#logRequest} / {@code logResponse} throw 503
 * ({@code no audit backend succeeded in logging the request|response}) if no enabled device accepted the entry.
 *
 * <h2>Writing</h2>
 * Entries are formatted in the request's own thread (a hand-written JSON writer, byte-identical to Jackson's output)
 * and handed, lock-free, to the broker's {@code audit-writer} thread, which chains and writes everything queued as
 * one batch per device (group commit). A request that changes something is logged, and waited for, before it runs.
 * A read or list changes nothing: its request entry (stamped at arrival) is written together with its response
 * entry, and over HTTP the worker does not wait at all: the response is handed to the connection by the writer once
 * both entries are written, or replaced by the 503 if no device took them
 * ({@link dev.keyhaven.core.logical.Request#auditGate()}); metrics and request observers then count the status the
 * client got. Callers that wait (writes) yield the CPU a few times before they park
 * ({@code -Dkeyhaven.audit.spinYields}, default 20).
 *
 * <p>What it costs (KV v2 read over HTTP, 2-core VM, {@code AuditBenchmark}): 14–17 µs of server CPU per read on top
 * of 43–52 µs. Per-thread accounting puts ~12 µs on the writer (the {@code write(2)} into the page cache ~3, the chain's
 * SHA-256 over ~2.2 KB ~2, parking and being woken ~2, and sending the responses, which the workers otherwise do) and
 * ~8 µs more on the workers (formatting two entries ~3, waking the writer ~3). Writing from the request threads
 * instead (flat combining, no writer thread) was measured side by side ({@code AuditCompare}): the same CPU per read,
 * lower throughput. On a freshly booted VM, appending to a file that grows into never-touched memory costs ~10× a
 * write into recycled page cache; a long-running server with rotated logs does not pay that.
 *
 * <h2>Endpoints</h2>
 * See {@link dev.keyhaven.core.audit.AuditEngine}: {@code sys/audit}, {@code sys/audit/:path},
 * {@code sys/audit-hash/:path} (Vault), and ours: {@code sys/audit-pubkey}, {@code sys/audit-head/:path},
 * {@code sys/audit-query/:path}, {@code sys/audit-verify/:path}, {@code sys/audit-prune/:path}.
 */
package dev.keyhaven.core.audit;
