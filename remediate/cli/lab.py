"""`remediate lab serve`: simulated Windows/Exchange hosts behind a real WS-Management endpoint."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import click

from remediate.cli import common
from remediate.errors import RemediateError
from remediate.safetext import markup
from remediate.securefiles import private_dir, write_private


@click.group("lab")
def lab_group() -> None:
    """The lab: simulated servers to try playbooks on before production."""


@lab_group.command("serve")
@click.option("--scenario", default="demo", show_default=True, help="Shipped scenario name or a scenario YAML file.")
@click.option("--inventory-out", type=click.Path(path_type=Path), default=None,
              help="Write an inventory for the lab's hosts to this file.")
@click.option("--auth", type=click.Choice(["ntlm", "basic"]), default="ntlm", show_default=True)
@click.option("--https", is_flag=True, help="Serve HTTPS with a generated CA (written next to the inventory).")
@click.option("--base-port", type=click.IntRange(0, 65000), default=45985, show_default=True,
              help="Serve the n-th host on BASE_PORT + n (0: any free ports). The default matches "
                   "inventory.example.yaml for the demo scenario.")
@click.option("--allow-unencrypted", is_flag=True,
              help="Accept Basic over HTTP and unencrypted NTLM, which Windows refuses by default.")
@click.option("--kerberos", is_flag=True,
              help="Kerberos instead of NTLM: a throwaway MIT realm (KDC on a free loopback port) in "
                   ".remediate-lab/kerberos, one service principal per host. Needs MIT Kerberos' KDC programs "
                   "and remediate[kerberos].")
def serve_command(scenario: str, inventory_out: Path | None, auth: str, https: bool, base_port: int,
                  allow_unencrypted: bool, kerberos: bool) -> int:
    """Serve a scenario's hosts on loopback until interrupted."""
    from remediate.lab.fleet import PASSWORD_ENV, Lab

    out = common.console()
    password = os.environ.get(PASSWORD_ENV)
    base = (inventory_out.parent if inventory_out else Path.cwd()) / ".remediate-lab"
    if kerberos and auth != "ntlm":
        raise click.UsageError("--kerberos replaces --auth; give one of them")
    realm = _start_realm(base / "kerberos") if kerberos else None
    try:
        lab = Lab.from_scenario(scenario, auth="kerberos" if kerberos else auth, https=https,
                                tls_dir=base if https else None, password=password, base_port=base_port or None,
                                allow_unencrypted=allow_unencrypted, kerberos=realm)
        lab.start()
    except OSError as exc:
        if realm is not None:
            realm.stop()
        # Most often another lab (or anything) already holds the fixed ports.
        raise RemediateError(f"lab cannot listen on loopback from port {base_port}: {exc.strerror or exc}; "
                             "stop the other lab, or use --base-port 0 (any free ports) or another base") from None
    except BaseException:
        if realm is not None:
            realm.stop()
        raise
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        for name, host in lab.hosts.items():
            out.print(markup(f"{name}: {host.endpoint.url} ({lab.auth}{', TLS' if https else ', message encryption'})"))
        if inventory_out is not None:
            lab.write_inventory(inventory_out)
            out.print(markup(f"Inventory written to {inventory_out}"))
        if password is None:
            # The one secret the lab writes: 0600 in a private folder, never through a planted symlink, and an
            # existing file narrowed to 0600 before it is rewritten (remediate/securefiles.py).
            secret = private_dir(base, what="lab folder") / "password"
            write_private(secret, lab.password, what="lab password file")
            out.print(f"Lab password written to {secret} (mode 600); before running remediate:\n"
                      f"  export {PASSWORD_ENV}=\"$(cat {secret})\"")
        if https and lab.ca_file:
            out.print(markup(f"CA certificate: {lab.ca_file}"))
        if realm is not None:
            from remediate.lab.fleet import LAB_PRINCIPAL

            out.print(f"Kerberos realm {realm.realm}: KDC on 127.0.0.1:{realm.port}. Clients need its krb5.conf:\n"
                      f"  export KRB5_CONFIG={realm.krb5_conf}\n"
                      f"The inventory references the password, so remediate obtains the ticket itself; to use a "
                      f"ticket from kinit instead, remove password: from group lab in the inventory and run\n"
                      f"  kinit {realm.principal(LAB_PRINCIPAL)}")
        out.print("Serving; press Ctrl-C to stop.")
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    finally:
        lab.stop()
        if realm is not None:
            realm.stop()
    return 0


def _start_realm(directory: Path):  # type: ignore[no-untyped-def]
    """A fresh realm in `directory` (a previous lab's is thrown away: its KDC database would be in the way)."""
    import shutil

    from remediate.lab.kdc import KdcRealm
    from remediate.transport.kerberos import INSTALL_HINT

    try:
        import gssapi  # noqa: F401 - the lab's acceptor is pyspnego over python-gssapi and python-krb5
        import krb5  # noqa: F401
    except ImportError:
        raise RemediateError(f"the lab's Kerberos acceptor needs python-gssapi and python-krb5; {INSTALL_HINT}") \
            from None
    shutil.rmtree(directory, ignore_errors=True)
    return KdcRealm(directory).start()
