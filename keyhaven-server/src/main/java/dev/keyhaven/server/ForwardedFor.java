package dev.keyhaven.server;

import dev.keyhaven.core.auth.login.Cidrs;
import java.util.ArrayList;
import java.util.List;

/**
 * A listener's trust in {@code X-Forwarded-For}, as Vault's {@code x_forwarded_for_*} listener options define it.
 * Off unless {@code x_forwarded_for_authorized_addrs} is set. When on, a request whose TCP peer lies in those blocks
 * (the load balancer) is taken to come from the address its header names: the last one in the chain, or
 * {@code hop_skips} before it. That address is then what the audit log's {@code remote_address}, login
 * {@code bound_cidrs} and {@code token_bound_cidrs} see.
 *
 * <p>As in Vault: no header → 400 {@code missing x-forwarded-for header and configured to reject when not present}
 * unless {@code reject_not_present = false} (then the peer address is used); a header from a peer outside the blocks →
 * 400 {@code client address not authorized for x-forwarded-for and configured to reject connection} unless
 * {@code reject_not_authorized = false} (then the header is ignored); more hops to skip than the chain has → 400.
 * Unlike Vault, a chosen entry that is not an IP address is refused (400) rather than passed on, since nothing that
 * checks a CIDR block could use it.
 */
public record ForwardedFor(List<String> authorizedAddrs, int hopSkips, boolean rejectNotAuthorized, boolean rejectNotPresent) {
    /** Not configured: the TCP peer is the client, the header is ignored. */
    public static final ForwardedFor OFF = new ForwardedFor(List.of(), 0, true, true);

    public ForwardedFor {
        authorizedAddrs = List.copyOf(authorizedAddrs);
        if (hopSkips < 0) throw new IllegalArgumentException("hopSkips < 0");
    }

    public boolean enabled() {
        return !authorizedAddrs.isEmpty();
    }

    /** The client address a request stands for, or the 400 message it gets instead. */
    public sealed interface Outcome permits Client, Refused {}

    public record Client(String address) implements Outcome {}

    public record Refused(String message) implements Outcome {}

    /**
     * Where a request comes from: {@code peer} is the TCP peer's address, {@code headers} every
     * {@code X-Forwarded-For} header line of the request (empty if none).
     */
    public Outcome resolve(String peer, List<String> headers) {
        if (!enabled()) return new Client(peer);
        if (headers.isEmpty()) {
            return rejectNotPresent ? new Refused("missing x-forwarded-for header and configured to reject when not present") : new Client(peer);
        }
        if (!Cidrs.contains(authorizedAddrs, peer)) {
            return rejectNotAuthorized ? new Refused("client address not authorized for x-forwarded-for and configured to reject connection") : new Client(peer);
        }
        List<String> chain = new ArrayList<>();
        for (String h : headers) for (String v : h.split(",", -1)) chain.add(v.strip());
        int index = chain.size() - 1 - hopSkips;
        if (index < 0) {
            return new Refused("malformed x-forwarded-for configuration or request, hops to skip (" + hopSkips
                    + ") would skip before earliest chain link (chain length " + chain.size() + ")");
        }
        String client = chain.get(index);
        if (!Cidrs.isAddress(client)) {
            return new Refused("malformed x-forwarded-for request: chain link " + (index + 1) + " of " + chain.size() + " is not an IP address");
        }
        return new Client(Cidrs.normalize(client));
    }
}
