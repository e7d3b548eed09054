"""`remediate plan`: read every host, compare with the playbooks, show what would change. Never writes."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from remediate.cli import common
from remediate.cli.exitcodes import ExitCode, for_plan
from remediate.engine.fleet import select_hosts
from remediate.engine.progress import make_progress
from remediate.engine.run import make_plan
from remediate.reports.terminal import print_plan
from remediate.reports.tsv import write_plan
from remediate.securefiles import write_private
from remediate.safetext import markup


@click.command("plan", epilog=common.examples(
    "remediate plan -i inventory.yaml",
    "remediate plan -i inventory.yaml -p playbooks/ --limit 'ex03*' -o plan.json",
))
@common.inputs_options
@common.run_options
@common.format_option
@common.progress_option
@click.option("-o", "--out", type=click.Path(path_type=Path), default=None,
              help="Save the plan as JSON, for 'remediate apply FILE'.")
def plan_command(inventory: Path, playbooks: tuple[Path, ...], limit: str | None, forks: int, output_format: str,
                 as_json: bool, progress: str, out: Path | None) -> int:
    """Show what is wrong on each host and what would change (exit 0 compliant, 2 changes pending, 1 error)."""
    fmt = common.output_format(output_format, as_json)
    ctx = common.build_context(inventory, playbooks, forks)
    ctx.progress = make_progress(progress)
    try:
        plan = make_plan(ctx, select_hosts(ctx.inventory, limit))
    finally:
        ctx.pool.close_all()
    if out is not None:
        write_private(out, plan.model_dump_json(indent=2) + "\n", what="plan file")
    if fmt == "json":
        common.echo_json(plan.model_dump_json(indent=2))
    elif fmt == "tsv":
        write_plan(plan, sys.stdout)
    else:
        print_plan(plan, common.console())
    if out is not None:
        # apply re-renders the same playbooks to check the plan, so the command names them too
        again = [arg for p in playbooks for arg in ("-p", str(p))]
        common.console(fmt in ("json", "tsv")).print(
            f"Plan saved to {markup(str(out))}; apply it with: "
            f"{markup(shlex.join(['remediate', 'apply', str(out), '-i', str(inventory), *again]))}")
    return for_plan(plan) if plan.change_count or plan.has_errors else ExitCode.OK
