package dev.keyhaven.core.engine.kv;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Vault KV v2 behaviour, endpoint by endpoint; runs over every backend through {@link KvV2EngineContract}. */
abstract class KvV2EngineBehaviour extends KvV2EngineContract {

    // ================================================================================================ config

    @Test
    void configReadReturnsVaultDefaults() {
        assertThat(body(read("config"))).isEqualTo(json("{\"cas_required\":false,\"delete_version_after\":\"0s\",\"max_versions\":0}"));
    }

    @Test
    void configWriteIsReadBackWithGoDurationFormatting() {
        Response w = write("config", "{\"max_versions\":5,\"cas_required\":true,\"delete_version_after\":\"3h25m19s\"}");
        assertThat(w.status()).isEqualTo(204);
        assertThat(body(read("config"))).isEqualTo(json("{\"cas_required\":true,\"delete_version_after\":\"3h25m19s\",\"max_versions\":5}"));
        write("config", "{\"delete_version_after\":90}");
        assertThat(body(read("config")).get("delete_version_after").asText()).isEqualTo("1m30s");
        assertThat(body(read("config")).get("max_versions").asInt()).as("untouched fields keep their value").isEqualTo(5);
    }

    @Test
    void configNegativeDeleteVersionAfterDisablesItEvenWhereSecretsSetOne() {
        write("config", "{\"delete_version_after\":\"-1s\"}");
        assertThat(body(read("config")).get("delete_version_after").asText()).isEqualTo("-1s");
        write("metadata/app", "{\"delete_version_after\":\"1h\"}");
        assertThat(body(write("data/app", "{\"data\":{\"a\":\"b\"}}")).get("deletion_time").asText()).isEmpty();
    }

    @Test
    void configRejectsWrongTypesAndWritesNothing() {
        assertBadRequest(() -> write("config", "{\"max_versions\":\"many\"}"), "max_versions");
        assertBadRequest(() -> write("config", "{\"max_versions\":-1}"), "max_versions");
        assertBadRequest(() -> write("config", "{\"cas_required\":\"perhaps\"}"), "cas_required");
        assertBadRequest(() -> write("config", "{\"delete_version_after\":\"soon\"}"), "delete_version_after");
        assertThat(snapshot()).isEmpty();
    }

    @Test
    void configSupportsOnlyReadAndWrite() {
        assertUnsupported(() -> delete("config"));
        assertUnsupported(() -> list("config"));
    }

    // ================================================================================================ data

    @Test
    void writeReturnsExactlyVaultsFieldsWithRfc3339NanoTimes() {
        JsonNode w = body(write("data/my-secret", "{\"options\":{\"cas\":0},\"data\":{\"foo\":\"bar\",\"zip\":\"zap\"}}"));
        assertThat(w).isEqualTo(json("{\"created_time\":\"2018-03-22T02:24:06.945319214Z\",\"custom_metadata\":null,"
                + "\"deletion_time\":\"\",\"destroyed\":false,\"version\":1}"));
    }

    @Test
    void readReturnsDataAndVersionMetadata() {
        put("my-secret", "{\"foo\":\"bar\"}");
        clock.advance(Duration.ofMillis(1500));
        put("my-secret", "{\"foo\":\"baz\",\"n\":42,\"f\":1.50,\"ok\":true,\"nil\":null,\"list\":[1,\"two\",{\"x\":3}],\"obj\":{\"deep\":{\"er\":\"v\"}}}");
        JsonNode r = body(read("data/my-secret"));
        assertThat(r.get("data")).isEqualTo(json("{\"foo\":\"baz\",\"n\":42,\"f\":1.50,\"ok\":true,\"nil\":null,"
                + "\"list\":[1,\"two\",{\"x\":3}],\"obj\":{\"deep\":{\"er\":\"v\"}}}"));
        assertThat(r.get("metadata")).isEqualTo(json("{\"created_time\":\"2018-03-22T02:24:08.445319214Z\",\"custom_metadata\":null,"
                + "\"deletion_time\":\"\",\"destroyed\":false,\"version\":2}"));
        assertThat(body(read("data/my-secret", "version", "1")).get("data")).isEqualTo(json("{\"foo\":\"bar\"}"));
        assertThat(body(read("data/my-secret", "version", "0")).at("/metadata/version").asInt()).as("0 means latest").isEqualTo(2);
    }

    @Test
    void wholeSecondTimestampsHaveNoFraction() {
        clock.advance(Duration.ofNanos(-945319214));
        assertThat(body(write("data/a", "{\"data\":{\"k\":\"v\"}}")).get("created_time").asText()).isEqualTo("2018-03-22T02:24:06Z");
    }

    @Test
    void readOfMissingSecretOrVersionIs404WithoutBody() {
        assertNotFoundWithoutBody(() -> read("data/nothing"));
        put("one", "{\"a\":\"b\"}");
        assertNotFoundWithoutBody(() -> read("data/one", "version", "7"));
    }

