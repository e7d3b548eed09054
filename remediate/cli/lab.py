"""`remediate lab serve|list`: simulated Windows/Exchange hosts behind a real WS-Management endpoint."""

from __future__ import annotations

import os
import signal
import sys
import threading
from importlib import resources
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from remediate.cli import common
from remediate.errors import RemediateError
from remediate.securefiles import private_dir, write_private
from remediate.safetext import markup


def _shipped() -> list[str]:
    # The scenario folder only: importing remediate.lab.fleet (the WS-Management server, SSH, SMTP) here would slow
    # every command, since this module is loaded to register `lab` (remediate.lab.fleet.scenario_names is the same).
    folder = resources.files("remediate.lab").joinpath("scenarios")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


@click.group("lab", epilog=common.examples(
    "remediate lab list",
    "remediate lab serve --scenario all-causes --inventory-out lab.yaml",
))
def lab_group() -> None:
    """The lab: simulated servers to try playbooks on before production."""


@lab_group.command("list", epilog=common.examples("remediate lab list", "remediate lab list --format tsv"))
@click.option("--format", "output_format", type=click.Choice(["auto", "table", "plain", "tsv"]), default="auto",
              show_default=True, help="plain: one line per scenario; tsv: tab-separated with a header line.")
def list_command(output_format: str) -> int:
    """List the shipped scenarios: name, hosts, routers and what they show."""
    from remediate.lab.fleet import load_scenario

    rows = []
    for name in _shipped():
        scenario = load_scenario(name)
        rows.append((name, len(scenario.hosts), len(scenario.routers), scenario.description))
    fmt = common.output_format(output_format, False)
    if fmt == "tsv":
        from remediate.reports.tsv import write_rows

        write_rows(sys.stdout, ("scenario", "hosts", "routers", "description"), rows)
        return 0
    out = common.console()
    width = max(len(r[0]) for r in rows)
    for name, hosts, routers, description in rows:
        fleet = f"{hosts} host(s)" + (f", {routers} router(s)" if routers else "")
        out.print(markup(f"{name.ljust(width)}  {fleet.ljust(24)}  {description}"))
    out.print("Serve one with: remediate lab serve --scenario NAME --inventory-out lab.yaml")
    return 0


@lab_group.command("serve", epilog=common.examples(
    "remediate lab serve &",
    "remediate lab serve --scenario all-causes --base-port 0 --inventory-out lab.yaml",
))
@click.option("--scenario", default="demo", show_default=True,
              help=f"A shipped scenario ({', '.join(_shipped())}; 'remediate lab list' describes them) or a "
                   "scenario YAML file.")
@click.option("--inventory-out", type=click.Path(path_type=Path), default=None,
              help="Write an inventory for the lab's hosts to this file.")
@click.option("--auth", type=click.Choice(["ntlm", "basic"]), default="ntlm", show_default=True,
              help="How the WS-Management endpoints authenticate (Basic needs --https or --allow-unencrypted).")
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
    """Serve a scenario's hosts on loopback until interrupted (Ctrl-C or SIGTERM)."""
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
        _print_startup(lab, out, https)
        if inventory_out is not None:
            lab.write_inventory(inventory_out)
            out.print(f"Inventory written to {markup(str(inventory_out))}")
        if password is None:
            # The one secret the lab writes: 0600 in a private folder, never through a planted symlink, and an
            # existing file narrowed to 0600 before it is rewritten (remediate/securefiles.py).
            secret = private_dir(base, what="lab folder") / "password"
            write_private(secret, lab.password, what="lab password file")
            out.print(f"Lab password written to {markup(str(secret))} (mode 600); before running remediate:\n"
                      f"  export {PASSWORD_ENV}=\"$(cat {markup(str(secret))})\"")
        else:
            out.print(f"Lab password: the value of {PASSWORD_ENV} (already set in this shell).")
        if https and lab.ca_file:
            out.print(f"CA certificate: {markup(lab.ca_file)}")
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


def _print_startup(lab: Any, out: Console, https: bool) -> None:
    """Everything a client needs: where each host, SMTP listener and router answers, and as whom to log in."""
    from remediate.lab.fleet import LAB_PRINCIPAL, LAB_USER, ROUTER_USER

    scheme = "HTTPS (TLS)" if https else "HTTP with message encryption"
    realm = getattr(lab, "realm", None)
    user = realm.principal(LAB_PRINCIPAL) if realm is not None and lab.auth == "kerberos" else LAB_USER
    out.print(f"Lab scenario {markup(lab.scenario.name)}: {len(lab.hosts)} host(s), WS-Management over {scheme}, "
              f"{lab.auth} authentication as user {markup(user)}")
    smtp = lab.network.addresses()
    for name, host in lab.hosts.items():
        listener = f", SMTP {smtp[name]}" if name in smtp else ""
        out.print(markup(f"  {name}: {host.endpoint.url}{listener}"))
    peers = {n: a for n, a in smtp.items() if n not in lab.hosts}
    for name, address in peers.items():
        out.print(markup(f"  {name}: SMTP {address} (a next-hop mail server)"))
    for name, port in lab.network.router_ports.items():
        out.print(markup(f"  {name}: Cisco IOS over SSH 127.0.0.1:{port}, user {ROUTER_USER}"))
