package dev.keyhaven.doctor.yaml;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * A YAML file composed into node trees with marks (SnakeYAML Engine's low-level Node API), one per document. A file
 * that does not parse yields no documents and an error message with the line; checks then skip it (and KH-level
 * parse errors are reported by the checks that need the structure).
 */
public final class YamlFile {
    private final String path;
    private final List<Node> documents;
    private final String error;
    private final int errorLine;

    private YamlFile(String path, List<Node> documents, String error, int errorLine) {
        this.path = path;
        this.documents = List.copyOf(documents);
        this.error = error;
        this.errorLine = errorLine;
    }

    public static YamlFile parse(String path, String text) {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(path)
                .setUseMarks(true)
                .setAllowDuplicateKeys(true)
                .setMaxAliasesForCollections(200)
                .setCodePointLimit(8 * 1024 * 1024)
                .build();
        List<Node> docs = new ArrayList<>();
        try {
            Composer composer = new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text)));
            while (composer.hasNext()) {
                Node n = composer.next();
                if (n != null) docs.add(n);
            }
            return new YamlFile(path, docs, null, 0);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(0);
            return new YamlFile(path, docs, "YAML syntax error: " + e.getProblem(), line);
        } catch (YamlEngineException | IllegalArgumentException e) {
            return new YamlFile(path, docs, "YAML could not be read: " + e.getClass().getSimpleName(), 0);
        }
    }

    public String path() { return path; }

    public List<Node> documents() { return documents; }

    /** The first document's root, if any. */
    public Optional<Node> root() { return documents.isEmpty() ? Optional.empty() : Optional.of(documents.get(0)); }

    public Optional<String> error() { return Optional.ofNullable(error); }

    public int errorLine() { return errorLine; }
}
