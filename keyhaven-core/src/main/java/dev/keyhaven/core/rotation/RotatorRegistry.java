package dev.keyhaven.core.rotation;

import dev.keyhaven.core.rotation.rotators.KeyRingRotator;
import dev.keyhaven.core.rotation.rotators.MysqlRotator;
import dev.keyhaven.core.rotation.rotators.PostgresRotator;
import dev.keyhaven.core.rotation.rotators.RandomRotator;
import dev.keyhaven.core.rotation.rotators.RedisRotator;
import dev.keyhaven.core.rotation.rotators.WebhookRotator;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The rotators by type. {@link #builtIn()} has every shipped one; plug-ins are added with {@link #with(Rotator)}. */
public final class RotatorRegistry {
    private final Map<String, Rotator> rotators;

    private RotatorRegistry(Map<String, Rotator> rotators) {
        this.rotators = Map.copyOf(rotators);
    }

    public static RotatorRegistry builtIn() {
        Map<String, Rotator> m = new TreeMap<>();
        for (Rotator r : new Rotator[] {new RandomRotator(), new PostgresRotator(), new MysqlRotator(), new RedisRotator(),
                new WebhookRotator(), new KeyRingRotator("transit"), new KeyRingRotator("jwt")}) {
            m.put(r.type(), r);
        }
        return new RotatorRegistry(m);
    }

    public RotatorRegistry with(Rotator r) {
        Map<String, Rotator> m = new TreeMap<>(rotators);
        m.put(r.type(), r);
        return new RotatorRegistry(m);
    }

    public Optional<Rotator> get(String type) {
        return Optional.ofNullable(rotators.get(type));
    }

    public Rotator require(String type) {
        return get(type).orElseThrow(() -> RotationException.badRequest("unknown rotator '" + RotationPolicy.printable(type)
                + "' (known: " + String.join(", ", new TreeMap<>(rotators).keySet()) + ")"));
    }

    public Collection<Rotator> all() {
        return rotators.values();
    }
}
