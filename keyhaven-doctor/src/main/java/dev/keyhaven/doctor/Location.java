package dev.keyhaven.doctor;

/**
 * Where a result points: a repository-relative path with forward slashes ({@code ""} for the repository itself) and a
 * 1-based line ({@code 0} when the result is about the file as a whole or about a missing file).
 */
public record Location(String path, int line) implements Comparable<Location> {
    public Location {
        if (path == null) throw new IllegalArgumentException("path");
        if (line < 0) throw new IllegalArgumentException("line");
    }

    public static Location repo() { return new Location("", 0); }

    public static Location file(String path) { return new Location(path, 0); }

    @Override
    public String toString() {
        if (path.isEmpty()) return "(repository)";
        return line > 0 ? path + ":" + line : path;
    }

    @Override
    public int compareTo(Location o) {
        int c = path.compareTo(o.path);
        return c != 0 ? c : Integer.compare(line, o.line);
    }
}
