"""`remediate history [RUN_ID]`: past runs and how each host ended; `history export RUN_ID -o FILE` for runs
that travel to a runner without the journal (`rollback --from FILE`)."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from remediate.cli import common
from remediate.reports.history import print_history, print_run_detail
from remediate.reports.tsv import write_history
from remediate.safetext import clean


class _HistoryGroup(click.Group):
    """`history`, `history RUN_ID` and `history --json` show; `history export ...` exports."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["show", *args]
        return super().parse_args(ctx, args)


def _inventory_option(fn: Any) -> Any:
    return click.option("-i", "--inventory", "inventory", type=click.Path(path_type=Path), default=None,
                        help="Inventory YAML file, for its journal: setting (else REMEDIATE_JOURNAL, else the "
                             "state directory's SQLite journal).")(fn)


_EXAMPLES = common.examples(
    "remediate history -n 5",
    "remediate history 20261127T210502Z-3fa9c1 --format tsv",
)


@click.group("history", cls=_HistoryGroup, epilog=_EXAMPLES)
def history_command() -> None:
    """List runs (newest first) with each host's outcome: `history [-n N] [--json]`. `history RUN_ID` shows every
    change of that run; `history export RUN_ID -o FILE` writes it for `rollback --from FILE`. Both take -i
    INVENTORY (its journal: setting) and --state-dir."""


@history_command.command("show", hidden=True, epilog=_EXAMPLES)
@click.argument("run_id", required=False)
@_inventory_option
@common.state_option
@common.format_option
@click.option("-n", "--last", type=click.IntRange(1, 10000), default=20, show_default=True,
              help="How many runs to list.")
def history_show(run_id: str | None, inventory: Path | None, state_dir: Path | None, output_format: str,
                 as_json: bool, last: int) -> int:
    fmt = common.output_format(output_format, as_json)
    journal = common.open_journal(state_dir, _load(inventory))
    try:
        runs = [journal.run(run_id)] if run_id else journal.runs(last)
        children = {c: journal.run(c) for run in runs for c in run.undone_by}
    finally:
        journal.close()
    if fmt == "json":
        click.echo(json.dumps({"format": "remediate.history", "version": 1, "runs": [asdict(r) for r in runs]},
                              indent=2))
    elif fmt == "tsv":
        write_history(runs, sys.stdout)
    elif run_id:
        print_run_detail(runs[0], common.console(), children)
    else:
        print_history(runs, common.console(), children, fmt)
    return 0


@history_command.command("export", epilog=common.examples(
    "remediate history export 20261127T210502Z-3fa9c1 -o run.json",
    "remediate rollback --from run.json -i inventory.yaml",
))
@click.argument("run_id")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The file to write (JSON, mode 600): keep it as a build artifact.")
@_inventory_option
@common.state_option
def history_export(run_id: str, output: Path, inventory: Path | None, state_dir: Path | None) -> int:
    """Write RUN_ID, every host's snapshot and outcome with their integrity codes, to a file that
    'remediate rollback --from FILE' takes on another runner (sharing the journal key)."""
    from remediate.journal.export import export_document, write_export

    journal = common.open_journal(state_dir, _load(inventory))
    try:
        document = export_document(journal, run_id)
    finally:
        journal.close()
    write_export(document, output)
    hosts = document["run"]["hosts"]
    click.echo(clean(f"run {run_id} ({len(hosts)} host(s)) written to {output}; roll it back elsewhere with: "
                     f"remediate rollback --from {output} -i INVENTORY"), err=True)
    return 0


def _load(inventory: Path | None) -> Any:
    if inventory is None:
        return None
    from remediate.inventory import load_inventory

    return load_inventory(inventory)
