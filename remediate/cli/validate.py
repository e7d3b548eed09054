"""`remediate validate`: everything `plan` would refuse, found without contacting any host (engine/preflight.py).

Problems (exit 1) are listed all at once on stderr, `error: FILE:LINE: FIELD: ...`. What only a host's facts can
decide is named: a warning on stderr when the rule looks meant for the host, a count on stdout otherwise, each one
with --verbose; `--facts PLAN.json` decides them with the facts a saved plan read.
"""

from __future__ import annotations

from pathlib import Path

import click

from remediate.cli import common
from remediate.engine.fleet import select_hosts
from remediate.engine.preflight import load_facts, note_text, preflight, warning_text
from remediate.errors import InputProblems
from remediate.safetext import clean, markup


@click.command("validate", epilog=common.examples(
    "remediate validate -i inventory.yaml",
    "remediate validate -i inventory.yaml -p playbooks/ --facts plan.json --verbose",
))
@common.inputs_options
@click.option("--limit", default=None, help="Hosts, groups or globs, comma separated; !pattern excludes.")
@click.option("-v", "--verbose", is_flag=True,
              help="Also list, as notes, each rule whose when: depends on a host's facts and that needs variables "
                   "the host does not define.")
@click.option("--facts", "facts_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              metavar="PLAN.json",
              help="Decide each when: with the facts a saved plan read (remediate plan -o PLAN.json, or a check "
                   "report): a rule that applies there and lacks a variable is then an error.")
def validate_command(inventory: Path, playbooks: tuple[Path, ...], limit: str | None, verbose: bool,
                     facts_file: Path | None) -> int:
    """Check inventory and playbooks as plan would, without contacting any host: fields, every rule rendered
    for every host, when: expressions, credential references. Exit 0 valid, 1 problems (all listed)."""
    ctx = common.build_context(inventory, playbooks)
    hosts = select_hosts(ctx.inventory, limit)
    facts = load_facts(facts_file) if facts_file is not None else None
    result = preflight(ctx.inventory, ctx.catalog, hosts, facts)
    out = common.console()
    for item in result.warnings:
        click.echo(f"warning: {clean(warning_text(item, ctx.inventory))}", err=True)
    if verbose:
        for item in result.notes:
            out.print(f"note: {markup(note_text(item))}")
    scope = (f"{len(ctx.catalog.rules)} rule(s) from {len(ctx.catalog.files)} file(s), {result.hosts} host(s), "
             f"{result.resources} resource(s)")
    if result.problems:
        out.print(f"FAILED: {len(result.problems)} problem(s) in {scope} (listed on stderr).")
        raise InputProblems(result.problems)
    out.print(f"OK: {scope} in all.")
    pairs = sum(len(n.hosts) for n in result.notes)
    if pairs and not verbose:
        out.print(f"Not decided without the hosts' facts: {pairs} rule/host pair(s) whose when: depends on what the "
                  "host reports and that need variables the host does not define (--verbose lists them; --facts "
                  "PLAN.json decides them with a saved plan's facts).")
    return 0
