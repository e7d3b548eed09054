"""Applying changes to one host: journal first, one guarded command, an outcome that is never a guess.

The request carries, for every change, the value the plan observed (`expect`), the value to reach (`want`) and
how to put the old one back (`undo`); the agent compares all before writing any, verifies each write by reading
it back and reverts the host on the first failure (docs/agent-protocol.md). Rollback uses this very path with
before and after swapped.

If the connection breaks while the apply command is in flight, the runner does not re-send it: it reads the
values again (a read is safe to repeat) and reports the host as applied (everything reads as `after`), untouched
(everything reads as `before`), or unknown, which points at `remediate rollback RUN`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from remediate import agent
from remediate.engine.hostlock import lock_note, lock_refusal, with_note
from remediate.engine.fleet import call_agent
from remediate.engine.model import ChangeResult, HostOutcome, HostResult, PlanItem
from remediate.errors import HostError
from remediate.journal import RunJournal
from remediate.resources import KINDS
from remediate.transport.base import Connection


@dataclass(frozen=True)
class Change:
    """Move one resource from `before` to `after`. Plain data: it is what the journal stores."""

    kind: str
    identity: dict[str, Any]
    description: str
    rule_id: str
    before: Any
    after: Any

    @classmethod
    def from_item(cls, item: PlanItem) -> Change:
        return cls(item.kind, item.identity, item.description, item.rule_id, item.before, item.after)

    @classmethod
    def from_journal(cls, data: dict[str, Any]) -> Change:
        return cls(data["kind"], data["identity"], data["description"], data["rule_id"], data["before"],
                   data["after"])

    def journal(self) -> dict[str, Any]:
        return {"kind": self.kind, "identity": self.identity, "description": self.description,
                "rule_id": self.rule_id, "before": self.before, "after": self.after}

    def reversed(self) -> Change:
        return Change(self.kind, self.identity, self.description, self.rule_id, self.after, self.before)


def write_op(change: Change, value: Any, facts: dict[str, Any] | None) -> dict[str, Any]:
    """The op that writes `value` (ResourceKind.write_path): the normal setter, or the kind's other documented path
    for a value the setter refuses. Where there is none, the normal setter is sent all the same: it fails, and the
    host's answer says so (rollback never gets here for such a value: it reports it to be set by hand)."""
    kind = KINDS[change.kind]
    path = kind.write_path(change.identity, value, facts)
    return (path.op or kind.set_op(change.identity, value)).wire()


def apply_request(changes: list[Change], lock: dict[str, Any] | None = None,
                  facts: dict[str, Any] | None = None) -> dict[str, Any]:
    wire = []
    for index, change in enumerate(changes):
        kind = KINDS[change.kind]
        wire.append({
            "id": f"c{index}",
            "read": kind.read_op(change.identity).wire(),
            "expect": change.before,
            "set": write_op(change, change.after, facts),
            "want": change.after,
            "undo": write_op(change, change.before, facts),
        })
    request: dict[str, Any] = {"mode": "apply", "changes": wire}
    if lock is not None:
        request["lock"] = lock  # taken and released by the agent in this same command (engine/hostlock.py)
    return request


def read_live(connection: Connection, changes: list[Change]) -> list[dict[str, Any]]:
    """The live value of each change's resource, one command. Results keep the agent's ok/value/error shape."""
    ops = [{"id": f"r{i}", **KINDS[c.kind].read_op(c.identity).wire()} for i, c in enumerate(changes)]
    answer = call_agent(connection, {"mode": "read", "ops": ops})
    by_id = {r.get("id"): r for r in answer.get("results", []) if isinstance(r, dict)}
    return [by_id.get(f"r{i}", {"ok": False, "error": {"message": "no result"}}) for i in range(len(changes))]


def apply_host(host: str, changes: list[Change], connection: Connection, journal: RunJournal, run_id: str,
               rollback_hint: str, lock: dict[str, Any] | None = None,
               facts: dict[str, Any] | None = None) -> HostResult:
    journal.snapshot(run_id, host, [c.journal() for c in changes])
    result = send_changes(host, changes, connection, rollback_hint, lock, facts)
    journal.record(run_id, host, result.outcome.value, result.model_dump(mode="json"))
    return result


def send_changes(host: str, changes: list[Change], connection: Connection, rollback_hint: str,
                 lock: dict[str, Any] | None = None, facts: dict[str, Any] | None = None) -> HostResult:
    """One guarded apply command for `changes` and what became of it; the caller journals before and after."""
    try:
        answer = call_agent(connection, apply_request(changes, lock, facts))
    except HostError as exc:
        result = _after_lost_connection(host, changes, connection, exc, rollback_hint)
    else:
        result = lock_refusal(host, answer) or with_note(_from_answer(host, changes, answer, rollback_hint),
                                                         lock_note(answer))
    return result


