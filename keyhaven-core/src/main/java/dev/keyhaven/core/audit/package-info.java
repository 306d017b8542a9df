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
 * Entries are formatted in the request's own thread (a hand-written JSON writer, byte-identical to Jackson's output),
 * which also starts each line's SHA-256 over the prefix and body, and queued, lock-free; whoever writes takes
 * everything queued, chains it (finishing each hash with the {@code seq}/{@code prev} tail, a block or two) and writes
 * it as one batch per device (group commit). A request that changes something is logged, and waited for, before it
 * runs. A read or list changes nothing: its request entry (stamped at arrival) is written together with its response
 * entry, and over HTTP the worker does not wait at all ({@link dev.keyhaven.core.logical.Request#auditGate()}): the
 * response goes out once both entries are written, or is replaced by the 503 if no device took them; metrics and
 * request observers then count the status the client got. Who writes: when every device is a plain file without
 * {@code fsync} (an append into the page cache takes microseconds), the connection's event loop, which has to send the
 * answer anyway, writes the batch and sends the answers; otherwise (fsync, stdout, the store device) the broker's
 * {@code audit-writer} thread. Callers that wait (writes) yield the CPU a few times before they park
 * ({@code -Dkeyhaven.audit.spinYields}, default 20).
 *
 * <p>What it costs (KV v2 read over HTTP, 2-core VM, {@code AuditBenchmark}): 13–18 µs of server CPU per read on top of
 * 48–63 µs (10–11 µs in side-by-side {@code AuditCompare} runs): formatting the two entries (~2.5 µs), the lines'
 * SHA-256 over ~2.2 KB (~1.4 µs, in the request threads), the {@code write(2)} into the page cache (~1.5–2.5 µs per
 * read, ~5 reads per write), and the rest in context switches and cache misses: with the audit on, idle workers park
 * and are woken again about twice as often (0.7 vs 0.4 voluntary switches per read). Handing each batch to a writer
 * thread instead cost more on this machine, where waking a thread on the other vCPU costs several microseconds (side by
 * side with {@code AuditCompare}: 26.1 vs 19.8 µs per read; 14–20 µs in solo runs). Writing from the request threads
 * themselves (flat combining) was measured too: no better than the event loop (26.2 vs 24.8 µs). On this VM (its
 * balloon device hands freed memory back to the host), appending a read's 2.26 KB in 18 KB writes took 2.5 µs into new
 * page-cache pages against 0.75 µs overwriting resident ones; dropping written pages with
 * {@code posix_fadvise(DONTNEED)} to recycle them made it slower (3.6 µs: the writer then starts the writeback itself).
 *
 * <p>The trade-off of writing on the event loop: if {@code write(2)} blocks (the kernel throttling dirty pages on a
 * slow disk), the loop's other connections wait too. Every audited answer waits for that write in any case; only
 * requests that are not audited (the seal-exempt ones such as {@code sys/health}) on the same loop lose.
 *
 * <h2>Endpoints</h2>
 * See {@link dev.keyhaven.core.audit.AuditEngine}: {@code sys/audit}, {@code sys/audit/:path},
 * {@code sys/audit-hash/:path} (Vault), and ours: {@code sys/audit-pubkey}, {@code sys/audit-head/:path},
 * {@code sys/audit-query/:path}, {@code sys/audit-verify/:path}, {@code sys/audit-prune/:path}.
 */
package dev.keyhaven.core.audit;
