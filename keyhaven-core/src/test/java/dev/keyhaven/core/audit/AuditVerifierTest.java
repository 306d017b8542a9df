package dev.keyhaven.core.audit;

import static dev.keyhaven.core.audit.AuditFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** A 10,000-entry log written by the broker; every single-line deletion, edit or swap is found at the right entry. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditVerifierTest {
    @TempDir
    static Path dir;
    Path log;
    List<byte[]> lines;
    PublicKey key;
    AuditChain.Head head;
    TreeSet<Integer> positions = new TreeSet<>();

    @BeforeAll
    void writeLog() throws Exception {
        log = dir.resolve("audit.log");
        AuditBroker b = new AuditBroker(new MemoryStorage(), Clock.systemUTC());
        b.enable("file", "file", "", Map.of("file_path", log.toString(), "checkpoint_interval", "500"), false);
        // 4,990 calls = 9,980 entries + 19 checkpoints (every 500) + 1 final checkpoint at close = 10,000 lines
        for (int call = 0; call < 4_990; call++) {
            AuditEvent ev = AuditEvent.of(request(Operation.READ, "secret/data/app/k" + call, Map.of(), null), AuditAuth.NONE);
            b.logRequest(ev);
            b.logResponse(ev, Response.of(Map.of("v", "x")));
        }
        key = CheckpointSigner.parsePublicKey(b.publicKeyPem());
        b.close(); // final checkpoint
        lines = new ArrayList<>();
        for (String l : Files.readAllLines(log, StandardCharsets.UTF_8)) lines.add(l.getBytes(StandardCharsets.UTF_8));
        int n = lines.size();
        head = new AuditChain.Head(n, AuditChain.sha256Hex(lines.get(n - 1)));
        // first, second, last two, every checkpoint line, and a spread in between
        positions.addAll(List.of(0, 1, 2, n - 2, n - 1));
        for (int i = 0; i < n; i++) if (new String(lines.get(i), StandardCharsets.UTF_8).contains("\"type\":\"checkpoint\"") && i % 2000 < 600) positions.add(i);
        java.util.Random rnd = new java.util.Random(42);
        for (int i = 0; i < 4; i++) positions.add(1 + rnd.nextInt(n - 2));
    }

    AuditVerifier.Result verify(List<byte[]> ls) {
        return new AuditVerifier(Optional.of(key), Optional.of(head)).verify(List.of(new AuditVerifier.Source("audit.log", ls.iterator())));
    }

    @Test
    void intactLogVerifies() throws Exception {
        assertThat(lines).hasSize(10_000);
        AuditVerifier.Result r = new AuditVerifier(Optional.of(key), Optional.empty()).verifyFiles(List.of(log));
        assertThat(r.ok()).as(r.message()).isTrue();
        assertThat(r.message()).isEqualTo("ok: 10000 entries, chain intact; 20 checkpoint signatures verified");
        assertThat(verify(lines).ok()).isTrue();
    }

    @Test
    void deletingAnyOneLineIsReportedAtItsSequenceNumber() {
        for (int i : positions) {
            List<byte[]> ls = new ArrayList<>(lines);
            ls.remove(i);
            AuditVerifier.Result r = verify(ls);
            assertThat(r.ok()).as("delete line %d", i + 1).isFalse();
            assertThat(r.problemSeq()).as("delete line %d: %s", i + 1, r.message()).isEqualTo(i + 1);
            assertThat(r.message()).contains("removed");
        }
    }

    @Test
    void editingAnyOneLineIsReportedAtItsSequenceNumber() {
        for (int i : positions) {
            List<byte[]> ls = new ArrayList<>(lines);
            String s = new String(lines.get(i), StandardCharsets.UTF_8);
            int t = s.indexOf("\"time\":\"") + 8 + 17; // a seconds digit of the timestamp
            char c = s.charAt(t);
            String edited = s.substring(0, t) + (c == '1' ? '2' : '1') + s.substring(t + 1);
            ls.set(i, edited.getBytes(StandardCharsets.UTF_8));
            AuditVerifier.Result r = verify(ls);
            assertThat(r.ok()).as("edit line %d", i + 1).isFalse();
            assertThat(r.problemSeq()).as("edit line %d: %s", i + 1, r.message()).isEqualTo(i + 1);
        }
    }

    @Test
    void editingAValueDeepInsideAnEntryIsCaughtByTheNextEntry() {
        int i = 4321;
        List<byte[]> ls = new ArrayList<>(lines);
        String s = new String(lines.get(i), StandardCharsets.UTF_8);
        assertThat(s).contains("secret/data/app/k");
        ls.set(i, s.replace("secret/data/app/k", "secret/data/app/X").getBytes(StandardCharsets.UTF_8));
        AuditVerifier.Result r = verify(ls);
        assertThat(r.problemSeq()).isEqualTo(i + 1);
        assertThat(r.message()).isEqualTo("line " + (i + 1) + ": entry " + (i + 1) + " was edited (its hash does not match the prev hash recorded in entry " + (i + 2) + ")");
    }

    @Test
    void swappingAnyLineWithItsSuccessorIsReportedAtItsSequenceNumber() {
        for (int i : positions) {
            if (i == lines.size() - 1) continue;
            List<byte[]> ls = new ArrayList<>(lines);
            ls.set(i, lines.get(i + 1));
            ls.set(i + 1, lines.get(i));
            AuditVerifier.Result r = verify(ls);
            assertThat(r.ok()).as("swap line %d", i + 1).isFalse();
            assertThat(r.problemSeq()).as("swap line %d: %s", i + 1, r.message()).isEqualTo(i + 1);
            assertThat(r.message()).contains("swapped");
        }
    }

    @Test
    void messagesNameTheLineAndTheEntry() {
        List<byte[]> ls = new ArrayList<>(lines);
        ls.remove(732);
        assertThat(verify(ls).message()).isEqualTo("line 733: sequence 733 expected, found 734 (entry 733 removed)");
        List<byte[]> truncated = new ArrayList<>(lines.subList(0, lines.size() - 3));
        assertThat(verify(truncated).message()).contains("entries " + (lines.size() - 2) + ".." + lines.size() + " removed");
    }

    @Test
    void withoutAnExpectedHeadOnlyTheTailIsUnprovable() {
        List<byte[]> ls = new ArrayList<>(lines.subList(0, lines.size() - 1));
        AuditVerifier.Result r = new AuditVerifier(Optional.of(key), Optional.empty()).verify(List.of(new AuditVerifier.Source("a", ls.iterator())));
        assertThat(r.ok()).isTrue(); // documented: a chain cannot prove its own end; use --expect-head
        List<byte[]> mid = new ArrayList<>(lines);
        mid.remove(5000);
        assertThat(new AuditVerifier(Optional.empty(), Optional.empty()).verify(List.of(new AuditVerifier.Source("a", mid.iterator()))).problemSeq())
                .isEqualTo(5001);
    }

    @Test
    void rewritingTheWholeChainAfterAnEditIsCaughtByTheSignedCheckpoints() {
        // an attacker edits entry 100 and recomputes every later prev hash: only signatures can tell
        List<byte[]> ls = new ArrayList<>();
        String prev = AuditChain.GENESIS;
        for (int i = 0; i < lines.size(); i++) {
            String s = new String(lines.get(i), StandardCharsets.UTF_8);
            if (i == 99) s = s.replace("\"operation\":\"read\"", "\"operation\":\"list\"");
            s = s.replaceFirst("\"prev\":\"[0-9a-f]{64}\"", "\"prev\":\"" + prev + "\"");
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            ls.add(b);
            prev = AuditChain.sha256Hex(b);
        }
        AuditVerifier.Result noKey = new AuditVerifier(Optional.empty(), Optional.empty()).verify(List.of(new AuditVerifier.Source("a", ls.iterator())));
        assertThat(noKey.ok()).isTrue();
        AuditVerifier.Result withKey = new AuditVerifier(Optional.of(key), Optional.empty()).verify(List.of(new AuditVerifier.Source("a", ls.iterator())));
        assertThat(withKey.ok()).isFalse();
        assertThat(withKey.message()).contains("checkpoint signature invalid");
        assertThat(withKey.problemSeq()).isEqualTo(501); // the first checkpoint after the edit
    }
}
