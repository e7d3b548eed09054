"""The three things a user asks for: plan, apply, rollback (engine/rollback.py). The CLI calls these and only
prints the results."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from remediate.engine.apply import Change, apply_host
from remediate.engine.batches import Rollout
from remediate.engine.fleet import DEFAULT_FORKS, ConnectionPool, NoProgress, Progress, for_each_host
from remediate.engine.hostlock import lock_request
from remediate.engine.interrupt import RUN_FINISHED, RUN_INTERRUPTED, Interrupt, interrupted, interrupted_by
from remediate.engine.model import (
    ErrorInfo,
    HostOutcome,
    HostPlan,
    HostResult,
    HostStatus,
    Irreversible,
    Plan,
    PlanItem,
    RunResult,
)
from remediate.engine.plan import Target, irreversible, plan_host, targets
from remediate.errors import RefusedError
from remediate.inventory import Inventory
from remediate.journal import RunJournal, new_run_id
from remediate.playbook import Catalog
from remediate.resources import KINDS

# Rollback lives in engine/rollback.py; callers may keep importing it from here.
from remediate.engine.rollback import rollback_run  # noqa: E402,F401


@dataclass
class RunContext:
    inventory: Inventory
    catalog: Catalog
    pool: ConnectionPool
    forks: int = DEFAULT_FORKS
    progress: Progress = field(default_factory=NoProgress)
    # Set by a signal (cli/interrupts.py): hosts not started yet are left alone (engine/interrupt.py).
    interrupt: Interrupt | None = None


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
        if interrupted(ctx.interrupt):
            return HostPlan(host=target.host.name, endpoint=target.host.connection.endpoint, status=HostStatus.ERROR,
                            error=ErrorInfo(type="interrupted", message="not read: the run was interrupted"))
        ctx.progress.host_started(target.host.name, "plan")
        result = plan_host(target, ctx.pool.get(target.host.name))
        ctx.progress.host_finished(target.host.name, "plan", result.status.value)
        return result

    # Each host's rendered rules are let go as soon as its plan is made: holding every host's targets until the
    # end doubled the runner's peak memory at 1000 hosts x 100 resources (bench/fleet.py: ~680 MB).
    by_name = {t.host.name: t for t in planned}
    del planned
    ctx.progress.phase_started("plan", len(hosts))
    try:
        results = for_each_host(hosts, lambda name: one(by_name.pop(name)), ctx.forks)
    finally:
        ctx.progress.phase_finished("plan")
    combined, inputs = fingerprint(ctx.inventory.path, ctx.catalog.files)
    return Plan(inventory=ctx.inventory.path, playbooks=ctx.catalog.files, fingerprint=combined, inputs=inputs,
                hosts=results)


def check_plan_inputs(plan: Plan, inventory_path: str | None = None) -> None:
    """Refuse a saved plan whose inventory or playbooks changed since it was made, naming each file that changed
    and its role (inventory, playbook); also a plan made from another inventory than the one given now."""
    if inventory_path is not None and _same_file(plan.inventory, inventory_path) is False:
        raise RefusedError(f"the plan was made from the inventory {plan.inventory}, not {inventory_path}; apply it "
                           f"with -i {plan.inventory}, or make a new plan")
    changed = []
    for path, digest in plan.inputs.items():
        role = "inventory" if path == plan.inventory else "playbook"
        try:
            now = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError as exc:
            changed.append(f"{role} {path} can no longer be read ({exc.strerror or exc})")
            continue
        if now != digest:
            changed.append(f"{role} {path} changed (sha256 {digest[:12]}... is now {now[:12]}...)")
    if changed:
        raise RefusedError("the plan is out of date, its inputs changed since it was made: " + "; ".join(changed)
                           + "; make a new plan")


def irreversible_changes(plan: Plan) -> list[tuple[str, PlanItem, Irreversible]]:
    """(host, item, why and how) for each planned change whose before-value the normal setter cannot put back.
    Worked out again from the kind, the before-value and the host's facts: a plan file's own marks are not trusted
    (a hand-edited file could drop them)."""
    found = []
    for host in plan.hosts:
        for item in host.changes:
            kind = KINDS.get(item.kind)
            mark = irreversible(kind, item.identity, item.before, host.facts) if kind is not None else None
            if mark is not None:
                found.append((host.host, item, mark))
    return found


def _same_file(a: str, b: str) -> bool | None:
    """Whether two paths name one file; None when that cannot be told (one of them is gone)."""
    try:
        return Path(a).samefile(b)
    except OSError:
        return None


def apply_plan(ctx: RunContext, plan: Plan, journal: RunJournal, command: str, reason: str | None = None,
               run_id: str | None = None, rollout: Rollout | None = None) -> RunResult:
    """Apply every host's changes under the host lock, in the batches of `rollout` (engine/batches.py): a host
    whose gate says no (its change window closed) and the hosts after a passed --max-fail are not started; after
    an interrupt (`ctx.interrupt`) no host starts, and the run is journaled `interrupted` with those hosts."""
    rollout = rollout or Rollout()
    run_id = run_id or new_run_id()
    journal.begin_run(run_id, "apply", command, reason=reason)
    hint = f"run 'remediate rollback {run_id}'"
    plans = {h.host: h for h in plan.hosts}
    lock = lock_request(run_id)
    gated: list[str] = []
    unstarted: list[str] = []  # left by the interrupt

    def one(name: str) -> HostResult:
        host_plan = plans[name]
        if host_plan.status is HostStatus.ERROR and host_plan.error is not None:
            return HostResult(host=name, outcome=HostOutcome.NOT_ATTEMPTED,
                              message=f"not planned: {host_plan.error.message}")
        changes = [Change.from_item(item) for item in host_plan.changes]
        if not changes:
            return HostResult(host=name, outcome=HostOutcome.NO_CHANGES)
        if interrupted(ctx.interrupt):
            unstarted.append(name)
            return _not_started(journal, run_id, name, ctx.interrupt.reason)  # type: ignore[union-attr]
        why = rollout.why_not_start(name)
        if why is not None:
            gated.append(name)
            return _not_started(journal, run_id, name, why)
        ctx.progress.host_started(name, "apply")
        result = apply_host(name, changes, ctx.pool.get(name), journal, run_id, hint, lock, facts=host_plan.facts)
        ctx.progress.host_finished(name, "apply", result.outcome.value)
        return result

    order = [h.host for h in plan.hosts]
    movers = [n for n in order if plans[n].changes and plans[n].status is not HostStatus.ERROR]
    results = {n: one(n) for n in order if n not in movers}  # nothing to send: no host is contacted
    batches = rollout.batches(movers)
    stopped: str | None = None
    done: list[str] = []
    ctx.progress.phase_started("apply", len(movers))
    try:
        for index, batch in enumerate(batches, start=1):
            if stopped is not None:
                results.update({n: _not_started(journal, run_id, n, f"not started: {stopped}") for n in batch})
                continue
            if interrupted(ctx.interrupt):
                unstarted += batch
                results.update({n: _not_started(journal, run_id, n, ctx.interrupt.reason)  # type: ignore[union-attr]
                                for n in batch})
                continue
            if len(batches) > 1:
                ctx.progress.note(f"batch {index} of {len(batches)}: {len(batch)} host(s)")
            results.update(zip(batch, for_each_host(batch, one, ctx.forks)))
            done += batch
            failed = sum(1 for n in done if results[n].outcome.failed)
            if index < len(batches) and rollout.should_stop(failed, len(done)):
                stopped = (f"--max-fail {rollout.max_fail} passed after batch {index} of {len(batches)}: "
                           f"{failed} of {len(done)} host(s) failed")
                ctx.progress.note(f"rollout stopped: {stopped}")
    finally:
        ctx.progress.phase_finished("apply")
        journal.finish_run(run_id, RUN_INTERRUPTED if unstarted else RUN_FINISHED)
    if stopped is None and gated:
        stopped = f"the change window closed during the run: {len(gated)} host(s) not started"
    elif stopped is not None:
        later = sum(1 for n in movers if n not in done)
        stopped += f"; {later} host(s) not attempted"
    return RunResult(run_id=run_id, kind="apply", hosts=[results[n] for n in order], stopped=stopped,
                     interrupted=interrupted_by(ctx.interrupt, unstarted),
                     not_started=[n for n in order if n in unstarted])


def resumable_hosts(journal: RunJournal, run_id: str) -> list[str]:
    """The hosts apply run `run_id` never started (an interrupt, --max-fail, a closed change window): what
    `apply --resume RUN_ID` applies. Refused for a rollback run and for a run still going."""
    record = journal.run(run_id)
    if record.kind != "apply":
        raise RefusedError(f"run {run_id} is a {record.kind}, not an apply; to finish an interrupted rollback, run "
                           f"'remediate rollback {record.parent_run or run_id}' again")
    if record.status == "running":
        raise RefusedError(f"run {run_id} is still running (started {record.started_at} by {record.user}@"
                           f"{record.workstation}); resume it once it has ended")
    return [h.host for h in record.hosts if h.status == HostOutcome.NOT_ATTEMPTED.value]


def _not_started(journal: RunJournal, run_id: str, name: str, why: str) -> HostResult:
    # Journaled with no changes: history shows the host was left alone, and rollback has nothing to do for it.
    result = HostResult(host=name, outcome=HostOutcome.NOT_ATTEMPTED, message=why)
    journal.record(run_id, name, result.outcome.value, result.model_dump(mode="json"))
    return result
