"""Transport policy the runner states out loud: hosts whose identity is not verified.

The inventory's defaults are safe (HTTPS with certificate validation; plain HTTP only with NTLM or Kerberos
sealing; Basic over
plain HTTP refused: remediate/inventory.py). Switching validation off is allowed per host only, and every run that
loads the inventory says so on stderr, naming each such host, so it can never become a forgotten default.
"""

from __future__ import annotations

import click

from remediate.inventory import Inventory, Scheme
from remediate.safetext import clean


def unverified_warnings(inventory: Inventory) -> list[str]:
    """One line per host whose server identity is not checked (`validate_cert: false`)."""
    lines = []
    for name, host in inventory.hosts.items():
        conn = host.connection
        if conn.validate_cert:
            continue
        if getattr(conn, "type", "winrm") == "ios_ssh":
            what = "SSH host key checking is off"
        elif conn.scheme is Scheme.HTTPS:
            what = "TLS certificate validation is off"
        else:
            what = "validate_cert is false (plain HTTP has no certificate to check; NTLM still seals the messages)"
        lines.append(f"warning: host {name}: {what} (validate_cert: false in {inventory.path}): anyone on the "
                     "network path can pose as this server and receive the authentication exchange")
    return lines


def warn_unverified(inventory: Inventory) -> None:
    """Print `unverified_warnings` to stderr (stdout stays clean for --json)."""
    for line in unverified_warnings(inventory):
        click.echo(clean(line), err=True)
