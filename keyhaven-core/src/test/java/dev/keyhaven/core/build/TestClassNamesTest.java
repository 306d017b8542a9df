package dev.keyhaven.core.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Surefire runs only classes named {@code Test*}, {@code *Test}, {@code *Tests} or {@code *TestCase}: a concrete class
 * with tests under another name compiles, passes locally when run by name, and never runs in {@code ./mvnw verify}.
 * This walks every module's test sources and names any such class.
 */
class TestClassNamesTest {
    private static final Pattern TEST_ANNOTATION = Pattern.compile("@(?:[\\w.]+\\.)?(Test|Property|ParameterizedTest|RepeatedTest|TestFactory|Example)\\b");
    private static final Pattern RUN_BY_SUREFIRE = Pattern.compile("(Test[^/]*|[^/]*(Test|Tests|TestCase))\\.java");

    @Test
    void everyConcreteTestClassIsNamedSoSurefireRunsIt() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertThat(root.resolve("pom.xml")).exists();
        List<String> missed = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(m -> Files.isDirectory(m.resolve("src/test/java"))).toList()) {
                try (Stream<Path> files = Files.walk(module.resolve("src/test/java"))) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                        if (RUN_BY_SUREFIRE.matcher(f.getFileName().toString()).matches()) continue;
                        String src = Files.readString(f);
                        if (TEST_ANNOTATION.matcher(src).find() && !src.contains("abstract class " + f.getFileName().toString().replace(".java", ""))) {
                            missed.add(root.relativize(f).toString());
                        }
                    }
                }
            }
        }
        assertThat(missed).as("test classes surefire would never run (rename them to *Test)").isEmpty();
    }
}
