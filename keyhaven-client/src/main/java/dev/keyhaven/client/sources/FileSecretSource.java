package dev.keyhaven.client.sources;

import dev.keyhaven.client.Secret;
import dev.keyhaven.client.SourceException;
import dev.keyhaven.client.spi.SecretSource;
import dev.keyhaven.client.spi.SourceValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Secrets mounted as files, the Docker and Kubernetes way.
 *
 * <ol>
 *   <li>If the environment has {@code NAME_FILE}, the value is the content of that file. A {@code NAME_FILE}
 *       that points to a missing or unreadable file is an error, not a miss: the deployment says the secret
 *       is there.</li>
 *   <li>Otherwise each secrets directory (default {@code /run/secrets}) is checked for a file called
 *       {@code NAME}, then {@code name} in lower case (Docker secret names are usually lower case).</li>
 * </ol>
 * One trailing line end ({@code \n} or {@code \r\n}) is removed, since {@code echo value > file} adds one;
 * anything else in the file is kept byte for byte. Files larger than 1 MiB are rejected. Names containing
 * anything but letters, digits, {@code _ . -} are never looked up in directories (no path traversal).
 */
public final class FileSecretSource implements SecretSource {

    /** The Docker/Swarm secrets directory. */
    public static final Path DOCKER_SECRETS = Path.of("/run/secrets");

    private static final long MAX_BYTES = 1024 * 1024;
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

    private final Map<String, String> environment;
    private final List<Path> directories;

    private FileSecretSource(Map<String, String> environment, List<Path> directories) {
        this.environment = Map.copyOf(environment);
        this.directories = List.copyOf(directories);
    }

    /** {@code NAME_FILE} from {@code environment}, then {@code /run/secrets}. */
    public static FileSecretSource defaults(Map<String, String> environment) {
        return of(environment, List.of(DOCKER_SECRETS));
    }

    /** {@code NAME_FILE} from {@code environment}, then the given directories in order. */
    public static FileSecretSource of(Map<String, String> environment, List<Path> directories) {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(directories, "directories");
        return new FileSecretSource(environment, directories);
    }

    @Override
    public String name() {
        return "file";
    }

    @Override
    public Optional<SourceValue> lookup(String name) {
        String pointer = environment.get(name + "_FILE");
        if (pointer != null && !pointer.isBlank()) {
            Path file = Path.of(pointer.strip());
            return Optional.of(SourceValue.of(read(file, name + "_FILE"), name + "_FILE -> " + file));
        }
        if (!SAFE_NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        for (Path dir : directories) {
            for (String candidate : candidates(name)) {
                Path file = dir.resolve(candidate);
                if (Files.isRegularFile(file)) {
                    return Optional.of(SourceValue.of(read(file, file.toString()), file.toString()));
                }
            }
        }
        return Optional.empty();
    }

    private static List<String> candidates(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.equals(name) ? List.of(name) : List.of(name, lower);
    }

    private Secret read(Path file, String via) {
        byte[] bytes = null;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new SourceException(name(), via + ": " + file + " is larger than 1 MiB");
            }
            bytes = Files.readAllBytes(file);
            int end = bytes.length;
            if (end > 0 && bytes[end - 1] == '\n') {
                end--;
                if (end > 0 && bytes[end - 1] == '\r') {
                    end--;
                }
            }
            byte[] trimmed = Arrays.copyOf(bytes, end);
            try {
                return Secret.ofUtf8(trimmed);
            } catch (IllegalArgumentException e) {
                throw new SourceException(name(), via + ": " + file + " is not valid UTF-8 text");
            } finally {
                Arrays.fill(trimmed, (byte) 0);
            }
        } catch (NoSuchFileException e) {
            throw new SourceException(name(), via + " points to " + file + ", which does not exist");
        } catch (IOException e) {
            throw new SourceException(name(), via + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        } finally {
            if (bytes != null) {
                Arrays.fill(bytes, (byte) 0);
            }
        }
    }
}
