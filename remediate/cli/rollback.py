"""`remediate rollback RUN_ID`: put back what a run changed, through the same guarded path as apply."""

from __future__ import annotations

from pathlib import Path

import click

from remediate.cli import common
from remediate.cli.exitcodes import for_run
from remediate.engine.run import rollback_run
from remediate.journal import Journal
from remediate.reports.terminal import print_run
from remediate.transport.policy import warn_unverified


@click.command("rollback")
@click.argument("run_id")
@click.option("-i", "--inventory", "inventory", type=click.Path(path_type=Path), required=True,
              help="Inventory YAML file (for connection details).")
@click.option("--host", "hosts", multiple=True, help="Only this host (repeatable).")
@common.state_option
@common.json_option
@common.progress_option
@click.option("--forks", type=click.IntRange(1, 1000), default=10, show_default=True)
def rollback_command(run_id: str, inventory: Path, hosts: tuple[str, ...], state_dir: Path | None, as_json: bool,
                     progress: str, forks: int) -> int:
    """Restore every value RUN_ID changed, where it still holds what that run wrote."""
    from remediate.engine.fleet import ConnectionPool
    from remediate.engine.run import RunContext
    from remediate.inventory import load_inventory
    from remediate.playbook import Catalog

    inv = load_inventory(inventory)
    warn_unverified(inv)
    from remediate.engine.progress import make_progress

    ctx = RunContext(inventory=inv, catalog=Catalog(), pool=ConnectionPool(inv, forks=forks), forks=forks,
                     progress=make_progress(progress))
    journal = Journal(state_dir or common.default_state_dir())
    try:
        result = rollback_run(ctx, journal, run_id, list(hosts) or None, common.command_text())
    finally:
        journal.close()
        ctx.pool.close_all()
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        print_run(result, common.console())
    return for_run(result)