    @Test
    void readOfDeletedVersionReturns404WithVaultBody() {
        put("app", "{\"a\":\"b\"}");
        clock.advance(Duration.ofSeconds(5));
        assertThat(delete("data/app").status()).isEqualTo(204);
        clock.advance(Duration.ofNanos(1));
        Response r = read("data/app");
        assertThat(r.status()).isEqualTo(404);
        assertThat(body(r)).isEqualTo(json("{\"data\":null,\"metadata\":{\"created_time\":\"2018-03-22T02:24:06.945319214Z\","
                + "\"custom_metadata\":null,\"deletion_time\":\"2018-03-22T02:24:11.945319214Z\",\"destroyed\":false,\"version\":1}}"));
    }

    @Test
    void readOfDestroyedVersionReturns404WithVaultBody() {
        put("app", "{\"a\":\"b\"}");
        put("app", "{\"a\":\"c\"}");
        assertThat(write("destroy/app", "{\"versions\":[1]}").status()).isEqualTo(204);
        Response r = read("data/app", "version", "1");
        assertThat(r.status()).isEqualTo(404);
        assertThat(body(r)).isEqualTo(json("{\"data\":null,\"metadata\":{\"created_time\":\"2018-03-22T02:24:06.945319214Z\","
                + "\"custom_metadata\":null,\"deletion_time\":\"\",\"destroyed\":true,\"version\":1}}"));
        assertThat(body(read("data/app")).get("data")).isEqualTo(json("{\"a\":\"c\"}"));
    }

    @Test
    void bareReadOfDeletedLatestDoesNotFallBackToOlderVersion() {
        put("app", "{\"v\":\"1\"}");
        put("app", "{\"v\":\"2\"}");
        delete("data/app");
        clock.advance(Duration.ofMillis(1));
        Response r = read("data/app");
        assertThat(r.status()).isEqualTo(404);
        assertThat(body(r).at("/metadata/version").asInt()).isEqualTo(2);
        assertThat(body(read("data/app", "version", "1")).get("data")).isEqualTo(json("{\"v\":\"1\"}"));
    }

    @Test
    void deleteLatestIsIdempotentAndUndeleteRestoresData() {
        put("app", "{\"v\":\"1\"}");
        delete("data/app");
        clock.advance(Duration.ofSeconds(1));
        String afterFirst = snapshot().toString();
        assertThat(delete("data/app").status()).isEqualTo(204);
        assertThat(snapshot().toString()).as("second delete changes nothing").isEqualTo(afterFirst);
        assertThat(delete("data/never-written").status()).isEqualTo(204);
        assertThat(write("undelete/app", "{\"versions\":[1]}").status()).isEqualTo(204);
        JsonNode r = body(read("data/app"));
        assertThat(r.get("data")).isEqualTo(json("{\"v\":\"1\"}"));
        assertThat(r.at("/metadata/deletion_time").asText()).isEmpty();
    }

    @Test
    void casZeroWritesOnlyWhenTheSecretDoesNotExist() {
        write("data/once", "{\"options\":{\"cas\":0},\"data\":{\"a\":\"1\"}}");
        Map<String, String> before = snapshot();
        assertBadRequest(() -> write("data/once", "{\"options\":{\"cas\":0},\"data\":{\"a\":\"2\"}}"),
                "check-and-set parameter did not match the current version");
        assertThat(snapshot()).isEqualTo(before);
        assertThat(body(read("data/once")).get("data")).isEqualTo(json("{\"a\":\"1\"}"));
    }

    @Test
    void casMustMatchTheCurrentVersion() {
        put("c", "{\"a\":\"1\"}");
        assertBadRequest(() -> write("data/c", "{\"options\":{\"cas\":2},\"data\":{\"a\":\"x\"}}"),
                "check-and-set parameter did not match the current version");
        assertThat(body(write("data/c", "{\"options\":{\"cas\":1},\"data\":{\"a\":\"2\"}}")).get("version").asInt()).isEqualTo(2);
        assertThat(body(write("data/c", "{\"options\":{\"cas\":\"2\"},\"data\":{\"a\":\"3\"}}")).get("version").asInt())
                .as("numeric text is accepted like Vault's weak decoding").isEqualTo(3);
    }

    @Test
    void casRequiredOnTheMountRejectsWritesWithoutCas() {
        write("config", "{\"cas_required\":true}");
        Map<String, String> before = snapshot();
        assertBadRequest(() -> write("data/c", "{\"data\":{\"a\":\"1\"}}"), "check-and-set parameter required for this call");
        assertThat(snapshot()).isEqualTo(before);
        assertThat(body(write("data/c", "{\"options\":{\"cas\":0},\"data\":{\"a\":\"1\"}}")).get("version").asInt()).isEqualTo(1);
    }

