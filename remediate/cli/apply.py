"""`remediate apply [PLAN_FILE]`: make exactly the planned changes, journaled, verified, reverted on failure.

Fleet runs: `--serial`/`--max-fail` roll out in batches (engine/batches.py); hosts with changes must be inside
their change windows (remediate/change_windows.py) unless `--outside-window --reason TEXT`; each host is applied under
the host lock (engine/hostlock.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from remediate.cli import common
from remediate.cli.exitcodes import ExitCode, for_run
from remediate.engine.batches import Amount, Rollout, outside_windows, window_gate
from remediate.engine.fleet import select_hosts
from remediate.engine.model import PLAN_VERSIONS, Plan
from remediate.engine.plancheck import check_plan_playbooks, verify_plan_items
from remediate.engine.progress import make_progress
from remediate.engine.run import apply_plan, check_plan_inputs, irreversible_changes, make_plan
from remediate.errors import InputError, Location, RefusedError
from remediate.inventory import Inventory
from remediate.reports.terminal import print_plan, print_run
from remediate.safetext import markup
from remediate.validation import input_path


def _amount(option: str, allow_zero: bool) -> Callable[[click.Context, click.Parameter, str | None], Amount | None]:
    def parse(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Amount | None:
        if value is None:
            return None
        try:
            return Amount.parse(value, option, allow_zero=allow_zero)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint=option) from None

    return parse


@click.command("apply")
@click.argument("plan_file", type=click.Path(path_type=Path), required=False)
@common.inputs_options
@common.run_options
@common.state_option
@common.json_option
@common.progress_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
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
def apply_command(plan_file: Path | None, inventory: Path, playbooks: tuple[Path, ...], limit: str | None,
                  forks: int, state_dir: Path | None, as_json: bool, progress: str, yes: bool, serial: Amount | None,
                  max_fail: Amount | None, outside_window: bool, reason: str | None, accept_irreversible: bool) -> int:
    """Apply a saved plan exactly, or plan now and apply after confirmation.

    Exit 0 done, 1 a host failed (or bad input), 3 refused: a stale plan or host, outside the change window,
    a host locked by another run, hosts left not attempted, or irreversible changes without consent.
    """
    if outside_window and not (reason or "").strip():
        raise click.UsageError("--outside-window needs --reason TEXT: the journal records why the window was "
                               "overridden")
    ctx = common.build_context(inventory, playbooks, forks)
    ctx.progress = make_progress(progress)
    out = common.console(as_json)
    try:
        if plan_file is not None:
            plan = load_plan_file(plan_file)
            check_plan_inputs(plan, str(inventory))
            unknown = [h.host for h in plan.hosts if h.host not in ctx.inventory.hosts]
            if unknown:
                raise InputError(Location(str(plan_file), None, "hosts"),
                                 f"host(s) not in the inventory {inventory}: {', '.join(unknown)}")
            if limit is not None:
                keep = set(select_hosts(ctx.inventory, limit))
                plan.hosts = [h for h in plan.hosts if h.host in keep]
            # A record of intent, not an authority: every change must be what the playbooks give its host.
            check_plan_playbooks(plan, ctx.catalog)
            verify_plan_items(plan, ctx.inventory, ctx.catalog, plan_file)
            ctx.pool.check_credentials([h.host for h in plan.hosts])
            _check_windows(ctx.inventory, plan, outside_window)
            _check_irreversible(plan, accept_irreversible, out, ask=False)
        else:
            plan = make_plan(ctx, select_hosts(ctx.inventory, limit))
            if not as_json:
                print_plan(plan, out)
            if plan.change_count == 0:
                out.print("Nothing to change.")
                return for_plan_errors(plan)
            _check_windows(ctx.inventory, plan, outside_window)
            marked = _check_irreversible(plan, accept_irreversible, out, ask=not yes)
            question = f"Apply {plan.change_count} change(s)" + (
                f", {marked} of them irreversible by their normal setter (listed above)?" if marked else "?")
            if not yes and not click.confirm(question, default=False, err=as_json):
                out.print("Nothing applied.")
                return ExitCode.REFUSED
        rollout = Rollout(serial=serial, max_fail=max_fail,
                          gate=None if outside_window else window_gate(ctx.inventory, _utc_now))
        if outside_window:
            reason = f"--outside-window: {reason}"
        journal = common.open_journal(state_dir, ctx.inventory)
        try:
            result = apply_plan(ctx, plan, journal, common.command_text(), reason=reason, rollout=rollout)
        finally:
            journal.close()
    finally:
        ctx.pool.close_all()
    if as_json:
        common.echo_json(result.model_dump_json(indent=2))
    else:
        print_run(result, out)
    return for_run(result)


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


def for_plan_errors(plan: Plan) -> int:
    return ExitCode.ERROR if plan.has_errors else ExitCode.OK


def load_plan_file(path: Path) -> Plan:
    import json

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(Location(str(path)), f"cannot read plan file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise InputError(Location(str(path)), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(Location(str(path), exc.lineno), f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(Location(str(path)), "not a plan: nested too deeply") from None
    if not isinstance(data, dict) or data.get("format") != "remediate.plan":
        raise InputError(Location(str(path), None, "format"), "not a remediate plan file "
                         "(expected format: remediate.plan)")
    if data.get("version") not in PLAN_VERSIONS:
        raise InputError(Location(str(path), None, "version"),
                         f"plan format version {data.get('version')!r} is not supported (expected "
                         f"{' or '.join(map(str, PLAN_VERSIONS))})")
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in input_path(tuple(first["loc"]), data))
        raise InputError(Location(str(path), None, field), f"{first['msg']}") from None
    check_plan_changes(plan, path)
    return plan


def check_plan_changes(plan: Plan, path: Path) -> None:
    """Refuse, before any host is contacted, what `apply` could not send: a host listed twice, an unknown or
    read-only kind, or an identity or value its kind cannot build ops from (a hand-edited or damaged file).
    Found by tests/unit/test_fuzz_loaders.py, where such files crashed the apply with KeyError/AttributeError."""
    from remediate.resources import KINDS

    seen: set[str] = set()
    for h, host in enumerate(plan.hosts):
        if host.host in seen:
            raise InputError(Location(str(path), None, f"hosts[{h}].host"), f"host {host.host!r} is listed twice")
        seen.add(host.host)
        for i, item in enumerate(host.items):
            if not item.is_change:
                continue
            where = Location(str(path), None, f"hosts[{h}].items[{i}]")
            kind = KINDS.get(item.kind)
            if kind is None:
                raise InputError(where, f"unknown resource kind {item.kind!r}")
            if kind.probe:
                raise InputError(where, f"{item.kind} is a read-only probe; it cannot be a change")
            try:
                kind.read_op(item.identity)
                kind.set_op(item.identity, item.before)
                kind.set_op(item.identity, item.after)
            except Exception as exc:  # noqa: BLE001 - any failure here means the file does not describe a change
                shown = ", ".join(f"{k} {v!r:.80}" for k, v in (("identity", item.identity),
                                                                   ("before", item.before), ("after", item.after)))
                raise InputError(where, f"not a valid {item.kind} change ({shown}): {type(exc).__name__}") from None
