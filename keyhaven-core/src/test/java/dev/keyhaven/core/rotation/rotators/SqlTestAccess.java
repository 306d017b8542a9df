package dev.keyhaven.core.rotation.rotators;

/** Test access to the rotators' quoting helpers (so fixtures quote exactly as production does). */
public final class SqlTestAccess {
    private SqlTestAccess() {}

    public static String pgIdent(String s) {
        return PostgresRotator.ident(s);
    }

    public static String mysqlLiteral(String s) {
        return MysqlRotator.literal(s);
    }
}
