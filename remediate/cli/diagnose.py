"""`remediate diagnose`: why is the mail stuck, and what to do now. Reads like `plan` (one agent command per host,
never a write), then remediate/diagnose/ interprets the reading: symptoms, the ten cases of the write-up, ranked
causes, fixes and next checks. Exit 0 healthy, 2 a cause or symptom found, 1 a host could not be read."""

from __future__ import annotations

from pathlib import Path

import click

from remediate.cli import common
from remediate.cli.exitcodes import for_diagnosis
from remediate.diagnose import diagnose, with_path_routers
from remediate.engine.fleet import select_hosts
from remediate.engine.progress import make_progress
from remediate.engine.run import make_plan
from remediate.reports.diagnose_html import write_diagnosis_html
from remediate.reports.diagnose_text import print_diagnosis
from remediate.safetext import markup


@click.command("diagnose", epilog=common.examples(
    "remediate diagnose -i inventory.yaml",
    "remediate diagnose -i inventory.yaml --limit ex03a --html diagnose.html",
))
@common.inputs_options
@common.run_options
@common.json_option
@common.progress_option
@click.option("--html", "html", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="FILE",
              help="Also write a self-contained HTML page with each host's mail path as a picture.")
def diagnose_command(inventory: Path, playbooks: tuple[Path, ...], limit: str | None, forks: int, as_json: bool,
                     progress: str, html: Path | None) -> int:
    """Why is mail stuck (event 4006)? Symptoms, the write-up's ten cases, ranked causes, the fix. Never writes.

    Routers that a selected host's smtp_path_routers variable names are read too. Exit 0 healthy, 2 a cause,
    symptom or other finding, 1 a host could not be read. Format of --json: docs/diagnose-format.md.
    """
    ctx = common.build_context(inventory, playbooks, forks)
    ctx.progress = make_progress(progress)
    hosts = with_path_routers(ctx.inventory, select_hosts(ctx.inventory, limit))
    try:
        plan = make_plan(ctx, hosts)
    finally:
        ctx.pool.close_all()
    result = diagnose(plan, ctx.catalog, ctx.inventory)
    out = common.console(as_json)
    if html is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        write_diagnosis_html(result, html)
    if as_json:
        common.echo_json(result.model_dump_json(indent=2))
    else:
        print_diagnosis(result, out)
    if html is not None:
        out.print(f"HTML report: {markup(str(html))}")
    return for_diagnosis(result)