    @Test
    void casRequiredOnTheSecretRejectsWritesAndPatchesWithoutCas() {
        put("c", "{\"a\":\"1\"}");
        write("metadata/c", "{\"cas_required\":true}");
        assertBadRequest(() -> write("data/c", "{\"data\":{\"a\":\"2\"}}"), "check-and-set parameter required for this call");
        assertBadRequest(() -> patch("data/c", "{\"data\":{\"a\":\"2\"}}"), "check-and-set parameter required for this call");
        assertThat(body(patch("data/c", "{\"options\":{\"cas\":1},\"data\":{\"b\":\"2\"}}")).get("version").asInt()).isEqualTo(2);
        assertThat(body(read("data/c")).get("data")).isEqualTo(json("{\"a\":\"1\",\"b\":\"2\"}"));
    }

    @Test
    void existenceCheckDistinguishesCreateFromUpdate() {
        assertThat(engine.exists(request(Operation.UPDATE, "data/app", Map.of(), ""))).contains(false);
        assertThat(engine.exists(request(Operation.UPDATE, "metadata/app", Map.of(), ""))).contains(false);
        put("app", "{\"a\":\"b\"}");
        assertThat(engine.exists(request(Operation.UPDATE, "data/app", Map.of(), ""))).contains(true);
        assertThat(engine.exists(request(Operation.UPDATE, "metadata/app", Map.of(), ""))).contains(true);
        assertThat(engine.exists(request(Operation.UPDATE, "destroy/app", Map.of(), ""))).isEmpty();
    }

    @Test
    void createOperationBehavesExactlyLikeUpdate() {
        Response r = engine.handle(request(Operation.CREATE, "data/new", parse("{\"data\":{\"a\":\"b\"}}"), "application/json"));
        assertThat(body(r).get("version").asInt()).isEqualTo(1);
    }

    // ================================================================================================ patch

    @Test
    void patchAppliesJsonMergePatchAsANewVersion() {
        put("p", "{\"keep\":\"k\",\"drop\":\"d\",\"obj\":{\"a\":\"1\",\"b\":\"2\"},\"arr\":[1,2,3],\"scalar\":\"s\"}");
        clock.advance(Duration.ofSeconds(1));
        JsonNode w = body(patch("data/p", "{\"data\":{\"drop\":null,\"obj\":{\"b\":null,\"c\":\"3\"},\"arr\":[9],\"scalar\":{\"now\":\"obj\"},\"new\":\"n\"}}"));
        assertThat(w).isEqualTo(json("{\"created_time\":\"2018-03-22T02:24:07.945319214Z\",\"custom_metadata\":null,"
                + "\"deletion_time\":\"\",\"destroyed\":false,\"version\":2}"));
        assertThat(body(read("data/p")).get("data")).isEqualTo(json(
                "{\"keep\":\"k\",\"obj\":{\"a\":\"1\",\"c\":\"3\"},\"arr\":[9],\"scalar\":{\"now\":\"obj\"},\"new\":\"n\"}"));
        assertThat(body(read("data/p", "version", "1")).get("data").get("drop").asText()).as("old version untouched").isEqualTo("d");
    }

