"""`remediate plan`: read every host, compare with the playbooks, show what would change. Never writes."""

from __future__ import annotations

from pathlib import Path

import click

from remediate.cli import common
from remediate.cli.exitcodes import ExitCode, for_plan
from remediate.engine.fleet import select_hosts
from remediate.engine.progress import make_progress
from remediate.engine.run import make_plan
from remediate.reports.terminal import print_plan
from remediate.safetext import markup
from remediate.securefiles import write_private


@click.command("plan")
@common.inputs_options
@common.run_options
@common.json_option
@common.progress_option
@click.option("-o", "--out", type=click.Path(path_type=Path), default=None,
              help="Save the plan as JSON, for 'remediate apply FILE'.")
def plan_command(inventory: Path, playbooks: tuple[Path, ...], limit: str | None, forks: int, as_json: bool,
                 progress: str, out: Path | None) -> int:
    """Show what is wrong on each host and what would change (exit 0 compliant, 2 changes pending, 1 error)."""
    ctx = common.build_context(inventory, playbooks, forks)
    ctx.progress = make_progress(progress)
    try:
        plan = make_plan(ctx, select_hosts(ctx.inventory, limit))
    finally:
        ctx.pool.close_all()
    if out is not None:
        write_private(out, plan.model_dump_json(indent=2) + "\n", what="plan file")
    if as_json:
        common.echo_json(plan.model_dump_json(indent=2))
    else:
        print_plan(plan, common.console())
        if out is not None:
            again = "".join(f" -p {p}" for p in playbooks)  # apply re-renders the same playbooks to check it
            common.console().print(markup(f"Plan saved to {out}; apply it with: remediate apply {out} -i {inventory}"
                                          f"{again}"))
    return for_plan(plan) if plan.change_count or plan.has_errors else ExitCode.OK
