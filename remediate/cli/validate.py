"""`remediate validate`: load and render everything for every host, contact nobody."""

from __future__ import annotations

from pathlib import Path

import click

from remediate.cli import common
from remediate.engine.fleet import select_hosts
from remediate.engine.plan import targets
from remediate.safetext import markup


@click.command("validate", epilog=common.examples(
    "remediate validate -i inventory.yaml",
    "remediate validate -i inventory.yaml -p playbooks/ --limit 'ex03*'",
))
@common.inputs_options
@click.option("--limit", default=None)
def validate_command(inventory: Path, playbooks: tuple[Path, ...], limit: str | None) -> int:
    """Check inventory and playbooks (syntax, fields, templates per host, credential references)."""
    ctx = common.build_context(inventory, playbooks)
    hosts = select_hosts(ctx.inventory, limit)
    planned = targets(ctx.inventory, ctx.catalog, hosts)
    ctx.pool.check_credentials(hosts)
    resources = sum(len(t.resources) for t in planned)
    for target in planned:
        for rule in target.deferred:
            # Not an error yet: whether the rule applies depends on the host's facts (its `when:`).
            common.console().print(f"note: host {markup(target.host.name)}: rule {markup(rule.source.id)} applies "
                                   f"only when {markup(repr(rule.when))}; if it does, it needs: "
                                   f"{markup(rule.error.problem)}")
    common.console().print(f"OK: {len(ctx.catalog.rules)} rule(s) from {len(ctx.catalog.files)} file(s), "
                           f"{len(hosts)} host(s), {resources} resource(s) in all.")
    return 0
