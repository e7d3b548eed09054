"""The three things a user asks for: plan, apply, rollback. The CLI calls these and only prints the results."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from remediate.engine.apply import Change, apply_host, read_live
from remediate.engine.fleet import DEFAULT_FORKS, ConnectionPool, NoProgress, Progress, for_each_host
from remediate.engine.model import (
    ErrorInfo,
    HostOutcome,
    HostPlan,
    HostResult,
    HostStatus,
    Plan,
    RunResult,
)
from remediate.engine.plan import Target, plan_host, targets
from remediate.errors import HostError, RefusedError
from remediate.inventory import Inventory
from remediate.journal import Journal, new_run_id
from remediate.playbook import Catalog


@dataclass
class RunContext:
    inventory: Inventory
    catalog: Catalog
    pool: ConnectionPool
    forks: int = DEFAULT_FORKS
    progress: Progress = field(default_factory=NoProgress)


def fingerprint(inventory_path: str, playbook_files: list[str]) -> tuple[str, dict[str, str]]:
    inputs = {}
    for path in [inventory_path, *playbook_files]:
        inputs[str(path)] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    combined = hashlib.sha256("\n".join(f"{k}={v}" for k, v in sorted(inputs.items())).encode()).hexdigest()
    return combined, inputs


def make_plan(ctx: RunContext, hosts: list[str]) -> Plan:
    planned = targets(ctx.inventory, ctx.catalog, hosts)  # renders everything first: bad input stops here
    ctx.pool.check_credentials(hosts)

    def one(target: Target) -> HostPlan:
        ctx.progress.host_started(target.host.name, "plan")
        result = plan_host(target, ctx.pool.get(target.host.name))
        ctx.progress.host_finished(target.host.name, "plan", result.status.value)
        return result

    by_name = {t.host.name: t for t in planned}
    results = for_each_host(hosts, lambda name: one(by_name[name]), ctx.forks)
    combined, inputs = fingerprint(ctx.inventory.path, ctx.catalog.files)
    return Plan(inventory=ctx.inventory.path, playbooks=ctx.catalog.files, fingerprint=combined, inputs=inputs,
                hosts=results)


def check_plan_inputs(plan: Plan) -> None:
    """Refuse a saved plan whose inventory or playbooks changed since it was made, naming what changed."""
    changed = []
    for path, digest in plan.inputs.items():
        try:
            now = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            changed.append(f"{path} (no longer readable)")
            continue
        if now != digest:
            changed.append(path)
    if changed:
        raise RefusedError("the plan is out of date: changed since it was made: " + ", ".join(changed)
                           + "; make a new plan")


def apply_plan(ctx: RunContext, plan: Plan, journal: Journal, command: str, reason: str | None = None,
               run_id: str | None = None) -> RunResult:
    run_id = run_id or new_run_id()
    journal.begin_run(run_id, "apply", command, reason=reason)
    hint = f"run 'remediate rollback {run_id}'"
    plans = {h.host: h for h in plan.hosts}

    def one(name: str) -> HostResult:
        host_plan = plans[name]
        if host_plan.status is HostStatus.ERROR and host_plan.error is not None:
            return HostResult(host=name, outcome=HostOutcome.NOT_ATTEMPTED,
                              message=f"not planned: {host_plan.error.message}")
        changes = [Change.from_item(item) for item in host_plan.changes]
        if not changes:
            return HostResult(host=name, outcome=HostOutcome.NO_CHANGES)
        ctx.progress.host_started(name, "apply")
        result = apply_host(name, changes, ctx.pool.get(name), journal, run_id, hint)
        ctx.progress.host_finished(name, "apply", result.outcome.value)
        return result

    try:
        results = for_each_host([h.host for h in plan.hosts], one, ctx.forks)
    finally:
        journal.finish_run(run_id)
    return RunResult(run_id=run_id, kind="apply", hosts=results)


def rollback_run(ctx: RunContext, journal: Journal, source_run: str, only_hosts: list[str] | None,
                 command: str) -> RunResult:
    """Put back every value a run changed, through the same guarded apply path.

    Per change, the live value decides: equal to the run's before-value, nothing to do; equal to its after-value,
    set it back; anything else means someone changed it since, and that host is refused (stale) untouched.
    """
    record = journal.run(source_run)
    hosts = [h for h in record.hosts if h.changes and (only_hosts is None or h.host in only_hosts)]
    if only_hosts:
        missing = sorted(set(only_hosts) - {h.host for h in record.hosts})
        if missing:
            raise RefusedError(f"run {source_run} did not touch host(s): {', '.join(missing)}")
    for h in hosts:
        if h.host not in ctx.inventory.hosts:
            raise RefusedError(f"host {h.host} of run {source_run} is not in the inventory {ctx.inventory.path}")
    ctx.pool.check_credentials([h.host for h in hosts])
    run_id = new_run_id()
    journal.begin_run(run_id, "rollback", command, parent_run=source_run)
    hint = f"run 'remediate rollback {run_id}' or inspect the host"
    entries = {h.host: [Change.from_journal(c) for c in h.changes] for h in hosts}

    def one(name: str) -> HostResult:
        ctx.progress.host_started(name, "rollback")
        result = _rollback_host(name, entries[name], ctx, journal, run_id, hint)
        ctx.progress.host_finished(name, "rollback", result.outcome.value)
        return result

    try:
        results = for_each_host(list(entries), one, ctx.forks)
    finally:
        journal.finish_run(run_id)
    return RunResult(run_id=run_id, kind="rollback", hosts=results)


def _rollback_host(name: str, changes: list[Change], ctx: RunContext, journal: Journal, run_id: str,
                   hint: str) -> HostResult:
    connection = ctx.pool.get(name)
    try:
        live = read_live(connection, changes)
    except HostError as exc:
        journal.record(run_id, name, HostOutcome.UNREACHABLE.value, {"message": exc.problem})
        return HostResult(host=name, outcome=HostOutcome.UNREACHABLE, message=exc.problem)
    undo: list[Change] = []
    conflicts: list[str] = []
    for change, result in zip(changes, live):
        value = result.get("value") if result.get("ok") else None
        if not result.get("ok"):
            conflicts.append(f"{change.description}: cannot read ({(result.get('error') or {}).get('message')})")
        elif value == change.before:
            continue
        elif value == change.after:
            undo.append(change.reversed())
        else:
            conflicts.append(f"{change.description} was changed by someone else since the run")
    if conflicts:
        message = "refused, nothing written: " + "; ".join(conflicts)
        journal.record(run_id, name, HostOutcome.STALE.value, {"message": message})
        return HostResult(host=name, outcome=HostOutcome.STALE, message=message)
    if not undo:
        journal.record(run_id, name, HostOutcome.NO_CHANGES.value, {"message": "already as before the run"})
        return HostResult(host=name, outcome=HostOutcome.NO_CHANGES, message="already as before the run")
    # Undo in reverse order of the original application: later changes may build on earlier ones.
    return apply_host(name, list(reversed(undo)), connection, journal, run_id, hint)


def error_plan_for(host: str, endpoint: str, error: HostError) -> HostPlan:
    return HostPlan(host=host, endpoint=endpoint, status=HostStatus.ERROR,
                    error=ErrorInfo(type=error.kind, message=error.problem))
