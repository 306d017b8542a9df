package dev.keyhaven.core.rotation;

import static dev.keyhaven.core.rotation.RotationKit.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RotationEndpointsTest {
    private final RotationKit kit = new RotationKit();

    private static void assertCode(org.assertj.core.api.ThrowableAssert.ThrowingCallable c, ErrorCode code) {
        assertThatThrownBy(c).isInstanceOfSatisfying(KeyhavenException.class, e -> assertThat(e.code()).isEqualTo(code));
    }

    @Test
    void policyCrudAndList() {
        assertCode(() -> kit.sys(Operation.LIST, "policy"), ErrorCode.NOT_FOUND);
        Response w = kit.sys(Operation.UPDATE, "policy/sessions", map("path", "secret/web/session", "category", "session-secret", "length", "48"));
        assertThat(w.data()).containsEntry("name", "sessions").containsEntry("rotator", "random").containsEntry("interval", "30d").containsEntry("overlap", "1d");
        kit.sys(Operation.CREATE, "policy/other", map("path", "secret/web/other", "rotator", "random", "interval", "90d"));
        assertThat(kit.sys(Operation.LIST, "policy").data()).containsEntry("keys", List.of("other", "sessions"));
        assertThat(kit.sys(Operation.LIST, "policy/").data()).containsEntry("keys", List.of("other", "sessions"));
        Map<String, Object> read = kit.sys(Operation.READ, "policy/sessions").data();
        assertThat(read).containsEntry("path", "secret/web/session").containsEntry("interval_seconds", 30L * 86400);
        assertThat(read.get("settings")).isEqualTo(Map.of("length", "48"));
        assertThat(kit.sys(Operation.DELETE, "policy/other").status()).isEqualTo(204);
        assertCode(() -> kit.sys(Operation.READ, "policy/other"), ErrorCode.NOT_FOUND);
        assertThat(kit.service.record("secret/web/other")).as("idle records of a deleted policy are removed").isEmpty();
    }

    @Test
    void hclPolicyDocumentIsAccepted() {
        kit.sys(Operation.UPDATE, "policy/hcl", map("policy", "path = \"secret/a/b\"\nrotator = \"random\"\ninterval = \"7d\"\nsettings {\n  format = \"hex\"\n}\n"));
        assertThat(kit.sys(Operation.READ, "policy/hcl").data().get("settings")).isEqualTo(Map.of("format", "hex"));
    }

    @Test
    void invalidPoliciesAre400sAndWriteNothing() {
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "policy/p", map("path", "secret/a", "rotator", "nope", "interval", "1d")), "unknown rotator 'nope'");
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "policy/p", map("path", "secret/a", "rotator", "random", "interval", "1d", "format", "rot13")), "setting 'format'");
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "policy/p", map("path", "secret/a", "rotator", "random", "interval", "1d", "length", "8")), "between 16 and 4096");
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "policy/p", map("path", "secret/a", "rotator", "random", "interval", "1d", "notify_url", "ftp://x")), "http(s)");
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "policy/p", map("path", "secret/a", "rotator", "random", "interval", "1d", "notify_url", "https://x.example")), "go together");
        assertCode(() -> kit.sys(Operation.LIST, "policy"), ErrorCode.NOT_FOUND);
        assertThat(kit.service.records()).isEmpty();
    }

    @Test
    void deletingAPolicyWithAPreviousInOverlapIs409() {
        kit.kvWrite("secret/web/session", map("value", "v1-" + System.nanoTime()));
        kit.sys(Operation.UPDATE, "policy/s", map("path", "secret/web/session", "rotator", "random", "interval", "30d", "overlap", "1d"));
        kit.service.rotateNow("secret/web/session", "manual", false);
        assertThatThrownBy(() -> kit.sys(Operation.DELETE, "policy/s")).isInstanceOfSatisfying(KeyhavenException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
            assertThat(e.getMessage()).contains("overlap window");
        });
        assertThat(kit.service.policy("s")).isPresent();
    }

    @Test
    void statusShowsTheCalendarAndOneSecretWithVersions() {
        kit.kvWrite("secret/web/session", map("value", "v1-" + System.nanoTime()));
        kit.sys(Operation.UPDATE, "policy/s", map("path", "secret/web/session", "rotator", "random", "interval", "30d", "overlap", "1d"));
        kit.service.rotateNow("secret/web/session", "manual", false);
        Map<String, Object> one = kit.sys(Operation.READ, "status/secret/web/session").data();
        assertThat(one).containsEntry("state", "overlap").containsEntry("current_version", 2L).containsEntry("previous_version", 1L);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> versions = (List<Map<String, Object>>) one.get("versions");
        assertThat(versions).extracting(v -> v.get("state")).containsExactly("current", "previous");
        assertCode(() -> kit.sys(Operation.READ, "status/secret/nothing"), ErrorCode.NOT_FOUND);
        Map<String, Object> categories = kit.sys(Operation.READ, "categories").data();
        assertThat(categories).containsKeys("database", "cache", "api-key", "signing-key", "session-secret");
    }

    @Test
    void rotateValidatesItsInput() {
        assertCode(() -> kit.sys(Operation.UPDATE, "rotate/secret/unmanaged"), ErrorCode.NOT_FOUND);
        kit.sys(Operation.UPDATE, "policy/s", map("path", "secret/web/*", "rotator", "random", "interval", "30d"));
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "rotate/secret/web/x", map("revoke_previous", "maybe")), "true or false");
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "rotate/secret/web/x", map("revoke", true)), "unknown field 'revoke'");
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "rotate/secret/web/*"), "not a pattern");
        // a path covered by a pattern but not existing yet: the emergency rotation issues its first value
        Response r = kit.sys(Operation.UPDATE, "rotate/secret/web/new", map("revoke_previous", "true"));
        assertThat(r.data()).containsEntry("current_version", 1L);
        assertThat(kit.engine.rootPaths()).contains("rotate/*");
    }

    @Test
    void unsupportedOperationsAndPathsAreClientErrors() {
        assertCode(() -> kit.sys(Operation.DELETE, "status"), ErrorCode.UNSUPPORTED_OPERATION);
        assertCode(() -> kit.sys(Operation.READ, "rotate/secret/a"), ErrorCode.UNSUPPORTED_OPERATION);
        assertCode(() -> kit.sys(Operation.READ, "bogus"), ErrorCode.NOT_FOUND);
        assertCode(() -> kit.sys(Operation.PATCH, "policy/x"), ErrorCode.UNSUPPORTED_OPERATION);
    }
}
