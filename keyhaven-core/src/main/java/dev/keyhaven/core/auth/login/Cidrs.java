package dev.keyhaven.core.auth.login;

import dev.keyhaven.core.logical.KeyhavenException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * CIDR blocks as Vault's {@code token_bound_cidrs}/{@code secret_id_bound_cidrs}/{@code cidr_list} take them: a
 * block ({@code 10.0.0.0/8}, {@code fd00::/8}) or a bare address (a /32 or /128). Only IP literals are accepted; a
 * host name is never resolved.
 */
public final class Cidrs {
    private Cidrs() {}

    private record Block(byte[] net, int bits) {
        boolean contains(byte[] ip) {
            if (ip.length != net.length) return false;
            int full = bits / 8, rest = bits % 8;
            for (int i = 0; i < full; i++) if (ip[i] != net[i]) return false;
            if (rest == 0) return true;
            int mask = (0xff << (8 - rest)) & 0xff;
            return (ip[full] & mask) == (net[full] & mask);
        }
    }

    /** Validates and normalises (trimmed, lower-case, de-duplicated, sorted) a list of blocks; 400 naming the field. */
    public static List<String> validate(String field, List<String> raw) {
        TreeSet<String> out = new TreeSet<>();
        for (String s : raw) {
            String t = s.strip().toLowerCase(Locale.ROOT);
            if (t.isEmpty()) continue;
            if (parse(t).isEmpty()) throw KeyhavenException.badRequest("invalid CIDR block in '" + field + "': " + printable(t));
            out.add(t);
        }
        return List.copyOf(out);
    }

    /** Whether {@code address} lies in any of {@code blocks}; false for an empty or unparsable address. */
    public static boolean contains(List<String> blocks, String address) {
        Optional<byte[]> ip = literal(clean(address));
        if (ip.isEmpty()) return false;
        for (String b : blocks) {
            Optional<Block> blk = parse(b);
            if (blk.isPresent() && blk.get().contains(ip.get())) return true;
        }
        return false;
    }

    /**
     * Whether {@code address} is one IP address (IPv4, IPv6, optionally in brackets or with an IPv4 {@code :port}),
     * never looked up as a host name.
     */
    public static boolean isAddress(String address) {
        return literal(clean(address)).isPresent();
    }

    /**
     * The canonical text of an address {@link #isAddress} accepts, as a socket's peer address reads
     * ({@code 10.0.0.1}, {@code 2001:db8:0:0:0:0:0:1}; an IPv4-mapped IPv6 address as IPv4).
     */
    public static String normalize(String address) {
        byte[] ip = literal(clean(address)).orElseThrow(() -> new IllegalArgumentException("not an IP address"));
        try {
            return InetAddress.getByAddress(ip).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address");
        }
    }

    /** Whether every block of {@code inner} lies inside some block of {@code outer} (empty outer = no restriction). */
    public static boolean subset(List<String> inner, List<String> outer) {
        if (outer.isEmpty()) return true;
        for (String i : inner) {
            Block bi = parse(i).orElseThrow();
            boolean ok = false;
            for (String o : outer) {
                Block bo = parse(o).orElseThrow();
                if (bo.net().length == bi.net().length && bo.bits() <= bi.bits() && bo.contains(bi.net())) {
                    ok = true;
                    break;
                }
            }
            if (!ok) return false;
        }
        return true;
    }

    private static String clean(String address) {
        String a = address == null ? "" : address.strip();
        if (a.startsWith("/")) a = a.substring(1);
        if (a.startsWith("[")) {
            int end = a.indexOf(']');
            a = end > 0 ? a.substring(1, end) : a;
        } else if (a.indexOf(':') == a.lastIndexOf(':') && a.indexOf(':') > 0) {
            a = a.substring(0, a.indexOf(':')); // IPv4 host:port
        }
        return a;
    }

    private static Optional<Block> parse(String s) {
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        Optional<byte[]> ip = literal(addr);
        if (ip.isEmpty()) return Optional.empty();
        int max = ip.get().length * 8;
        int bits = max;
        if (slash >= 0) {
            String b = s.substring(slash + 1);
            if (!b.matches("[0-9]{1,3}")) return Optional.empty();
            bits = Integer.parseInt(b);
            if (bits > max) return Optional.empty();
        }
        return Optional.of(new Block(ip.get(), bits));
    }

    private static Optional<byte[]> literal(String s) {
        if (s.isEmpty() || s.length() > 45) return Optional.empty();
        boolean v4 = s.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
        boolean v6 = s.contains(":") && s.matches("[0-9a-fA-F:.]+");
        if (!v4 && !v6) return Optional.empty();
        if (v4) for (String p : s.split("\\.")) if (Integer.parseInt(p) > 255) return Optional.empty();
        try {
            byte[] b = InetAddress.getByName(s).getAddress(); // a literal: no name lookup
            if (b.length == 16 && isV4Mapped(b)) {
                byte[] v = new byte[4];
                System.arraycopy(b, 12, v, 0, 4);
                return Optional.of(v);
            }
            return Optional.of(b);
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) if (b[i] != 0) return false;
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    private static String printable(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        return t.replaceAll("[^\\x20-\\x7e…]", "?");
    }
}
