package dev.keyhaven.client.dotenv;

import dev.keyhaven.client.SecretsException;

import java.util.List;

/**
 * A dotenv file has lines that are not valid assignments. Lists every bad line by number and reason; never
 * quotes the line, because a broken line is often a value that lost its quotes.
 */
public final class DotenvSyntaxException extends SecretsException {
    private static final long serialVersionUID = 1L;

    private final String origin;
    private final List<Problem> problems;

    public DotenvSyntaxException(String origin, List<Problem> problems) {
        super(render(origin, problems));
        this.origin = origin;
        this.problems = List.copyOf(problems);
    }

    /** The file (or label) that was parsed. */
    public String origin() {
        return origin;
    }

    /** Each bad line. */
    public List<Problem> problems() {
        return problems;
    }

    /** A bad line: its 1-based number and what is wrong, in words that never include the line's text. */
    public record Problem(int line, String reason) {
        @Override
        public String toString() {
            return "line " + line + ": " + reason;
        }
    }

    private static String render(String origin, List<Problem> problems) {
        StringBuilder sb = new StringBuilder(origin).append(": invalid dotenv syntax");
        for (Problem p : problems) {
            sb.append("\n  ").append(p);
        }
        return sb.toString();
    }
}
