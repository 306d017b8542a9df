package dev.keyhaven.core.auth.jwt;

import dev.keyhaven.core.auth.login.LoginEvents;
import dev.keyhaven.core.auth.login.TokenIssuer;
import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.engine.EngineFactory;
import java.util.Objects;

/**
 * Creates JWT/OIDC auth method engines for {@code sys/auth} type {@code jwt} or {@code oidc} (the same engine, as in
 * Vault). Register both: {@code builder.engineFactory(JwtAuthFactory.jwt(issuer, events))
 * .engineFactory(JwtAuthFactory.oidc(issuer, events))}.
 */
public final class JwtAuthFactory implements EngineFactory {
    private final String type;
    private final TokenIssuer issuer;
    private final LoginEvents events;

    public JwtAuthFactory(String type, TokenIssuer issuer, LoginEvents events) {
        if (!type.equals("jwt") && !type.equals("oidc")) throw new IllegalArgumentException("type must be jwt or oidc");
        this.type = type;
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.events = Objects.requireNonNull(events, "events");
    }

    public static JwtAuthFactory jwt(TokenIssuer issuer, LoginEvents events) {
        return new JwtAuthFactory("jwt", issuer, events);
    }

    public static JwtAuthFactory oidc(TokenIssuer issuer, LoginEvents events) {
        return new JwtAuthFactory("oidc", issuer, events);
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public Engine create(EngineContext context) {
        return new JwtAuthEngine(context, issuer, events);
    }
}
