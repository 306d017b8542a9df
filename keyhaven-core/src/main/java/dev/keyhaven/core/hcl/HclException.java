package dev.keyhaven.core.hcl;

/** A syntax or structure error in an HCL document, with the 1-based line and column it was found at. */
public final class HclException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int line;
    private final int column;

    public HclException(String message, int line, int column) {
        super("line " + line + ", column " + column + ": " + message);
        this.line = line;
        this.column = column;
    }

    public int line() { return line; }
    public int column() { return column; }
}
