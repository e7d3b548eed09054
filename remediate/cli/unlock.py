"""`remediate unlock HOST --run RUN_ID`: clear a host lock left behind by a run that died mid-apply.

One read-mode request with the `lock.release` op (docs/agent-protocol.md, "Locking"). The run id is a guard: the
lock is deleted only when it is that run's, so a lock taken since by another run is never cleared by mistake.
Exit 0 released (or no lock held), 3 the lock belongs to another run (its holder is named), 1 the host could not
be reached or answered with an error.
"""

from __future__ import annotations

from pathlib import Path

import click

from remediate.cli import common
from remediate.cli.exitcodes import ExitCode
from remediate.engine.fleet import ConnectionPool, call_agent
from remediate.engine.hostlock import describe_holder
from remediate.errors import HostError, RefusedError, RemediateError
from remediate.inventory import load_inventory
from remediate.safetext import markup
from remediate.transport.policy import warn_unverified


@click.command("unlock", epilog=common.examples(
    "remediate unlock ex03a -i inventory.yaml --run 20261127T210502Z-3fa9c1",
))
@click.argument("host")
@click.option("-i", "--inventory", "inventory", type=click.Path(path_type=Path), required=True,
              help="Inventory YAML file (for connection details).")
@click.option("--run", "run_id", required=True, help="The run whose lock to clear (as the refusal named it).")
def unlock_command(host: str, inventory: Path, run_id: str) -> int:
    """Clear the lock run RUN_ID holds on HOST (only that run's: another run's lock is left alone)."""
    inv = load_inventory(inventory)
    warn_unverified(inv)
    if host not in inv.hosts:
        raise RemediateError(f"host {host!r} is not in the inventory {inventory}")
    pool = ConnectionPool(inv)
    pool.check_credentials([host])
    try:
        answer = call_agent(pool.get(host), {"mode": "read", "ops": [
            {"id": "release", "op": "lock.release", "args": {"run_id": run_id}}]})
    except HostError as exc:
        raise RemediateError(str(exc)) from None
    finally:
        pool.close_all()
    result = next((r for r in answer.get("results", []) if isinstance(r, dict)), {})
    if not result.get("ok"):
        error = result.get("error") or {}
        raise RemediateError(f"host {host}: lock.release failed: {error.get('type')}: {error.get('message')}")
    value = result.get("value") or {}
    holder = value.get("holder")
    out = common.console()
    if value.get("released"):
        # The owner and times come from the host: shown escaped, never as terminal control (safetext).
        out.print(markup(f"{host}: released the lock of run {run_id} (owner {holder.get('owner')}, since "
                         f"{holder.get('acquired_utc')})."), highlight=False)
        return ExitCode.OK
    if holder is None:
        out.print(f"{markup(host)}: no lock held; nothing to release.")
        return ExitCode.OK
    raise RefusedError(f"host {host} is {describe_holder(holder)}, not by run {run_id}: nothing released")
