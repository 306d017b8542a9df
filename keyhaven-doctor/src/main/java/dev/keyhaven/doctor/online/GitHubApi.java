package dev.keyhaven.doctor.online;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * A read-only client for the GitHub REST API, for {@code keyhaven doctor --online}: GET with a bearer token, a 10 s
 * timeout and a 1 MiB body cap. The token is never put in an exception or a message.
 */
public final class GitHubApi {
    static final int MAX_BODY = 1 << 20;
    private static final ObjectMapper M = new ObjectMapper();

    /** A GET that did not give a usable answer; {@code status} 0 for a network problem. The message names no token. */
    public static final class Unavailable extends Exception {
        public final int status;

        Unavailable(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final URI base;
    private final Optional<String> token;
    private final HttpClient http;

    public GitHubApi(URI base, Optional<String> token) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b : b + "/");
        this.token = token.filter(t -> !t.isBlank()).map(String::strip);
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /**
     * From the environment as GitHub Actions sets it: {@code GITHUB_API_URL} (GitHub Enterprise Server; default
     * https://api.github.com) and {@code GITHUB_TOKEN} or {@code GH_TOKEN}.
     */
    public static GitHubApi fromEnvironment(java.util.Map<String, String> env) {
        String base = env.getOrDefault("GITHUB_API_URL", "https://api.github.com");
        String token = env.getOrDefault("GITHUB_TOKEN", env.getOrDefault("GH_TOKEN", ""));
        return new GitHubApi(URI.create(base), Optional.of(token));
    }

    public boolean hasToken() {
        return token.isPresent();
    }

    /** GETs {@code path} (relative, e.g. {@code repos/o/r}) and parses the JSON answer. */
    public JsonNode get(String path) throws Unavailable {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET()
                .header("Accept", "application/vnd.github+json").header("X-GitHub-Api-Version", "2022-11-28")
                .header("User-Agent", "keyhaven-doctor");
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        HttpResponse<InputStream> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new Unavailable(0, "GitHub API unreachable (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable(0, "interrupted");
        }
        try (InputStream in = r.body()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (r.statusCode() != 200) throw new Unavailable(r.statusCode(), describe(r.statusCode()));
            if (body.length > MAX_BODY) throw new Unavailable(r.statusCode(), "GitHub API answer larger than 1 MiB");
            return M.readTree(body);
        } catch (IOException e) {
            throw new Unavailable(r.statusCode(), "GitHub API answer unreadable (" + e.getClass().getSimpleName() + ")");
        }
    }

    private String describe(int status) {
        return switch (status) {
            case 401 -> "HTTP 401: the token was refused";
            case 403 -> token.isEmpty() ? "HTTP 403: needs a token (set GITHUB_TOKEN)" : "HTTP 403: the token lacks the permission (repository administration: read)";
            case 404 -> token.isEmpty() ? "HTTP 404: not visible without a token (set GITHUB_TOKEN)" : "HTTP 404: not found, or not visible to this token";
            default -> "HTTP " + status;
        };
    }
}
