package dev.keyhaven.scanner.report;

import java.io.IOException;
import java.io.Writer;

/** Output formats: one writer per format. */
public enum Format {
    TEXT, JSON, SARIF;

    public void write(Report report, Writer out, boolean color) throws IOException {
        switch (this) {
            case TEXT -> TextReporter.write(report, out, color);
            case JSON -> JsonReporter.write(report, out);
            case SARIF -> SarifReporter.write(report, out);
        }
        out.flush();
    }
}
