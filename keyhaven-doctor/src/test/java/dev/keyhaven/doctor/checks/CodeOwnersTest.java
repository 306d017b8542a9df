package dev.keyhaven.doctor.checks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** CODEOWNERS patterns, matched with the scanner's gitignore single-pattern matcher plus GitHub's reading of a match. */
class CodeOwnersTest {
    @Test
    void directoryPatternsOwnEverythingBelowThem() {
        CodeOwners c = CodeOwners.parse("/.github/ @org/security\napps/ @org/apps\n/docs @org/docs\n");
        assertThat(c.owners(".github/workflows/ci.yml")).containsExactly("@org/security");
        assertThat(c.owners("x/apps/y/z.js")).containsExactly("@org/apps");
        assertThat(c.owners("docs/a/b.md")).containsExactly("@org/docs");
        assertThat(c.owners("src/.github/x")).isEmpty(); // anchored
        assertThat(c.problems()).isEmpty();
    }

    @Test
    void trailingStarOwnsDirectChildrenOnly() {
        CodeOwners c = CodeOwners.parse("docs/* @org/docs\n");
        assertThat(c.owners("docs/getting-started.md")).containsExactly("@org/docs");
        assertThat(c.owners("docs/build-app/troubleshooting.md")).isEmpty();
    }

    @Test
    void lastMatchWinsAndAnEmptyOwnerListUnowns() {
        CodeOwners c = CodeOwners.parse("* @org/all\n**/Dockerfile @org/platform\n/vendor/\n");
        assertThat(c.owners("README.md")).containsExactly("@org/all");
        assertThat(c.owners("svc/a/Dockerfile")).containsExactly("@org/platform");
        assertThat(c.owners("vendor/lib/Dockerfile")).isEmpty();
    }

    @Test
    void gitignoreOnlySyntaxIsReportedWithItsLine() {
        CodeOwners c = CodeOwners.parse("# owners\n!/keep @a\n*.[ch] @b\nsrc/ team\n");
        assertThat(c.problems()).extracting(CodeOwners.Problem::line).containsExactly(2, 3, 4);
        assertThat(c.owners("src/x.java")).isEmpty();
    }
}