def _from_answer(host: str, changes: list[Change], answer: dict[str, Any], rollback_hint: str) -> HostResult:
    outcome_text = answer.get("outcome")
    results = answer.get("changes") or []
    rows = []
    for index, change in enumerate(changes):
        row = results[index] if index < len(results) and isinstance(results[index], dict) else {}
        error = row.get("error")
        rows.append(ChangeResult(
            description=change.description, rule_id=change.rule_id, status=str(row.get("status", "unknown")),
            before=change.before, after=change.after, observed=row.get("observed"),
            error=f"{error.get('type', 'Failed')}: {error.get('message', '')}" if isinstance(error, dict) else None,
        ))
    if outcome_text == "applied" and all(r.status == "applied" for r in rows):
        return HostResult(host=host, outcome=HostOutcome.APPLIED, changes=rows)
    if outcome_text == "stale":
        stale = [r.description for r in rows if r.status == "stale"]
        unread = [f"{r.description} ({r.error})" for r in rows if r.status == "error"]
        parts = (["changed since the plan: " + ", ".join(stale)] if stale else []) + \
            (["could not be read before writing: " + ", ".join(unread)] if unread else [])
        return HostResult(host=host, outcome=HostOutcome.STALE, changes=rows,
                          message="; ".join(parts or ["changed since the plan"]) + "; nothing written")
    failed = next((r for r in rows if r.status in ("failed", "revert_failed")), None)
    why = f"{failed.description}: {failed.error or 'did not verify'}" if failed else "apply failed"
    if outcome_text == "reverted":
        return HostResult(host=host, outcome=HostOutcome.REVERTED, changes=rows,
                          message=f"{why}; every earlier change on this host was reverted")
    return HostResult(host=host, outcome=HostOutcome.REVERT_FAILED if outcome_text == "revert_failed"
                      else HostOutcome.UNKNOWN, changes=rows, message=f"{why}; revert incomplete: {rollback_hint}")


# How long to wait for a command whose answer was lost on the way back (its input had all been sent) to finish.
COLLECT_BUDGET_SECONDS = 60.0


def _after_lost_connection(host: str, changes: list[Change], connection: Connection, cause: HostError,
                           rollback_hint: str) -> HostResult:
    """What became of a host whose apply command lost its connection. Never sends the apply again.

    If the command's input had all been sent (`cause.in_flight`), it may be running: its own answer is collected
    over a new session (the agent's verified result, the best evidence there is). If it finished without a usable
    answer, a re-read is as good as ever. If it could not be followed to its end, its shell is deleted (which ends
    it) and the host re-read, but "untouched" or "applied" could then be overtaken by a command still running, so
    only "unknown" is said. If the input was never complete, the command cannot have run: a re-read tells
    untouched / applied / partly changed.
    """
    settled = cause.in_flight is None
    if not settled:
        finished, answer = _collect(connection, cause.in_flight)
        if answer is not None:
            result = lock_refusal(host, answer) or with_note(_from_answer(host, changes, answer, rollback_hint),
                                                             lock_note(answer))
            return with_note(result, f"{cause.problem} while the answer was on its way back; it was collected "
                                     "from the host over a new connection")
        settled = finished
        if not finished:
            connection.close()  # deletes the command's shell: it cannot start or go on after this
    connection.reset()
    try:
        live = read_live(connection, changes)
    except HostError as exc:
        return HostResult(host=host, outcome=HostOutcome.UNKNOWN,
                          message=f"{cause.problem} during apply, and the re-read failed ({exc.problem}); "
                                  f"state unknown: {rollback_hint}")
    values = [r.get("value") if r.get("ok") else object() for r in live]
    rows = [ChangeResult(description=c.description, rule_id=c.rule_id, status="observed", before=c.before,
                         after=c.after, observed=v if r.get("ok") else None) for c, v, r in zip(changes, values, live)]
    if not settled:
        return HostResult(host=host, outcome=HostOutcome.UNKNOWN, changes=rows,
                          message=f"{cause.problem} after the apply command was sent, and it could not be followed "
                                  f"to its end (its shell was deleted); check the values shown: {rollback_hint}")
    if all(v == c.after for v, c in zip(values, changes)):
        return HostResult(host=host, outcome=HostOutcome.APPLIED, changes=rows,
                          message=f"{cause.problem} after the apply was sent; a re-read shows every change in place")
    if all(v == c.before for v, c in zip(values, changes)):
        return HostResult(host=host, outcome=HostOutcome.UNTOUCHED, changes=rows,
                          message=f"{cause.problem} during apply; a re-read shows the host unchanged")
    return HostResult(host=host, outcome=HostOutcome.UNKNOWN, changes=rows,
                      message=f"{cause.problem} during apply; the host is partly changed: {rollback_hint}")


def _collect(connection: Connection, handle: object) -> tuple[bool, dict[str, Any] | None]:
    """(the command finished, its parsed answer or None), from a new session; (False, None) if not followed."""
    try:
        result = connection.collect(handle, COLLECT_BUDGET_SECONDS)
    except HostError:
        return False, None
    if result is None:
        return False, None
    try:
        return True, agent.parse_answer(result.stdout)
    except agent.ProtocolError:
        return True, None  # it ran and ended without an answer (the agent refused a damaged request, say)
