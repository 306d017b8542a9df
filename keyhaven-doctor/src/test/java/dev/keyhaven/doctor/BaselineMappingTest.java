package dev.keyhaven.doctor;

import static dev.keyhaven.doctor.Fixtures.files;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyhaven.doctor.report.JsonReporter;
import dev.keyhaven.doctor.report.SarifReporter;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every check maps to OSPS Baseline controls and/or a Scorecard or zizmor peer, and the reports carry the mapping. */
class BaselineMappingTest {
    @Test
    void everyCheckIsMappedAndEveryMappingNamesACheck() {
        Set<String> ids = new Doctor().catalogue().stream().map(Check::id).collect(Collectors.toSet());
        assertThat(ids).hasSize(43);
        assertThat(Baseline.mappedChecks()).isEqualTo(ids);
        for (Check c : new Doctor().catalogue()) {
            Baseline b = c.baseline();
            assertThat(b.osps().size() + b.related().size()).as(c.id()).isPositive();
            assertThat(b.osps()).as(c.id()).allMatch(o -> o.matches("OSPS-(AC|BR|DO|GV|LE|QA|SA|VM)-\\d\\d\\.\\d\\d"));
            assertThat(b.related()).as(c.id()).allMatch(o -> o.matches("(Scorecard|zizmor):[A-Za-z-]+"));
        }
        // the examples the design names
        assertThat(Baseline.of("KH101").osps()).containsExactly("OSPS-BR-07.01");
        assertThat(Baseline.of("KH401").osps()).containsExactly("OSPS-AC-04.01");
        assertThat(Baseline.of("KH405").osps()).containsExactly("OSPS-BR-01.01");
        assertThat(Baseline.of("KH404").osps()).containsExactly("OSPS-BR-01.03");
        assertThat(Baseline.of("KH999")).isEqualTo(Baseline.NONE);
    }

    @Test
    void jsonAndSarifCarryTheMapping(@TempDir Path tmp) throws Exception {
        Path d = Fixtures.write(tmp.resolve("r"), files(".github/workflows/ci.yml", DoctorBehaviourTest.WF), false);
        Report r = new Doctor().run(d, new DoctorOptions(Set.of("KH401", "KH403"), Set.of(), DoctorBehaviourTest.TODAY));
        assertThat(r.findings()).extracting(Finding::checkId).contains("KH401");

        JsonNode json = JsonReporter.toJson(r);
        JsonNode check = find(json.get("checks"), "id", "KH401");
        assertThat(texts(check.get("osps"))).containsExactly("OSPS-AC-04.01");
        assertThat(texts(check.get("related"))).contains("Scorecard:Token-Permissions");
        assertThat(texts(find(json.get("checks"), "id", "KH403").get("osps"))).isEmpty(); // pinning: no Baseline control
        assertThat(texts(find(json.get("findings"), "id", "KH401").get("osps"))).containsExactly("OSPS-AC-04.01");

        JsonNode rule = find(SarifReporter.toSarif(r).at("/runs/0/tool/driver/rules"), "id", "KH401");
        assertThat(texts(rule.at("/properties/tags"))).contains("security", "OSPS-AC-04.01");
        assertThat(texts(rule.at("/properties/related"))).contains("zizmor:excessive-permissions");
    }

    static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode n : array) if (value.equals(n.path(field).asText())) return n;
        throw new AssertionError("no element with " + field + "=" + value);
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
