package dev.keyhaven.core.rotation;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes rotation events to the {@code keyhaven.rotation.audit} logger (WARN for failures and incidents). */
public final class LoggingRotationAudit implements RotationAudit {
    private static final Logger LOG = LoggerFactory.getLogger("keyhaven.rotation.audit");

    @Override
    public void record(RotationEvent e) {
        String line = "{} path={} policy={} rotator={} id={} reason={} version={} previous={} {}";
        Object[] args = {e.type(), e.path(), e.policy(), e.rotator(), e.rotationId(), e.reason(), e.version(), e.previousVersion(), e.detail()};
        if (e.type().equals("rotation.failed") || e.isIncident() || e.type().equals("rotation.rolled_back")) LOG.warn(line, args);
        else LOG.info(line, args);
    }
}
