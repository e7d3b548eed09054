"""`remediate apply [PLAN_FILE]`: make exactly the planned changes, journaled, verified, reverted on failure.

Fleet runs: `--serial`/`--max-fail` roll out in batches (engine/batches.py); hosts with changes must be inside
their change windows (remediate/change_windows.py) unless `--outside-window --reason TEXT`; each host is applied
under the host lock (engine/hostlock.py). Ctrl-C or SIGTERM stops starting hosts (cli/interrupts.py); the command
it prints (`--resume RUN_ID`) applies the hosts that run never started.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from remediate.cli import common
from remediate.cli.exitcodes import ExitCode, for_run
from remediate.cli.interrupts import catch_signals
from remediate.cli.planfile import check_plan_changes, load_plan_file
from remediate.engine.batches import Amount, Rollout, outside_windows, window_gate
from remediate.engine.fleet import select_hosts
from remediate.engine.interrupt import Interrupt
from remediate.engine.model import Plan, RunResult
from remediate.engine.plancheck import check_plan_playbooks, verify_plan_items
from remediate.engine.progress import make_progress
from remediate.engine.run import (
    RunContext,
    apply_plan,
    check_plan_inputs,
    irreversible_changes,
    make_plan,
    resumable_hosts,
)
from remediate.errors import InputError, Location, RefusedError
from remediate.inventory import Inventory
from remediate.reports import tsv
from remediate.reports.terminal import print_plan, print_run, run_summary
from remediate.safetext import markup

__all__ = ["apply_command", "check_plan_changes", "load_plan_file"]

def _amount(option: str, allow_zero: bool) -> Callable[[click.Context, click.Parameter, str | None], Amount | None]:
    def parse(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Amount | None:
        if value is None:
            return None
        try:
            return Amount.parse(value, option, allow_zero=allow_zero)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint=option) from None

    return parse




@click.command("apply", epilog=common.examples(
    "remediate plan -i inventory.yaml -o plan.json && remediate apply plan.json -i inventory.yaml",
    "remediate apply tonight.json -i inventory.yaml --serial 10% --max-fail 5% --yes",
))
@click.argument("plan_file", type=click.Path(path_type=Path), required=False)
@common.inputs_options
@common.run_options
@common.state_option
@common.format_option
@common.progress_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed when standard input is not a "
                                          "terminal and no PLAN_FILE is given).")
@click.option("--serial", callback=_amount("--serial", allow_zero=False), metavar="N|N%",
              help="Apply in batches of N hosts (or N% of the hosts with changes); a batch starts when the "
                   "previous one has finished.")
@click.option("--max-fail", "max_fail", callback=_amount("--max-fail", allow_zero=True), metavar="N|N%",
              help="Stop the rollout when more than N hosts (or N% of the hosts in the batches so far) have failed; "
                   "later hosts are left untouched and reported not attempted.")
@click.option("--outside-window", "outside_window", is_flag=True,
              help="Apply even outside the hosts' change windows (needs --reason, recorded in the journal).")
@click.option("--reason", default=None, help="Why this run happens (recorded in the journal).")
@click.option("--accept-irreversible", "accept_irreversible", is_flag=True,
              help="Consent to changes whose old value the normal setter cannot write back (plan marks them "
                   "'irreversible' and says how rollback restores them, if at all).")
@click.option("--resume", "resume", default=None, metavar="RUN_ID",
              help="Apply only the hosts that run RUN_ID never started (it was interrupted, stopped by --max-fail "
                   "or by its change window closing).")
def apply_command(plan_file: Path | None, inventory: Path, playbooks: tuple[Path, ...], limit: str | None,
                  forks: int, state_dir: Path | None, output_format: str, as_json: bool, progress: str, yes: bool,
                  serial: Amount | None, max_fail: Amount | None, outside_window: bool, reason: str | None,
                  accept_irreversible: bool, resume: str | None) -> int:
    """Apply a saved plan exactly, or plan now and apply after confirmation.

    Exit 0 done, 1 a host failed (or bad input), 3 refused: a stale plan or host, outside the change window,
    a host locked by another run, hosts left not attempted, or irreversible changes without consent; 130
    interrupted (Ctrl-C, SIGTERM): hosts in flight finished, the others were not started, and the command that
    resumes is printed.
    """
    fmt = common.output_format(output_format, as_json)
    if outside_window and not (reason or "").strip():
        raise click.UsageError("--outside-window needs --reason TEXT: the journal records why the window was "
                               "overridden")
    if plan_file is None and not yes and not common.stdin_is_terminal():
        # click.confirm would read end-of-file and abort after the whole fleet had been read for nothing.
        raise click.UsageError("apply asks for confirmation before it changes hosts, and standard input is not a "
                               "terminal: add --yes, or apply a saved plan (remediate plan -o plan.json, then "
                               "remediate apply plan.json)")
    ctx = common.build_context(inventory, playbooks, forks)
    ctx.progress = make_progress(progress)
    ctx.interrupt = interrupt = Interrupt()
    out = common.console(fmt in ("json", "tsv"))
    journal = common.open_journal(state_dir, ctx.inventory)
    try:
        only = resumable_hosts(journal, resume) if resume else None
        if only == []:
            out.print(f"Nothing to resume: run {resume} started every host it had.")
            return ExitCode.OK
        with catch_signals(interrupt, "plan"):
            plan = _load(ctx, plan_file, inventory, limit, only, outside_window, accept_irreversible, out) \
                if plan_file is not None else make_plan(ctx, _chosen(ctx.inventory, limit, only))
        if interrupt.is_set():
            out.print(f"Interrupted ({interrupt.signal_name}) while reading the hosts: nothing was changed.")
            return ExitCode.INTERRUPTED
        if plan_file is None:
            if fmt not in ("json", "tsv"):
                print_plan(plan, out)
            if plan.change_count == 0:
                return _nothing_to_apply(plan, out)
            _check_windows(ctx.inventory, plan, outside_window)
            marked = _check_irreversible(plan, accept_irreversible, out, ask=not yes)
            question = f"Apply {plan.change_count} change(s)" + (
                f", {marked} of them irreversible by their normal setter (listed above)?" if marked else "?")
            if not yes and not click.confirm(question, default=False, err=fmt in ("json", "tsv")):
                out.print("Nothing applied.")
                return ExitCode.REFUSED
        rollout = Rollout(serial=serial, max_fail=max_fail,
                          gate=None if outside_window else window_gate(ctx.inventory, _utc_now))
        reasons = ([f"--outside-window: {reason}"] if outside_window else [reason] if reason else []) + \
            ([f"resumes run {resume}"] if resume else [])
        with catch_signals(interrupt, "apply"):
            result = apply_plan(ctx, plan, journal, common.command_text(), reason="; ".join(reasons) or None,
                                rollout=rollout)
    finally:
        journal.close()
        ctx.pool.close_all()
    _print_result(result, fmt, out)
    if interrupt.is_set() and not result.interrupted:
        out.print(f"{interrupt.signal_name} came after every host had started; they all finished: nothing to resume.")
    return for_run(result)


def _chosen(inventory: Inventory, limit: str | None, only: list[str] | None) -> list[str]:
    hosts = select_hosts(inventory, limit)
    return hosts if only is None else [h for h in hosts if h in only]


def _load(ctx: RunContext, plan_file: Path, inventory: Path, limit: str | None, only: list[str] | None,
          outside_window: bool, accept_irreversible: bool, out: Console) -> Plan:
    plan = load_plan_file(plan_file)
    check_plan_inputs(plan, str(inventory))
    unknown = [h.host for h in plan.hosts if h.host not in ctx.inventory.hosts]
    if unknown:
        raise InputError(Location(str(plan_file), None, "hosts"),
                         f"host(s) not in the inventory {inventory}: {', '.join(unknown)}")
    if limit is not None or only is not None:
        keep = set(_chosen(ctx.inventory, limit, only))
        plan.hosts = [h for h in plan.hosts if h.host in keep]
    # A record of intent, not an authority: every change must be what the playbooks give its host.
    check_plan_playbooks(plan, ctx.catalog)
    verify_plan_items(plan, ctx.inventory, ctx.catalog, plan_file)
    ctx.pool.check_credentials([h.host for h in plan.hosts])
    _check_windows(ctx.inventory, plan, outside_window)
    _check_irreversible(plan, accept_irreversible, out, ask=False)
    return plan


def _nothing_to_apply(plan: Plan, out: Console) -> int:
    failed = [h.host for h in plan.hosts if h.error is not None or h.status.value == "error"]
    if not failed:
        out.print("Nothing to change.")
        return ExitCode.OK
    # Not "nothing to change": hosts that could not be read may well need changes.
    out.print(f"Nothing applied: {len(failed)} of {len(plan.hosts)} host(s) could not be planned "
              f"({markup(', '.join(failed))}; see above), and the others need no change.")
    return ExitCode.ERROR


def _print_result(result: RunResult, fmt: str, out: Console) -> None:
    if fmt == "json":
        common.echo_json(result.model_dump_json(indent=2))
    elif fmt == "tsv":
        tsv.write_run(result, sys.stdout)
        out.print(markup(run_summary(result)))
    else:
        print_run(result, out, fmt)
    if result.interrupted:
        # On stderr with json/tsv (`out`), so stdout stays one document; the JSON has interrupted and not_started.
        out.print(f"Resume (applies the {len(result.not_started)} host(s) this run never started): "
                  f"{markup(resume_command(result.run_id))}")


def resume_command(run_id: str) -> str:
    """This command line again, with `--resume RUN_ID` (replacing a --resume it had), quoted for a POSIX shell."""
    args = common.invocation()
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--resume":
            skip = True
        elif not arg.startswith("--resume="):
            kept.append(arg)
    return shlex.join(["remediate", *kept, "--resume", run_id])


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _check_windows(inventory: Inventory, plan: Plan, outside_window: bool) -> None:
    """Refuse (exit 3) when a host with changes is outside its change window, unless overridden."""
    if outside_window:
        return
    problem = outside_windows(inventory, [h.host for h in plan.hosts if h.changes], _utc_now())
    if problem:
        raise RefusedError(problem)


def _check_irreversible(plan: Plan, accepted: bool, out: Any, ask: bool) -> int:
    """List the changes rollback could not undo by the normal setter, and how it would; refuse (exit 3) without
    consent. `ask`: the confirmation prompt that follows is the consent. Returns how many there are."""
    found = irreversible_changes(plan)
    if not found:
        return 0
    lines = [f"{host}: {item.description}: {mark.reason}; rollback restores it {mark.restore}"
             for host, item, mark in found]
    if accepted or ask:
        out.print(f"[yellow]Irreversible by the normal setter ({len(found)}):[/]")
        for line in lines:
            out.print(f"  {markup(line)}")
        return len(found)
    raise RefusedError(f"{len(found)} change(s) cannot be undone by their normal setter: " + "; ".join(lines)
                       + ". Apply them with --accept-irreversible, or leave those hosts out with --limit")
