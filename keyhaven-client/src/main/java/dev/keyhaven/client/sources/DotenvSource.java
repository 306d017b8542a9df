package dev.keyhaven.client.sources;

import dev.keyhaven.client.Secret;
import dev.keyhaven.client.SourceException;
import dev.keyhaven.client.dotenv.DotenvEntry;
import dev.keyhaven.client.dotenv.DotenvParser;
import dev.keyhaven.client.dotenv.DotenvSyntaxException;
import dev.keyhaven.client.spi.SecretSource;
import dev.keyhaven.client.spi.SourceValue;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Dotenv files, read with {@link DotenvParser}. Files that do not exist are skipped; a file that exists but
 * cannot be read or parsed is an error (naming the file and the bad line numbers, never a value). When
 * several files define a key, the <em>later</em> file wins, so the default list
 * {@code .env, .env.local, .secrets/dev.env} lets local files override the shared one. Files are read on
 * first use and again after {@link #refresh()}.
 */
public final class DotenvSource implements SecretSource {

    /** The default files, relative to the working directory, lowest precedence first. */
    public static final List<String> DEFAULT_FILES = List.of(".env", ".env.local", ".secrets/dev.env");

    private static final long MAX_FILE_BYTES = 4L * 1024 * 1024;

    private final List<Path> files;
    private final DotenvParser parser;
    private final Path displayBase;
    private volatile Map<String, Found> loaded;

    private record Found(Secret value, String location) {
    }

    private DotenvSource(List<Path> files, DotenvParser parser, Path displayBase) {
        this.files = List.copyOf(files);
        this.parser = parser;
        this.displayBase = displayBase;
    }

    /** The default files under {@code directory}, expanding from {@code environment} then earlier keys. */
    public static DotenvSource defaults(Path directory, Map<String, String> environment) {
        return of(directory, DEFAULT_FILES.stream().map(directory::resolve).toList(), environment);
    }

    /** The given files (lowest precedence first), shown relative to {@code directory} in messages. */
    public static DotenvSource of(Path directory, List<Path> files, Map<String, String> environment) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(files, "files");
        return new DotenvSource(files, DotenvParser.expandingFrom(environment), directory);
    }

    @Override
    public String name() {
        return "dotenv";
    }

    /** The files this source reads, lowest precedence first (whether or not they exist). */
    public List<Path> files() {
        return files;
    }

    @Override
    public Optional<SourceValue> lookup(String name) {
        Found f = load().get(name);
        return f == null ? Optional.empty() : Optional.of(SourceValue.of(f.value(), f.location()));
    }

    @Override
    public void refresh() {
        loaded = null;
    }

    private Map<String, Found> load() {
        Map<String, Found> m = loaded;
        if (m != null) {
            return m;
        }
        synchronized (this) {
            if (loaded == null) {
                loaded = read();
            }
            return loaded;
        }
    }

    private Map<String, Found> read() {
        Map<String, Found> out = new HashMap<>();
        Map<String, String> earlier = new HashMap<>();
        for (Path file : files) {
            String display = display(file);
            String text;
            try {
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                if (Files.size(file) > MAX_FILE_BYTES) {
                    throw new SourceException(name(), display + " is larger than 4 MiB; not a dotenv file");
                }
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                continue;
            } catch (CharacterCodingException e) {
                throw new SourceException(name(), display + " is not valid UTF-8");
            } catch (IOException e) {
                throw new SourceException(name(), "cannot read " + display + ": " + e.getClass().getSimpleName());
            }
            List<DotenvEntry> entries;
            try {
                entries = parser.parse(text, display, earlier);
            } catch (DotenvSyntaxException e) {
                throw new SourceException(name(), e.getMessage());
            }
            for (DotenvEntry e : entries) {
                out.put(e.key(), new Found(e.value(), display + ":" + e.line()));
                earlier.put(e.key(), e.value().reveal());
            }
        }
        return Map.copyOf(out);
    }

    private String display(Path file) {
        try {
            Path rel = displayBase.toAbsolutePath().normalize().relativize(file.toAbsolutePath().normalize());
            return rel.toString().startsWith("..") ? file.toString() : rel.toString();
        } catch (IllegalArgumentException e) {
            return file.toString();
        }
    }
}
