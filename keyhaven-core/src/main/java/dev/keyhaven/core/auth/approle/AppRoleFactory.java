package dev.keyhaven.core.auth.approle;

import dev.keyhaven.core.auth.login.LoginEvents;
import dev.keyhaven.core.auth.login.TokenIssuer;
import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.engine.EngineFactory;
import java.util.Objects;

/** Creates AppRole auth method engines ({@code sys/auth} type {@code approle}). */
public final class AppRoleFactory implements EngineFactory {
    private final TokenIssuer issuer;
    private final LoginEvents events;

    public AppRoleFactory(TokenIssuer issuer, LoginEvents events) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.events = Objects.requireNonNull(events, "events");
    }

    @Override
    public String type() {
        return "approle";
    }

    @Override
    public Engine create(EngineContext context) {
        return new AppRoleEngine(context, issuer, events);
    }
}
