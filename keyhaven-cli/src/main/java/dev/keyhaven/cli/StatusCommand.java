package dev.keyhaven.cli;

import picocli.CommandLine.Command;

/** {@code keyhaven status}: seal status. Exit 0 unsealed, 2 sealed (as {@code vault status}), 1 on error. */
@Command(name = "status", description = "Show whether the server is initialized and sealed. Exit code: 0 unsealed, 2 sealed, 1 error.",
        footer = {"", "Example:", "  KEYHAVEN_ADDR=http://127.0.0.1:8200 keyhaven status"})
public final class StatusCommand extends KvCommand.Base {
    @Override
    public Integer call() {
        ApiClient.Reply r = client.client().get("sys/seal-status");
        OperatorCommand.printSealStatus(out(), r.body());
        return Boolean.TRUE.equals(r.body().get("sealed")) ? 2 : 0;
    }
}
