"""`remediate rollback RUN_ID`: put back what a run changed, resource by resource (engine/rollback.py)."""

from __future__ import annotations

from pathlib import Path

import click

from remediate.cli import common
from remediate.cli.exitcodes import for_run
from remediate.engine.rollback import rollback_run
from remediate.reports.terminal import print_run
from remediate.safetext import clean
from remediate.transport.policy import warn_unverified


@click.command("rollback")
@click.argument("run_id", required=False)
@click.option("--from", "from_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Roll back the run exported to this file ('remediate history export RUN_ID -o FILE'), for a "
                   "runner without the journal that ran it.")
@click.option("-i", "--inventory", "inventory", type=click.Path(path_type=Path), required=True,
              help="Inventory YAML file (for connection details).")
@click.option("--host", "hosts", multiple=True, help="Only this host (repeatable).")
@click.option("--atomic", is_flag=True,
              help="All or nothing per host: a value that cannot be restored leaves its host untouched, and the "
                   "first failure reverts the host (the default restores every value it can).")
@common.state_option
@common.json_option
@common.progress_option
@click.option("--forks", type=click.IntRange(1, 1000), default=10, show_default=True)
def rollback_command(run_id: str | None, from_file: Path | None, inventory: Path, hosts: tuple[str, ...],
                     atomic: bool, state_dir: Path | None, as_json: bool, progress: str, forks: int) -> int:
    """Restore every value RUN_ID changed, where it still holds what that run wrote.

    Each value that cannot be restored (changed since by someone else, refused by the host, no write path) is
    named with the reason and the value to set by hand. Exit 0 all restored, 4 partly restored, 1 a host failed
    or could not be reached, 3 refused (the journal failed its integrity check, a lock, --atomic).
    """
    from remediate.engine.fleet import ConnectionPool
    from remediate.engine.progress import make_progress
    from remediate.engine.run import RunContext
    from remediate.inventory import load_inventory
    from remediate.playbook import Catalog

    if (run_id is None) == (from_file is None):
        raise click.UsageError("give a RUN_ID, or --from FILE (an exported run)")
    inv = load_inventory(inventory)
    warn_unverified(inv)
    ctx = RunContext(inventory=inv, catalog=Catalog(), pool=ConnectionPool(inv, forks=forks), forks=forks,
                     progress=make_progress(progress))
    try:
        journal = common.open_journal(state_dir, inv)
        try:
            if from_file is not None:
                run_id = _import(journal, from_file, run_id)
            assert run_id is not None
            result = rollback_run(ctx, journal, run_id, list(hosts) or None, common.command_text(), atomic=atomic)
        finally:
            journal.close()
    finally:
        ctx.pool.close_all()
    if as_json:
        common.echo_json(result.model_dump_json(indent=2))
    else:
        print_run(result, common.console())
    return for_run(result)


def _import(journal: object, path: Path, run_id: str | None) -> str:
    """Add the exported run to this runner's journal (its rows keep their integrity codes, checked by rollback
    like any other row); the run id to roll back."""
    from remediate.journal.export import read_export

    run = read_export(path)
    if run_id is not None and run_id != run.run_id:
        raise click.UsageError(f"{path} holds run {run.run_id}, not {run_id}")
    if not journal.import_run(run):  # type: ignore[attr-defined]
        click.echo(clean(f"run {run.run_id} is in the journal already; using the journal's copy"), err=True)
    return run.run_id
