"""`remediate demo`: plan -> apply -> plan (nothing left) -> rollback, on the embedded lab, in one go."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from remediate.cli import common
from remediate.cli.exitcodes import ExitCode
from remediate.engine.fleet import ConnectionPool
from remediate.engine.model import HostOutcome, HostStatus
from remediate.engine.run import RunContext, apply_plan, make_plan, rollback_run
from remediate.inventory import load_inventory
from remediate.journal import Journal
from remediate.playbook import load_catalog
from remediate.reports.terminal import print_plan, print_run


@click.command("demo", epilog=common.examples(
    "remediate demo",
    "remediate demo --scenario all-causes --keep demo-run/",
))
@click.option("--scenario", default="demo", show_default=True,
              help="Shipped scenario (see 'remediate lab list') or a scenario YAML file.")
@click.option("--keep", type=click.Path(path_type=Path), default=None,
              help="Keep the inventory and journal in this folder instead of a temporary one.")
def demo_command(scenario: str, keep: Path | None) -> int:
    """Run the whole cycle against simulated Exchange servers; exits 0 when every step did what it should."""
    from remediate.lab.fleet import PASSWORD_ENV, Lab
    from remediate.lab.symptoms import advance

    out = common.console()
    fmt = common.output_format("auto", False)  # tables on a terminal, plain lines when piped
    with tempfile.TemporaryDirectory(prefix="remediate-demo-") as tmp:
        work = keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        with Lab.from_scenario(scenario) as lab:
            os.environ[PASSWORD_ENV] = lab.password  # this process only: the inventory references it by name
            inventory_path = work / "inventory.yaml"
            lab.write_inventory(inventory_path)
            inventory = load_inventory(inventory_path)
            catalog = load_catalog([common.packaged_playbook()])
            journal = Journal(work / "state")
            ctx = RunContext(inventory=inventory, catalog=catalog, pool=ConnectionPool(inventory))
            hosts = list(inventory.hosts)
            try:
                out.rule("1. plan: what is wrong")
                first = make_plan(ctx, hosts)
                print_plan(first, out)
                out.rule("2. apply: fix it (snapshot journaled first, every write verified)")
                applied = apply_plan(ctx, first, journal, "remediate demo")
                print_run(applied, out, fmt)
                out.rule("3. a day later (simulated): plan again, nothing left to do")
                # Event 4006 stays in the log for the probe's 24-hour window; the lab's clock can move on, a
                # real server's cannot. The queues drain as soon as the causes are gone.
                for host in lab.hosts.values():
                    advance(host.sim, 24 * 60)
                second = make_plan(ctx, hosts)
                print_plan(second, out)
                out.rule(f"4. rollback {applied.run_id}: back to how it was")
                undone = rollback_run(ctx, journal, applied.run_id, None, "remediate demo")
                print_run(undone, out, fmt)
                third = make_plan(ctx, hosts)
            finally:
                ctx.pool.close_all()
                journal.close()
    ok = (
        first.change_count > 0
        and all(h.outcome in (HostOutcome.APPLIED, HostOutcome.NO_CHANGES) for h in applied.hosts)
        and second.change_count == 0 and not second.has_errors
        and all(h.status is HostStatus.COMPLIANT for h in second.hosts)
        and all(h.outcome is HostOutcome.APPLIED for h in undone.hosts)
        and third.change_count == first.change_count
    )
    out.rule("result")
    out.print("Demo complete: plan, apply, clean plan and rollback all behaved." if ok
              else "Demo FAILED: a step did not behave as expected (see above).")
    return ExitCode.OK if ok else ExitCode.ERROR
