"""`remediate rollback RUN_ID`: put back what a run changed, resource by resource (engine/rollback.py).

Ctrl-C or SIGTERM stops starting hosts (cli/interrupts.py); running the same command again finishes the job,
since a host already restored reads as before the run and is left alone.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from remediate.cli import common
from remediate.cli.exitcodes import for_run
from remediate.cli.interrupts import catch_signals
from remediate.engine.interrupt import Interrupt
from remediate.engine.rollback import rollback_run
from remediate.reports import tsv
from remediate.reports.terminal import print_run, run_summary
from remediate.transport.policy import warn_unverified
from remediate.safetext import clean, markup


@click.command("rollback", epilog=common.examples(
    "remediate rollback 20261127T210502Z-3fa9c1 -i inventory.yaml",
    "remediate rollback --from run.json -i inventory.yaml --host ex03a --format tsv",
))
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
@common.format_option
@common.progress_option
@click.option("--forks", type=click.IntRange(1, 1000), default=10, show_default=True, help="Hosts in flight at once.")
def rollback_command(run_id: str | None, from_file: Path | None, inventory: Path, hosts: tuple[str, ...],
                     atomic: bool, state_dir: Path | None, output_format: str, as_json: bool, progress: str,
                     forks: int) -> int:
    """Restore every value RUN_ID changed, where it still holds what that run wrote.

    Each value that cannot be restored (changed since by someone else, refused by the host, no write path) is
    named with the reason and the value to set by hand. Exit 0 all restored, 4 partly restored, 1 a host failed
    or could not be reached, 3 refused (the journal failed its integrity check, a lock, --atomic); 130 interrupted:
    hosts in flight finished, and running the same command again restores the others.
    """
    from remediate.engine.fleet import ConnectionPool
    from remediate.engine.progress import make_progress
    from remediate.engine.run import RunContext
    from remediate.inventory import load_inventory
    from remediate.playbook import Catalog

    if (run_id is None) == (from_file is None):
        raise click.UsageError("give a RUN_ID, or --from FILE (an exported run)")
    fmt = common.output_format(output_format, as_json)
    inv = load_inventory(inventory)
    warn_unverified(inv)
    interrupt = Interrupt()
    ctx = RunContext(inventory=inv, catalog=Catalog(), pool=ConnectionPool(inv, forks=forks), forks=forks,
                     progress=make_progress(progress), interrupt=interrupt)
    try:
        journal = common.open_journal(state_dir, inv)
        try:
            if from_file is not None:
                run_id = _import(journal, from_file, run_id)
            assert run_id is not None
            with catch_signals(interrupt, "rollback"):
                result = rollback_run(ctx, journal, run_id, list(hosts) or None, common.command_text(),
                                      atomic=atomic)
        finally:
            journal.close()
    finally:
        ctx.pool.close_all()
    out = common.console(fmt in ("json", "tsv"))
    if fmt == "json":
        common.echo_json(result.model_dump_json(indent=2))
    elif fmt == "tsv":
        tsv.write_run(result, sys.stdout)
        out.print(markup(run_summary(result)))
    else:
        print_run(result, out, fmt)
    if result.interrupted:
        again = shlex.join(["remediate", *common.invocation()])
        out.print(f"Resume (hosts already restored read as before the run and are left alone): {markup(again)}")
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
