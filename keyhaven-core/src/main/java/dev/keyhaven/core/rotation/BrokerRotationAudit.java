package dev.keyhaven.core.rotation;

import dev.keyhaven.core.audit.AuditAuth;
import dev.keyhaven.core.audit.AuditBroker;
import dev.keyhaven.core.audit.AuditEvent;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes rotation events into the audit log (and, always, the SLF4J line of {@link LoggingRotationAudit}). Each event
 * becomes a request/response pair for the internal path {@code sys/rotation/event/<type>/<secret path>} made by the
 * display name {@code keyhaven-rotation}; the event's fields are the request data (names, versions, value-free
 * details, HMAC'd by the broker like any request data). An incident ({@code rotation.incident}) fails closed: if no
 * audit device accepts it, the emergency rotation call fails with the broker's 503 (the rotation itself already
 * happened and is visible in the calendar). Other events never fail a rotation step that is already durable.
 */
public final class BrokerRotationAudit implements RotationAudit {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerRotationAudit.class);
    private static final AuditAuth ROTATION = new AuditAuth("", "", "keyhaven-rotation", List.of(), Map.of(), "", "internal");
    private final Supplier<Optional<AuditBroker>> broker;

    public BrokerRotationAudit(Supplier<Optional<AuditBroker>> broker) {
        this.broker = broker;
    }

    @Override
    public void record(RotationEvent e) {
        RotationAudit.LOGGING.record(e);
        Optional<AuditBroker> b = broker.get().filter(AuditBroker::hasDevices);
        if (b.isEmpty()) return;
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("event", e.type());
        data.put("secret_path", e.path());
        data.put("policy", e.policy());
        data.put("rotator", e.rotator());
        data.put("rotation_id", e.rotationId());
        data.put("reason", e.reason());
        data.put("version", e.version());
        data.put("previous_version", e.previousVersion());
        data.put("detail", e.detail());
        String rel = "rotation/event/" + e.type() + "/" + e.path();
        Request req = Request.builder(Operation.UPDATE, "sys/" + rel).data(data).remoteAddress("internal").build();
        req.setMount("sys/", "system", "", rel);
        AuditEvent ev = new AuditEvent(req, ROTATION, e.time());
        try {
            b.get().logRequest(ev);
            b.get().logResponse(ev, Response.of(Response.map("event", e.type(), "time", e.time().toString())));
        } catch (RuntimeException ex) {
            if (e.isIncident()) throw ex;
            LOG.error("rotation event {} for {} could not be written to the audit log: {}", e.type(), e.path(), RotationService.describe(ex));
        }
    }
}
