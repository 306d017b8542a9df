package dev.keyhaven.core.audit;

import dev.keyhaven.core.testing.MutableClock;
import static dev.keyhaven.core.audit.AuditFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditPruneTest {
    @TempDir
    Path dir;

    final Instant now = Instant.parse("2026-11-24T12:00:00Z");
    final MutableClock clock = new MutableClock(now.minus(Duration.ofDays(120)));

    void calls(AuditBroker b, int n, String tag) {
        for (int i = 0; i < n; i++) {
            AuditEvent ev = new AuditEvent(request(Operation.READ, "secret/data/" + tag + i, Map.of(), null), AuditAuth.NONE, clock.instant());
            b.logRequest(ev);
            b.logResponse(ev, Response.of(Map.of("v", "x")));
            clock.set(clock.instant().plusSeconds(60));
        }
    }

    AuditVerifier.Result verify(PublicKey key, Path... files) throws Exception {
        return new AuditVerifier(Optional.of(key), Optional.empty()).verifyFiles(List.of(files));
    }

    @Test
    void offlineFilePruneMovesOldEntriesToAChecksummedBackupAndBothHalvesVerify() throws Exception {
        AuditBroker b = new AuditBroker(new MemoryStorage(), clock);
        Path log = dir.resolve("audit.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString(), "checkpoint_interval", "20"), false);
        calls(b, 30, "old"); // 120 days ago
        clock.set(now.minus(Duration.ofDays(10)));
        calls(b, 20, "new");
        PublicKey key = CheckpointSigner.parsePublicKey(b.publicKeyPem());
        b.close();
        long total = Files.readAllLines(log).size();

        Path backups = dir.resolve("backups");
        AuditPruner.Result r = AuditPruner.pruneFile(log, now.minus(AuditTimes.duration("90d")), backups);
        assertThat(r.nothing()).isFalse();
        assertThat(r.firstSeq()).isEqualTo(1);
        assertThat(r.backup().getFileName().toString()).isEqualTo("audit-1-" + r.lastSeq() + ".jsonl.gz");
        assertThat(Files.readString(r.checksum())).isEqualTo(r.sha256() + "  " + r.backup().getFileName() + "\n");
        assertThat(AuditPruner.checkBackup(r.backup())).isNull();

        List<String> kept = Files.readAllLines(log);
        assertThat(kept.get(0)).contains("\"type\":\"chain_anchor\"").contains("\"first_seq\":" + (r.lastSeq() + 1));
        assertThat(kept.size() - 1 + r.lastSeq()).isEqualTo(total);
        assertThat(kept.stream().filter(l -> l.contains("secret/data/old"))).isEmpty();

        AuditVerifier.Result rest = verify(key, log);
        assertThat(rest.ok()).as(rest.message()).isTrue();
        assertThat(rest.firstSeq()).isEqualTo(r.lastSeq() + 1);
        assertThat(verify(key, r.backup()).ok()).isTrue();
        AuditVerifier.Result both = verify(key, r.backup(), log);
        assertThat(both.ok()).as(both.message()).isTrue();
        assertThat(both.entries()).isEqualTo(total);

        // a tampered backup is caught by its checksum
        byte[] bytes = Files.readAllBytes(r.backup());
        bytes[bytes.length / 2] ^= 1;
        Files.write(r.backup(), bytes);
        assertThat(AuditPruner.checkBackup(r.backup())).startsWith("checksum mismatch");
        // pruning again finds nothing older than the cut
        assertThat(AuditPruner.pruneFile(log, now.minus(Duration.ofDays(90)), backups).nothing()).isTrue();
    }

    @Test
    void aLogThatDoesNotVerifyIsNeverPruned() throws Exception {
        AuditBroker b = new AuditBroker(new MemoryStorage(), clock);
        Path log = dir.resolve("audit.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString()), false);
        calls(b, 5, "old");
        b.close();
        List<String> lines = new ArrayList<>(Files.readAllLines(log));
        lines.remove(3);
        Files.write(log, lines);
        assertThatThrownBy(() -> AuditPruner.pruneFile(log, now, dir.resolve("b")))
                .hasMessageContaining("does not verify").hasMessageContaining("entry 4 removed");
        assertThat(dir.resolve("b")).doesNotExist();
    }

    @Test
    void storePruneKeepsTheRestVerifiableAndRefusesABackupThatDoesNotMatch() throws Exception {
        MemoryStorage storage = new MemoryStorage();
        AuditBroker b = new AuditBroker(storage, clock);
        b.enable("store", "store", "", Map.of("checkpoint_interval", "25"), false);
        Path log = dir.resolve("audit.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString(), "checkpoint_interval", "25"), false);
        calls(b, 40, "old");
        clock.set(now.minus(Duration.ofDays(5)));
        calls(b, 10, "new");
        clock.set(now);
        PublicKey key = CheckpointSigner.parsePublicKey(b.publicKeyPem());

        assertThatThrownBy(() -> b.pruneStore("store", 10, AuditChain.GENESIS)).isInstanceOfSatisfying(KeyhavenException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        assertThat(b.verifyStore("store").firstSeq()).isEqualTo(1);

        Path backups = dir.resolve("backups");
        AuditPruner.Result r = b.pruneOlderThan("store", now.minus(Duration.ofDays(90)), backups);
        assertThat(r.nothing()).isFalse();
        AuditVerifier.Result rest = b.verifyStore("store");
        assertThat(rest.ok()).as(rest.message()).isTrue();
        assertThat(rest.firstSeq()).isEqualTo(r.lastSeq() + 1);
        assertThat(b.query("store", new AuditQuery(Optional.of("secret/data/old*"), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), "all", 1000))).isEmpty();
        // backup + what is left, exported, verify as one chain
        Path exported = dir.resolve("rest.jsonl");
        List<byte[]> restLines = new ArrayList<>();
        restLines.add(AuditPruner.anchor(r.lastSeq() + 1, rest.lastHash().isEmpty() ? "" : storedAnchorPrev(b), null));
        for (AuditDevice.Line l : b.lines("store", 0, 100_000)) restLines.add(l.bytes());
        Files.write(exported, joinLines(restLines));
        AuditVerifier.Result both = verify(key, r.backup(), exported);
        assertThat(both.ok()).as(both.message()).isTrue();
        assertThat(AuditPruner.checkBackup(r.backup())).isNull();

        // in-server pruning of the live file device, under the commit lock, then logging goes on
        AuditPruner.Result fr = b.pruneOlderThan("file", now.minus(Duration.ofDays(90)), dir.resolve("file-backups"));
        assertThat(fr.nothing()).isFalse();
        calls(b, 2, "after");
        b.close();
        AuditVerifier.Result fileBoth = verify(key, fr.backup(), log);
        assertThat(fileBoth.ok()).as(fileBoth.message()).isTrue();
        assertThat(Files.readString(log)).contains("secret/data/after1").doesNotContain("secret/data/old");
    }

    @Test
    void retentionFromConfigPrunesEveryDeviceIntoItsOwnBackupDirectory() throws Exception {
        AuditBroker b = new AuditBroker(new MemoryStorage(), clock);
        Path log = dir.resolve("audit.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString()), false);
        b.enable("store", "store", "", Map.of(), false);
        b.enable("out", "file", "", Map.of("file_path", "discard"), false);
        calls(b, 5, "old");
        clock.set(now.minus(Duration.ofDays(1)));
        calls(b, 5, "new");
        clock.set(now);
        AuditRetention policy = AuditRetention.parse("90d", dir.resolve("retained").toString(), "24h");
        Map<String, String> done = b.runRetention(policy);
        assertThat(done.keySet()).containsExactly("file/", "store/");
        // 10 old entries plus the checkpoints that fell due while the clock moved a minute per call
        assertThat(done.values()).allMatch(s -> s.startsWith("pruned entries 1..14 ") && s.endsWith("; 15 entries kept"), "both devices");
        assertThat(dir.resolve("retained/file/audit-1-14.jsonl.gz")).exists();
        assertThat(dir.resolve("retained/store/audit-1-14.jsonl.gz.sha256")).exists();
        assertThat(b.verifyStore("store").ok()).isTrue();
        assertThatThrownBy(() -> AuditRetention.parse("ninety days", "/x", null)).hasMessageContaining("audit_retention.older_than");
        assertThatThrownBy(() -> AuditRetention.parse("90d", "", null)).hasMessageContaining("backup_dir is required");
        b.close();
    }

    private static String storedAnchorPrev(AuditBroker b) {
        return b.store("store").anchor().hash();
    }

    private static byte[] joinLines(List<byte[]> lines) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] l : lines) {
            out.writeBytes(l);
            out.write('\n');
        }
        return out.toByteArray();
    }
}
