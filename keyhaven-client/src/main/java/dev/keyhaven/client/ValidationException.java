package dev.keyhaven.client;

import java.util.List;

/**
 * Startup validation failed. The message lists every problem at once (missing, empty, placeholder, or a
 * source that could not be asked), one per line, by name only.
 */
public final class ValidationException extends SecretsException {
    private static final long serialVersionUID = 1L;

    private final List<Problem> problems;

    public ValidationException(List<Problem> problems) {
        super(render(problems));
        this.problems = List.copyOf(problems);
    }

    /** The problems, in the order the names were declared. */
    public List<Problem> problems() {
        return problems;
    }

    /** What is wrong with one required name. */
    public enum Reason {
        MISSING("missing"),
        EMPTY("empty"),
        PLACEHOLDER("placeholder value"),
        SOURCE_FAILED("could not be checked");

        private final String text;

        Reason(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /** One required name and why it is unusable; {@code detail} names sources or files, never the value. */
    public record Problem(String name, Reason reason, String detail) {
        @Override
        public String toString() {
            return name + ": " + reason.text() + (detail.isEmpty() ? "" : " (" + detail + ")");
        }
    }

    private static String render(List<Problem> problems) {
        StringBuilder sb = new StringBuilder();
        sb.append(problems.size()).append(problems.size() == 1 ? " required secret is" : " required secrets are")
                .append(" not usable:");
        for (Problem p : problems) {
            sb.append("\n  - ").append(p);
        }
        return sb.toString();
    }
}
