"""Rollback: put back every value a run changed, resource by resource, through the guarded apply path.

Trust first: every journal row used must carry a valid integrity code (remediate/journal/integrity.py) and every
change in it must be one a playbook rule made (a known, writable kind, a rule id); otherwise nothing at all is
written and the refusal names the host. Rollback writes only what those rows name.

Per host, one read (facts and every value) decides each change, with `before`/`after` the run's:

- live == before: already as before the run, nothing to write;
- live == after: to restore, by the kind's write path for `before` (ResourceKind.write_path: the normal setter,
  or the other documented path such as the AD attribute behind a cmdlet); a value with no write path is reported,
  with the reason and the value to set by hand;
- anything else: changed by someone since the run; reported, never overwritten;
- unreadable: reported.

By default (per resource) the restorable changes go in one guarded apply command, in reverse order of the run;
if one fails, the agent reverts that command's writes, the failing change is reported with its error, and the
others are sent again without it (one more command per failing change). The host ends `applied` (all restored or
already so), `partly_restored` or `not_restored`, every change named. `--atomic` keeps the older all-or-nothing
behaviour per host: any change that cannot be restored refuses the host untouched, and the first failure reverts
it. A rollback is journaled like an apply (its changes are the reverse ones), so it can itself be rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from remediate.engine.apply import Change, apply_host, send_changes
from remediate.engine.fleet import call_agent, for_each_host
from remediate.engine.hostlock import lock_request
from remediate.engine.interrupt import RUN_FINISHED, RUN_INTERRUPTED, interrupted, interrupted_by
from remediate.engine.model import ChangeResult, HostOutcome, HostResult, RunResult
from remediate.errors import HostError, RefusedError
from remediate.journal import JournalRun, RunJournal, new_run_id
from remediate.resources import KINDS

RESTORED = "restored"
ALREADY = "already"  # the value was as before the run already
NOT_RESTORED = "not_restored"


@dataclass
class _Item:
    """One change of the run being rolled back, and what became of it."""

    change: Change  # the run's change: before is what to restore, after is what the run wrote
    status: str = ""
    reason: str | None = None
    observed: Any = None

    def result(self) -> ChangeResult:
        c = self.change
        return ChangeResult(description=c.description, rule_id=c.rule_id, status=self.status, before=c.after,
                            after=c.before, observed=self.observed, error=self.reason)


def trusted_hosts(record: JournalRun, only_hosts: list[str] | None) -> list[Any]:
    """The host rows of `record` to roll back, each verified; RefusedError naming every row that is not."""
    if only_hosts:
        missing = sorted(set(only_hosts) - {h.host for h in record.hosts})
        if missing:
            raise RefusedError(f"run {record.run_id} did not touch host(s): {', '.join(missing)}")
    hosts = [h for h in record.hosts if h.changes and (only_hosts is None or h.host in only_hosts)]
    problems = [f"{h.host}: {h.integrity}" for h in hosts if h.integrity]
    for h in hosts:
        for index, change in enumerate(h.changes):
            why = _not_a_rule_change(change)
            if why:
                problems.append(f"{h.host}: change {index} {why}")
    if problems:
        raise RefusedError(f"the journal rows of run {record.run_id} failed their integrity check, nothing was "
                           f"written: {'; '.join(problems)}. Someone changed the journal outside remediate, or it "
                           "was sealed with another key; roll back the other hosts with --host, and restore these "
                           "by hand from a trusted copy")
    return hosts


def _not_a_rule_change(change: Any) -> str | None:
    if not isinstance(change, dict) or not {"kind", "identity", "rule_id", "before", "after"} <= set(change):
        return "is not a change record"
    kind = KINDS.get(change["kind"]) if isinstance(change["kind"], str) else None
    if kind is None or kind.probe:
        return f"names kind {change['kind']!r}, which no playbook rule can change"
    if not isinstance(change["rule_id"], str) or not change["rule_id"]:
        return "names no playbook rule"
    if not isinstance(change["identity"], dict):
        return "has no identity"
    return None


def rollback_run(ctx: Any, journal: RunJournal, source_run: str, only_hosts: list[str] | None, command: str,
                 atomic: bool = False, record: JournalRun | None = None) -> RunResult:
    """Restore every value `source_run` changed (see the module docstring). `record` is the run when it comes
    from elsewhere than `journal` (an exported run); it is checked the same way."""
    record = record or journal.run(source_run)
    hosts = trusted_hosts(record, only_hosts)
    for h in hosts:
        if h.host not in ctx.inventory.hosts:
            raise RefusedError(f"host {h.host} of run {source_run} is not in the inventory {ctx.inventory.path}")
    ctx.pool.check_credentials([h.host for h in hosts])
    run_id = new_run_id()
    journal.begin_run(run_id, "rollback", command, parent_run=source_run)
    hint = f"run 'remediate rollback {run_id}' or inspect the host"
    entries = {h.host: [Change.from_journal(c) for c in h.changes] for h in hosts}

    unstarted: list[str] = []  # left by an interrupt (engine/interrupt.py): never started, journaled as such

    def one(name: str) -> HostResult:
        if interrupted(ctx.interrupt):
            unstarted.append(name)
            result = HostResult(host=name, outcome=HostOutcome.NOT_ATTEMPTED, message=ctx.interrupt.reason)
            journal.record(run_id, name, result.outcome.value, result.model_dump(mode="json"))
            return result
        ctx.progress.host_started(name, "rollback")
        result = _host(name, entries[name], ctx, journal, run_id, hint, atomic)
        ctx.progress.host_finished(name, "rollback", result.outcome.value)
        return result

    ctx.progress.phase_started("rollback", len(entries))
    try:
        results = for_each_host(list(entries), one, ctx.forks)
    finally:
        ctx.progress.phase_finished("rollback")
        journal.finish_run(run_id, RUN_INTERRUPTED if unstarted else RUN_FINISHED)
    return RunResult(run_id=run_id, kind="rollback", hosts=results,
                     interrupted=interrupted_by(ctx.interrupt, unstarted),
                     not_started=[n for n in entries if n in unstarted])


def _read(connection: Any, changes: list[Change]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The host's facts (write paths may depend on the platform) and each change's live value: one command."""
    ops = [{"id": "facts", "op": "facts", "args": {}}]
    ops += [{"id": f"r{i}", **KINDS[c.kind].read_op(c.identity).wire()} for i, c in enumerate(changes)]
    answer = call_agent(connection, {"mode": "read", "ops": ops})
    by_id = {r.get("id"): r for r in answer.get("results", []) if isinstance(r, dict)}
    facts = by_id.get("facts", {})
    return ((facts.get("value") or {}) if facts.get("ok") else {},
            [by_id.get(f"r{i}", {"ok": False, "error": {"message": "no result"}}) for i in range(len(changes))])


