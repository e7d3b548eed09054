"""`remediate history`: past runs and how each host ended."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from remediate.cli import common
from remediate.journal import Journal
from remediate.reports.terminal import print_history


@click.command("history")
@click.argument("run_id", required=False)
@common.state_option
@common.json_option
@click.option("-n", "--last", type=click.IntRange(1, 10000), default=20, show_default=True)
def history_command(run_id: str | None, state_dir: Path | None, as_json: bool, last: int) -> int:
    """List runs (newest first) with each host's outcome; a RUN_ID shows that run only."""
    journal = Journal(state_dir or common.default_state_dir())
    try:
        runs = [journal.run(run_id)] if run_id else journal.runs(last)
    finally:
        journal.close()
    if as_json:
        click.echo(json.dumps({"format": "remediate.history", "version": 1, "runs": [asdict(r) for r in runs]},
                              indent=2))
    else:
        print_history(runs, common.console())
    return 0