    @Test
    void patchRequiresMergePatchContentType() {
        put("p", "{\"a\":\"1\"}");
        Map<String, String> before = snapshot();
        for (String ct : new String[] {"application/json", "", "text/plain"}) {
            KeyhavenException e = failure(() -> engine.handle(request(Operation.PATCH, "data/p", parse("{\"data\":{\"a\":\"2\"}}"), ct)));
            assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE);
            assertThat(e.errors().get(0)).startsWith("PATCH requires Content-Type of application/merge-patch+json, provided ");
        }
        assertThat(snapshot()).isEqualTo(before);
        Response ok = engine.handle(request(Operation.PATCH, "data/p", parse("{\"data\":{\"a\":\"2\"}}"),
                "application/merge-patch+json; charset=utf-8"));
        assertThat(body(ok).get("version").asInt()).isEqualTo(2);
    }

    @Test
    void patchOfMissingSecretIs404AndWritesNothing() {
        assertNotFoundWithoutBody(() -> patch("data/none", "{\"data\":{\"a\":\"1\"}}"));
        write("metadata/meta-only", "{\"max_versions\":3}");
        assertNotFoundWithoutBody(() -> patch("data/meta-only", "{\"data\":{\"a\":\"1\"}}"));
        assertThat(versionRecords()).isEmpty();
    }

    @Test
    void patchOfDeletedLatestIs404WithTheVersionMetadata() {
        put("p", "{\"a\":\"1\"}");
        delete("data/p");
        clock.advance(Duration.ofSeconds(1));
        Response r = patch("data/p", "{\"data\":{\"a\":\"2\"}}");
        assertThat(r.status()).isEqualTo(404);
        assertThat(body(r)).isEqualTo(json("{\"created_time\":\"2018-03-22T02:24:06.945319214Z\",\"custom_metadata\":null,"
                + "\"deletion_time\":\"2018-03-22T02:24:06.945319214Z\",\"destroyed\":false,\"version\":1}"));
        assertThat(body(read("metadata/p")).get("current_version").asInt()).isEqualTo(1);
    }

    @Test
    void patchWithoutDataIsRejected() {
        put("p", "{\"a\":\"1\"}");
        assertBadRequest(() -> patch("data/p", "{\"options\":{}}"), "no data provided");
        assertBadRequest(() -> patch("data/p", "{\"data\":[1]}"), "\"data\"");
    }

    // ================================================================================================ versions

    @Test
    void maxVersionsDefaultKeepsTheLatestTen() {
        for (int i = 1; i <= 12; i++) put("m", "{\"i\":" + i + "}");
        JsonNode meta = body(read("metadata/m"));
        assertThat(meta.get("current_version").asInt()).isEqualTo(12);
        assertThat(meta.get("oldest_version").asInt()).isEqualTo(3);
        assertThat(fieldNames(meta.get("versions"))).containsExactly("3", "4", "5", "6", "7", "8", "9", "10", "11", "12");
        assertNotFoundWithoutBody(() -> read("data/m", "version", "2"));
        assertThat(versionRecords()).hasSize(10);
    }

    @Test
    void mountMaxVersionsTrimsOldVersionsAndTheirData() {
        write("config", "{\"max_versions\":3}");
        for (int i = 1; i <= 5; i++) put("m", "{\"i\":" + i + "}");
        JsonNode meta = body(read("metadata/m"));
        assertThat(fieldNames(meta.get("versions"))).containsExactly("3", "4", "5");
        assertThat(meta.get("oldest_version").asInt()).isEqualTo(3);
        assertThat(versionRecords()).hasSize(3);
        assertThat(body(read("data/m", "version", "3")).get("data")).isEqualTo(json("{\"i\":3}"));
    }

    @Test
    void secretMaxVersionsCanOnlyRaiseTheMountsLikeVault() {
        write("config", "{\"max_versions\":2}");
        write("metadata/low", "{\"max_versions\":1}");
        write("metadata/high", "{\"max_versions\":4}");
        for (int i = 1; i <= 5; i++) {
            put("low", "{\"i\":" + i + "}");
            put("high", "{\"i\":" + i + "}");
        }
        assertThat(fieldNames(body(read("metadata/low")).get("versions"))).containsExactly("4", "5");
        assertThat(fieldNames(body(read("metadata/high")).get("versions"))).containsExactly("2", "3", "4", "5");
    }

    @Test
    void loweringMaxVersionsTrimsOnTheNextWrite() {
        for (int i = 1; i <= 6; i++) put("m", "{\"i\":" + i + "}");
        write("metadata/m", "{\"max_versions\":2}");
        write("config", "{\"max_versions\":1}");
        put("m", "{\"i\":7}");
        assertThat(fieldNames(body(read("metadata/m")).get("versions"))).containsExactly("6", "7");
        assertThat(versionRecords()).hasSize(2);
    }

    @Test
    void deleteVersionAfterMakesVersionsReadAsDeletedOnceTheTimePasses() {
        write("metadata/t", "{\"delete_version_after\":\"1h\"}");
        JsonNode w = body(write("data/t", "{\"data\":{\"a\":\"b\"}}"));
        assertThat(w.get("deletion_time").asText()).isEqualTo("2018-03-22T03:24:06.945319214Z");
        clock.advance(Duration.ofHours(1));
        assertThat(read("data/t").status()).as("exactly at the deletion time it still reads").isEqualTo(200);
        clock.advance(Duration.ofNanos(1));
        Response r = read("data/t");
        assertThat(r.status()).isEqualTo(404);
        assertThat(body(r).get("data").isNull()).isTrue();
        assertThat(body(r).at("/metadata/deletion_time").asText()).isEqualTo("2018-03-22T03:24:06.945319214Z");
        assertThat(body(read("metadata/t")).at("/versions/1/deletion_time").asText()).isEqualTo("2018-03-22T03:24:06.945319214Z");
    }

    @Test
    void deleteVersionAfterUsesTheSmallerOfMountAndSecretAndUndeleteReschedules() {
        write("config", "{\"delete_version_after\":\"30m\"}");
        write("metadata/t", "{\"delete_version_after\":\"1h\"}");
        assertThat(body(write("data/t", "{\"data\":{\"a\":\"b\"}}")).get("deletion_time").asText())
                .isEqualTo("2018-03-22T02:54:06.945319214Z");
        clock.advance(Duration.ofHours(2));
        assertThat(read("data/t").status()).isEqualTo(404);
        write("undelete/t", "{\"versions\":[1]}");
        JsonNode r = body(read("data/t"));
        assertThat(r.get("data")).isEqualTo(json("{\"a\":\"b\"}"));
        assertThat(r.at("/metadata/deletion_time").asText()).isEqualTo("2018-03-22T04:54:06.945319214Z");
    }

    @Test
    void deleteUndeleteAndDestroySpecificVersions() {
        for (int i = 1; i <= 4; i++) put("v", "{\"i\":" + i + "}");
        assertThat(write("delete/v", "{\"versions\":[1,2]}").status()).isEqualTo(204);
        write("delete/v", "{\"versions\":\"3\"}");
        clock.advance(Duration.ofMillis(1));
        assertThat(read("data/v", "version", "1").status()).isEqualTo(404);
        assertThat(read("data/v", "version", "3").status()).isEqualTo(404);
        assertThat(read("data/v", "version", "4").status()).isEqualTo(200);
        write("undelete/v", "{\"versions\":\"1,3\"}");
        assertThat(read("data/v", "version", "1").status()).isEqualTo(200);
        assertThat(read("data/v", "version", "2").status()).isEqualTo(404);
        int before = versionRecords().size();
        write("destroy/v", "{\"versions\":[2,99]}");
        assertThat(versionRecords()).as("destroyed data is gone from storage").hasSize(before - 1);
        write("undelete/v", "{\"versions\":[2]}");
        JsonNode two = body(read("data/v", "version", "2"));
        assertThat(two.at("/metadata/destroyed").asBoolean()).isTrue();
        assertThat(body(read("metadata/v")).at("/versions/2/destroyed").asBoolean()).isTrue();
    }

    @Test
    void versionEndpointsRequireVersionsAndAcceptOnlyWrites() {
        put("v", "{\"i\":1}");
        assertBadRequest(() -> write("delete/v", "{}"), "No version number provided");
        assertBadRequest(() -> write("undelete/v", "{\"versions\":[]}"), "No version number provided");
        assertBadRequest(() -> write("destroy/v", "{}"), "no version number provided");
        assertBadRequest(() -> write("destroy/v", "{\"versions\":[\"one\"]}"), "versions");
        assertBadRequest(() -> write("delete/v", "{\"versions\":[-1]}"), "versions");
        assertUnsupported(() -> read("destroy/v"));
        assertUnsupported(() -> delete("undelete/v"));
        assertThat(write("destroy/none", "{\"versions\":[1]}").status()).isEqualTo(204);
    }

    // ================================================================================================ metadata

    @Test
    void metadataReadHasEveryVaultField() {
        write("metadata/s", "{\"max_versions\":5,\"cas_required\":false,\"delete_version_after\":\"3h25m19s\","
                + "\"custom_metadata\":{\"foo\":\"abc\",\"bar\":\"123\"}}");
        clock.advance(Duration.ofSeconds(1));
        put("s", "{\"a\":\"1\"}");
        clock.advance(Duration.ofSeconds(1));
        put("s", "{\"a\":\"2\"}");
        JsonNode m = body(read("metadata/s"));
        assertThat(m).isEqualTo(json("{\"cas_required\":false,\"created_time\":\"2018-03-22T02:24:06.945319214Z\","
                + "\"current_version\":2,\"custom_metadata\":{\"bar\":\"123\",\"foo\":\"abc\"},\"delete_version_after\":\"3h25m19s\","
                + "\"max_versions\":5,\"oldest_version\":0,\"updated_time\":\"2018-03-22T02:24:08.945319214Z\",\"versions\":{"
                + "\"1\":{\"created_time\":\"2018-03-22T02:24:07.945319214Z\",\"deletion_time\":\"2018-03-22T05:49:26.945319214Z\",\"destroyed\":false},"
                + "\"2\":{\"created_time\":\"2018-03-22T02:24:08.945319214Z\",\"deletion_time\":\"2018-03-22T05:49:27.945319214Z\",\"destroyed\":false}}}"));
        JsonNode d = body(read("data/s"));
        assertThat(d.at("/metadata/custom_metadata")).isEqualTo(json("{\"bar\":\"123\",\"foo\":\"abc\"}"));
    }

    @Test
    void metadataOfNewSecretCreatedByDataWriteUsesFirstVersionTimes() {
        put("s", "{\"a\":\"1\"}");
        JsonNode m = body(read("metadata/s"));
        assertThat(m.get("created_time").asText()).isEqualTo("2018-03-22T02:24:06.945319214Z");
        assertThat(m.get("custom_metadata").isNull()).isTrue();
        assertThat(m.get("delete_version_after").asText()).isEqualTo("0s");
        assertThat(m.get("max_versions").asInt()).isZero();
    }

    @Test
    void metadataWriteWithoutFieldsChangesNothing() {
        assertThat(write("metadata/none", "{}").status()).isEqualTo(204);
        assertThat(snapshot()).isEmpty();
        assertNotFoundWithoutBody(() -> read("metadata/none"));
    }

    @Test
    void metadataOnlySecretHasVersionZeroAndNoData() {
        write("metadata/pre", "{\"custom_metadata\":{\"owner\":\"jdoe\"}}");
        assertThat(body(read("metadata/pre")).get("current_version").asInt()).isZero();
        assertNotFoundWithoutBody(() -> read("data/pre"));
        JsonNode w = body(write("data/pre", "{\"options\":{\"cas\":0},\"data\":{\"a\":\"1\"}}"));
        assertThat(w.get("custom_metadata")).isEqualTo(json("{\"owner\":\"jdoe\"}"));
    }

    @Test
    void metadataCasRequiredFalseUnderMountMandateWarns() {
        write("config", "{\"cas_required\":true}");
        Response r = write("metadata/w", "{\"cas_required\":false}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.warnings()).containsExactly("\"cas_required\" set to false, but is mandated by backend config. This value will be ignored.");
        assertBadRequest(() -> write("data/w", "{\"data\":{\"a\":\"1\"}}"), "check-and-set parameter required for this call");
    }

    @Test
    void metadataDurationAcceptsSecondsAndGoStrings() {
        write("metadata/d", "{\"delete_version_after\":3600}");
        assertThat(body(read("metadata/d")).get("delete_version_after").asText()).isEqualTo("1h0m0s");
        write("metadata/d", "{\"delete_version_after\":\"1.5h\"}");
        assertThat(body(read("metadata/d")).get("delete_version_after").asText()).isEqualTo("1h30m0s");
        write("metadata/d", "{\"delete_version_after\":\"2d\"}");
        assertThat(body(read("metadata/d")).get("delete_version_after").asText()).isEqualTo("48h0m0s");
        assertBadRequest(() -> write("metadata/d", "{\"delete_version_after\":\"-5m\"}"), "delete_version_after");
    }

    @Test
    void customMetadataLimitsAreEnforcedLikeVault() {
        StringBuilder many = new StringBuilder("{\"custom_metadata\":{");
        for (int i = 0; i < 65; i++) many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        many.append("}}");
        assertBadRequest(() -> write("metadata/c", many.toString()),
                "custom_metadata validation failed: payload must contain at most 64 keys, provided 65");
        assertBadRequest(() -> write("metadata/c", "{\"custom_metadata\":{\"" + "k".repeat(129) + "\":\"v\"}}"),
                "but must be 0 < len(key) <= 128");
        assertBadRequest(() -> write("metadata/c", "{\"custom_metadata\":{\"k\":\"" + "v".repeat(513) + "\"}}"),
                "length of value for key \"k\" is 513 but must be 0 < len(value) <= 512");
        assertBadRequest(() -> write("metadata/c", "{\"custom_metadata\":{\"k\":\"\"}}"), "length of value for key \"k\" is 0");
        assertBadRequest(() -> write("metadata/c", "{\"custom_metadata\":{\"k\":{\"nested\":\"x\"}}}"), "must be a string");
        assertBadRequest(() -> write("metadata/c", "{\"custom_metadata\":{\"k\":\"bell\\u0007\"}}"), "unprintable");
        assertBadRequest(() -> write("metadata/c", "{\"custom_metadata\":\"owner=me\"}"), "custom_metadata");
        assertThat(snapshot()).isEmpty();
        write("metadata/c", "{\"custom_metadata\":{\"n\":5}}");
        assertThat(body(read("metadata/c")).at("/custom_metadata/n").asText()).as("numbers are kept as text").isEqualTo("5");
    }

    @Test
    void metadataPatchMergesCustomMetadataAndResetsNulledFields() {
        write("metadata/p", "{\"max_versions\":5,\"cas_required\":true,\"custom_metadata\":{\"a\":\"1\",\"b\":\"2\"}}");
        Response r = patch("metadata/p", "{\"custom_metadata\":{\"b\":null,\"c\":\"3\"},\"cas_required\":null}");
        assertThat(r.status()).isEqualTo(204);
        JsonNode m = body(read("metadata/p"));
        assertThat(m.get("custom_metadata")).isEqualTo(json("{\"a\":\"1\",\"c\":\"3\"}"));
        assertThat(m.get("max_versions").asInt()).as("absent fields stay").isEqualTo(5);
        assertThat(m.get("cas_required").asBoolean()).isFalse();
        patch("metadata/p", "{\"custom_metadata\":null}");
        assertThat(body(read("metadata/p")).get("custom_metadata").isNull()).isTrue();
    }

    @Test
    void metadataPatchNeedsAnExistingSecretAndMergePatchContentType() {
        assertNotFoundWithoutBody(() -> patch("metadata/none", "{\"max_versions\":2}"));
        put("p", "{\"a\":\"1\"}");
        KeyhavenException e = failure(() -> engine.handle(request(Operation.PATCH, "metadata/p", parse("{\"max_versions\":2}"), "application/json")));
        assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE);
        assertThat(body(read("metadata/p")).get("max_versions").asInt()).isZero();
    }

    @Test
    void metadataDeleteRemovesEveryVersionAndARecreatedSecretStartsOver() {
        for (int i = 1; i <= 3; i++) put("gone", "{\"i\":" + i + "}");
        put("kept", "{\"i\":0}");
        assertThat(delete("metadata/gone").status()).isEqualTo(204);
        assertNotFoundWithoutBody(() -> read("metadata/gone"));
        assertNotFoundWithoutBody(() -> read("data/gone"));
        assertThat(versionRecords()).hasSize(1);
        assertThat(put("gone", "{\"fresh\":true}")).isEqualTo(1);
        assertThat(body(read("data/gone")).get("data")).isEqualTo(json("{\"fresh\":true}"));
        assertThat(delete("metadata/never").status()).isEqualTo(204);
    }

    // ================================================================================================ subkeys

    @Test
    void subkeysReplaceLeavesWithNull() {
        put("s", "{\"foo\":\"abc\",\"bar\":{\"baz\":\"def\"},\"quux\":{}}");
        JsonNode r = body(read("subkeys/s"));
        assertThat(r).isEqualTo(json("{\"metadata\":{\"created_time\":\"2018-03-22T02:24:06.945319214Z\",\"custom_metadata\":null,"
                + "\"deletion_time\":\"\",\"destroyed\":false,\"version\":1},\"subkeys\":{\"foo\":null,\"bar\":{\"baz\":null},\"quux\":null}}"));
    }

    @Test
    void subkeysDepthTreatsDeeperObjectsAsLeaves() {
        put("s", "{\"a\":{\"b\":{\"c\":{\"d\":\"secret\"}}},\"x\":\"y\"}");
        assertThat(body(read("subkeys/s", "depth", "1")).get("subkeys")).isEqualTo(json("{\"a\":null,\"x\":null}"));
        assertThat(body(read("subkeys/s", "depth", "2")).get("subkeys")).isEqualTo(json("{\"a\":{\"b\":null},\"x\":null}"));
        assertThat(body(read("subkeys/s", "depth", "0")).get("subkeys")).isEqualTo(json("{\"a\":{\"b\":{\"c\":{\"d\":null}}},\"x\":null}"));
        assertThat(body(read("subkeys/s")).toString()).doesNotContain("secret");
        assertBadRequest(() -> read("subkeys/s", "depth", "deep"), "depth");
        assertBadRequest(() -> read("subkeys/s", "depth", "-1"), "depth");
    }

    @Test
    void subkeysOfVersionsAndDeletedVersions() {
        put("s", "{\"one\":\"1\"}");
        put("s", "{\"two\":\"2\"}");
        assertThat(body(read("subkeys/s", "version", "1")).get("subkeys")).isEqualTo(json("{\"one\":null}"));
        delete("data/s");
        clock.advance(Duration.ofSeconds(1));
        Response r = read("subkeys/s");
        assertThat(r.status()).isEqualTo(404);
        assertThat(body(r).get("subkeys").isNull()).isTrue();
        assertThat(body(r).at("/metadata/version").asInt()).isEqualTo(2);
        assertNotFoundWithoutBody(() -> read("subkeys/none"));
    }

    // ================================================================================================ list

    @Test
    void listShowsKeysAndFoldersWithTrailingSlash() {
        put("foo", "{\"a\":\"1\"}");
        put("foo/bar", "{\"a\":\"1\"}");
        put("foo/baz/qux", "{\"a\":\"1\"}");
        put("apple", "{\"a\":\"1\"}");
        assertThat(body(list("metadata/")).get("keys")).isEqualTo(json("[\"apple\",\"foo\",\"foo/\"]"));
        assertThat(body(list("metadata")).get("keys")).isEqualTo(json("[\"apple\",\"foo\",\"foo/\"]"));
        assertThat(body(list("metadata/foo/")).get("keys")).isEqualTo(json("[\"bar\",\"baz/\"]"));
        assertThat(body(list("metadata/foo")).get("keys")).as("LIST without trailing slash lists the folder").isEqualTo(json("[\"bar\",\"baz/\"]"));
    }

    @Test
    void emptyListIs404WithEmptyErrors() {
        assertNotFoundWithoutBody(() -> list("metadata/"));
        put("a/b", "{\"x\":\"1\"}");
        assertNotFoundWithoutBody(() -> list("metadata/nothing/"));
        delete("metadata/a/b");
        assertNotFoundWithoutBody(() -> list("metadata/"));
    }

    @Test
    void listIncludesSecretsWhoseVersionsAreAllDeleted() {
        put("d", "{\"x\":\"1\"}");
        delete("data/d");
        assertThat(body(list("metadata/")).get("keys")).isEqualTo(json("[\"d\"]"));
    }

    // ================================================================================================ routing

    @Test
    void unknownPathsAnswer404WithVaultsWarning() {
        Response r = read("foo/bar");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.warnings()).singleElement().asString().contains("Invalid path for a versioned K/V secrets engine")
                .contains("'vault kv get'");
        assertThat(write("foo", "{\"a\":\"b\"}").warnings()).singleElement().asString().contains("'vault kv put'");
        Response root = read("data");
        assertThat(root.status()).isEqualTo(404);
        assertThat(root.warnings()).containsExactly("Non-listing operations on the root of a K/V v2 mount are not supported.");
        assertThat(write("metadata/", "{\"max_versions\":1}").status()).isEqualTo(404);
    }

    @Test
    void unsupportedOperationsOnKnownPathsAre405() {
        assertUnsupported(() -> list("data/x"));
        assertUnsupported(() -> delete("subkeys/x"));
        assertUnsupported(() -> patch("subkeys/x", "{}"));
    }

    // ================================================================================================ validation

    @Test
    void malformedInputIsRejectedWithClearMessagesAndNothingIsWritten() {
        put("ok", "{\"a\":\"1\"}");
        Map<String, String> before = snapshot();
        assertBadRequest(() -> write("data/x", "{\"options\":\"x\",\"data\":{\"a\":\"1\"}}"), "invalid value for field \"options\": expected a JSON object");
        assertBadRequest(() -> write("data/x", "{\"data\":5}"), "invalid value for field \"data\": expected a JSON object");
        assertBadRequest(() -> write("data/x", "{\"data\":\"text\"}"), "\"data\"");
        assertBadRequest(() -> write("data/x", "{}"), "no data provided");
        assertBadRequest(() -> write("data/x", "{\"data\":null}"), "no data provided");
        assertBadRequest(() -> write("data/ok", "{\"options\":{\"cas\":-1},\"data\":{\"a\":\"1\"}}"), "check-and-set parameter");
        assertBadRequest(() -> write("data/ok", "{\"options\":{\"cas\":\"abc\"},\"data\":{\"a\":\"1\"}}"), "error parsing check-and-set parameter");
        assertBadRequest(() -> write("data/ok", "{\"options\":{\"cas\":1.5},\"data\":{\"a\":\"1\"}}"), "error parsing check-and-set parameter");
        assertBadRequest(() -> read("data/ok", "version", "abc"), "invalid value for field \"version\"");
        assertBadRequest(() -> read("data/ok", "version", "-2"), "version");
        assertBadRequest(() -> write("metadata/ok", "{\"max_versions\":\"abc\"}"), "max_versions");
        assertBadRequest(() -> write("metadata/ok", "{\"max_versions\":1000000}"), "max_versions");
        assertBadRequest(() -> write("metadata/ok", "{\"cas_required\":[true]}"), "cas_required");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void pathTraversalAndMalformedPathsAreRejected() {
        put("ok", "{\"a\":\"1\"}");
        Map<String, String> before = snapshot();
        for (String p : List.of("../ok", "a/../ok", "a/..", "./a", "a//b", "a/", "/a", "a/./b", "bad\u0000name", "x".repeat(600))) {
            assertBadRequest(() -> write("data/" + p, "{\"data\":{\"a\":\"1\"}}"), "path");
        }
        assertBadRequest(() -> read("data/../config"), "'.' and '..' segments are not allowed");
        assertBadRequest(() -> read("metadata/a/../../config"), "'.' and '..'");
        assertBadRequest(() -> write("destroy/..", "{\"versions\":[1]}"), "'..'");
        assertBadRequest(() -> list("metadata/../"), "'..'");
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void oversizedSecretIsRejectedAndNothingIsWritten() {
        String big = "x".repeat(KvV2Engine.MAX_SECRET_BYTES);
        assertBadRequest(() -> write("data/big", "{\"data\":{\"v\":\"" + big + "\"}}"), "secret data is too large");
        assertThat(snapshot()).isEmpty();
        put("p", "{\"a\":\"1\"}");
        Map<String, String> before = snapshot();
        assertBadRequest(() -> patch("data/p", "{\"data\":{\"v\":\"" + big + "\"}}"), "the limit is 1048576 bytes");
        assertThat(snapshot()).isEqualTo(before);
        String almost = "x".repeat(KvV2Engine.MAX_SECRET_BYTES - 100);
        assertThat(put("edge", "{\"v\":\"" + almost + "\"}")).isEqualTo(1);
        assertThat(body(read("data/edge")).at("/data/v").asText()).hasSize(almost.length());
    }

    @Test
    void secretValuesNeverAppearInErrorsOrMetadataRecords() {
        String canary = "canary-" + java.util.UUID.randomUUID();
        put("c", "{\"pw\":\"" + canary + "\"}");
        List<KeyhavenException> errors = new ArrayList<>();
        errors.add(failure(() -> write("data/c", "{\"options\":{\"cas\":9},\"data\":{\"pw\":\"" + canary + "\"}}")));
        errors.add(failure(() -> write("data/c", "{\"options\":{\"cas\":\"" + canary + "\"},\"data\":{\"a\":\"1\"}}")));
        errors.add(failure(() -> write("data/c", "{\"data\":\"" + canary + "\"}")));
        errors.add(failure(() -> write("data/c", "{\"options\":\"" + canary + "\",\"data\":{}}")));
        errors.add(failure(() -> read("data/c", "version", canary)));
        errors.add(failure(() -> write("metadata/c", "{\"custom_metadata\":{\"k\":{\"x\":\"" + canary + "\"}}}")));
        errors.add(failure(() -> engine.handle(request(Operation.PATCH, "data/c", parse("{\"data\":{\"pw\":\"" + canary + "\"}}"), "text/plain"))));
        for (KeyhavenException e : errors) {
            assertThat(e.getMessage()).doesNotContain(canary);
            assertThat(e.errors().toString()).doesNotContain(canary);
        }
        snapshot().forEach((k, v) -> {
            if (!k.startsWith("versions/")) assertThat(v).as(k).doesNotContain(canary);
        });
        assertThat(read("data/c").toString()).doesNotContain(canary);
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