def _host(name: str, changes: list[Change], ctx: Any, journal: RunJournal, run_id: str, hint: str,
          atomic: bool) -> HostResult:
    connection = ctx.pool.get(name)
    try:
        facts, live = _read(connection, changes)
    except HostError as exc:
        journal.record(run_id, name, HostOutcome.UNREACHABLE.value, {"message": exc.problem})
        return HostResult(host=name, outcome=HostOutcome.UNREACHABLE, message=exc.problem)
    items = [_Item(c) for c in changes]
    todo: list[_Item] = []
    for item, result in zip(items, live):
        c = item.change
        value = result.get("value")
        item.observed = value if result.get("ok") else None
        path = KINDS[c.kind].write_path(c.identity, c.before, facts)
        if not result.get("ok"):
            error = result.get("error") or {}
            item.status, item.reason = NOT_RESTORED, f"cannot be read: {error.get('type', 'Failed')}: " \
                                                     f"{error.get('message', '')}"
        elif value == c.before:
            item.status = ALREADY
        elif value != c.after:
            item.status, item.reason = NOT_RESTORED, "changed by someone else since the run; left as it is"
        elif path.op is None:
            item.status, item.reason = NOT_RESTORED, f"{path.irreversible}; no other write path"
        else:
            todo.append(item)
    blocked = [i for i in items if i.status == NOT_RESTORED]
    if atomic and blocked:
        message = "refused, nothing written (--atomic): " + "; ".join(f"{i.change.description}: {i.reason}"
                                                                      for i in blocked)
        result = HostResult(host=name, outcome=HostOutcome.STALE, message=message, changes=[i.result() for i in items])
        journal.record(run_id, name, result.outcome.value, result.model_dump(mode="json"))
        return result
    if not todo:
        result = _summary(name, items, None)
        journal.record(run_id, name, result.outcome.value, result.model_dump(mode="json"))
        return result
    # Undo in reverse order of the original application: later changes may build on earlier ones.
    todo.reverse()
    lock = lock_request(run_id)
    if atomic:
        return apply_host(name, [i.change.reversed() for i in todo], connection, journal, run_id, hint, lock, facts)
    journal.snapshot(run_id, name, [i.change.reversed().journal() for i in todo])
    ended = _restore(name, todo, connection, hint, lock, facts)
    result = _summary(name, items, ended)
    journal.record(run_id, name, result.outcome.value, result.model_dump(mode="json"))
    return result


