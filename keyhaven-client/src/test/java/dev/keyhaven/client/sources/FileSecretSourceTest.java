package dev.keyhaven.client.sources;

import dev.keyhaven.client.Canary;
import dev.keyhaven.client.SourceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileSecretSourceTest {

    @TempDir
    Path dir;

    @Test
    void nameFileIsReadWithOneTrailingNewlineTrimmed() throws IOException {
        String v = Canary.value("f");
        Path f = dir.resolve("s");
        Files.writeString(f, v + "\n\n");
        FileSecretSource src = FileSecretSource.of(Map.of("TOKEN_FILE", f.toString()), List.of());
        assertThat(src.lookup("TOKEN").orElseThrow().secret().reveal()).isEqualTo(v + "\n");
        assertThat(src.lookup("TOKEN").orElseThrow().location()).isEqualTo("TOKEN_FILE -> " + f);
    }

    @Test
    void nameFilePointingNowhereIsAnErrorNotAMiss() {
        Path missing = dir.resolve("absent");
        FileSecretSource src = FileSecretSource.of(Map.of("TOKEN_FILE", missing.toString()), List.of());
        assertThatThrownBy(() -> src.lookup("TOKEN"))
                .isInstanceOf(SourceException.class)
                .hasMessage("[file] TOKEN_FILE points to " + missing + ", which does not exist");
    }

    @Test
    void secretsDirectoryIsSearchedByExactThenLowerCaseName() throws IOException {
        Files.writeString(dir.resolve("api_key"), "lower\n");
        Files.writeString(dir.resolve("Mixed"), "exact");
        FileSecretSource src = FileSecretSource.of(Map.of(), List.of(dir));
        assertThat(src.lookup("API_KEY").orElseThrow().secret().reveal()).isEqualTo("lower");
        assertThat(src.lookup("Mixed").orElseThrow().secret().reveal()).isEqualTo("exact");
        assertThat(src.lookup("OTHER")).isEmpty();
    }

    @Test
    void namesThatCouldEscapeTheDirectoryAreNeverLookedUp() throws IOException {
        Path inner = Files.createDirectories(dir.resolve("inner"));
        Files.writeString(dir.resolve("outside"), "nope");
        FileSecretSource src = FileSecretSource.of(Map.of(), List.of(inner));
        assertThat(src.lookup("../outside")).isEmpty();
        assertThat(src.lookup("..")).isEmpty();
    }

    @Test
    void binaryFileIsRejectedWithoutItsContent() throws IOException {
        Path f = dir.resolve("bin");
        Files.write(f, new byte[] {(byte) 0xff, (byte) 0xfe, 0x41});
        FileSecretSource src = FileSecretSource.of(Map.of("B_FILE", f.toString()), List.of());
        assertThatThrownBy(() -> src.lookup("B")).hasMessageContaining("is not valid UTF-8 text");
    }
}
