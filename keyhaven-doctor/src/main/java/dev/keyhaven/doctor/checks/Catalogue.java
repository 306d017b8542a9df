package dev.keyhaven.doctor.checks;

import dev.keyhaven.doctor.Check;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** All built-in checks, ordered by id. */
public final class Catalogue {
    private Catalogue() {}

    public static List<Check> all() {
        List<Check> out = new ArrayList<>();
        out.addAll(SecretChecks.all());
        out.addAll(ContainerChecks.all());
        out.addAll(GuardrailChecks.all());
        out.addAll(ActionsChecks.all());
        out.addAll(TrustChecks.all());
        out.sort(Comparator.comparing(Check::id));
        return List.copyOf(out);
    }
}