def _restore(name: str, todo: list[_Item], connection: Any, hint: str, lock: dict[str, Any],
             facts: dict[str, Any]) -> HostResult | None:
    """Send the restores; drop each one that fails and send the rest again. Sets each item's status. Returns the
    host's answer when that answer ended the attempts (lock held, connection lost, revert failed)."""
    pending = list(todo)
    while pending:
        answer = send_changes(name, [i.change.reversed() for i in pending], connection, hint, lock, facts)
        rows = answer.changes
        if answer.outcome is HostOutcome.APPLIED:
            for item, row in zip(pending, rows or [None] * len(pending)):
                item.status, item.observed = RESTORED, item.change.before if row is None else row.observed
            return None
        if answer.outcome is HostOutcome.REVERTED:
            failed = [i for i, row in zip(pending, rows) if row.status == "failed"]
            if not failed:
                break
            for item in failed:
                row = rows[pending.index(item)]
                item.status, item.reason = NOT_RESTORED, row.error or "did not verify"
            pending = [i for i in pending if i not in failed]
            continue
        if answer.outcome is HostOutcome.STALE:
            stale = [i for i, row in zip(pending, rows) if row.status in ("stale", "error")]
            for item in stale:
                row = rows[pending.index(item)]
                item.status = NOT_RESTORED
                item.reason = (f"cannot be read: {row.error}" if row.status == "error"
                               else "changed by someone else while the rollback ran; left as it is")
                item.observed = row.observed
            if not stale:
                break
            pending = [i for i in pending if i not in stale]
            continue
        # Locked, unknown (connection lost), revert failed, error: the host's answer is the news; what each value
        # now holds is read back where the answer carries it.
        for item, row in zip(pending, rows or [None] * len(pending)):
            observed = getattr(row, "observed", None)
            if row is not None and row.status == "observed" and observed == item.change.before:
                item.status, item.observed = RESTORED, observed
            else:
                item.status, item.reason, item.observed = NOT_RESTORED, answer.message or answer.outcome.value, observed
        return answer
    for item in pending:
        item.status, item.reason = NOT_RESTORED, item.reason or "the host's answer did not say"
    return None


def _summary(name: str, items: list[_Item], ended: HostResult | None) -> HostResult:
    rows = [i.result() for i in items]
    missed = [i for i in items if i.status == NOT_RESTORED]
    done = [i for i in items if i.status == RESTORED]
    if not missed:
        outcome = HostOutcome.APPLIED if done else HostOutcome.NO_CHANGES
        message = None if done else "already as before the run"
    else:
        outcome = HostOutcome.PARTIAL if len(missed) < len(items) else HostOutcome.NOT_RESTORED
        message = f"{len(missed)} of {len(items)} value(s) not restored: " + "; ".join(
            f"{i.change.description}: {i.reason}" for i in missed)
    if ended is not None:
        # The host's own answer (locked, unknown, revert incomplete) is the outcome: it says what to do next.
        outcome = ended.outcome
        message = "; ".join(m for m in (ended.message, message) if m)
    return HostResult(host=name, outcome=outcome, message=message, changes=rows)
