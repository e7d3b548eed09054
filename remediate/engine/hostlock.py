"""The runner's side of the host lock (docs/agent-protocol.md, "Locking"): one apply at a time per host.

Every apply and rollback request carries `lock` = {run_id, owner, ttl_seconds}; the agent takes the lock in the same
command, before comparing anything, and releases it when the apply is done (applied, stale or reverted). Expiry is
computed on the host from `ttl_seconds`, with the host's clock: workstations' clocks may disagree, the host's is
the one every runner meets. A lock outlives its command only when the agent process dies mid-apply; it then
expires after `LOCK_TTL_SECONDS`, or `remediate unlock HOST --run RUN_ID` clears it.
"""

from __future__ import annotations

import getpass
import socket
from typing import Any

from remediate.engine.model import HostOutcome, HostResult

# Far longer than one apply command takes, short enough that a crashed run does not block a night's window.
LOCK_TTL_SECONDS = 1800


def owner() -> str:
    """`user@workstation`: who holds a lock, as the next run's refusal names it."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers; a lock still needs an owner
        user = "unknown"
    return f"{user}@{socket.gethostname()}"[:256]


def lock_request(run_id: str, ttl_seconds: int = LOCK_TTL_SECONDS) -> dict[str, Any]:
    return {"run_id": run_id, "owner": owner(), "ttl_seconds": ttl_seconds}


def describe_holder(holder: Any) -> str:
    """`locked by run X from Y since Z (expires E)`; holder is a lock record of the protocol."""
    if not isinstance(holder, dict):
        return "locked by another run (its lock record could not be read)"
    return (f"locked by run {holder.get('run_id')} from {holder.get('owner')} since {holder.get('acquired_utc')} "
            f"(expires {holder.get('expires_utc')})")


def lock_refusal(host: str, answer: dict[str, Any]) -> HostResult | None:
    """The host's result when the agent did not apply because of the lock; None when it applied (or tried to)."""
    outcome = answer.get("outcome")
    if outcome == "locked":
        return HostResult(host=host, outcome=HostOutcome.LOCKED,
                          message=f"refused, nothing written: {describe_holder(answer.get('holder'))}; if that run "
                                  "is dead, wait for the expiry or run 'remediate unlock "
                                  f"{host} --run RUN_ID'")
    if outcome == "lock_error":
        error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
        return HostResult(host=host, outcome=HostOutcome.ERROR,
                          message=f"could not take the host lock, nothing written: {error.get('type', 'Failed')}: "
                                  f"{error.get('message', '')}")
    return None


def lock_note(answer: dict[str, Any]) -> str | None:
    """What an applied answer says about the lock worth telling: a takeover, or a lock left behind."""
    lock = answer.get("lock")
    if not isinstance(lock, dict):
        return None
    notes = []
    taken = lock.get("taken_over")
    if isinstance(taken, dict):
        notes.append(f"took over the expired lock of run {taken.get('run_id')} from {taken.get('owner')} "
                     f"(since {taken.get('acquired_utc')}, expired {taken.get('expires_utc')})")
    if lock.get("released") is not True:
        error = lock.get("error")
        why = f": {error.get('type')}: {error.get('message')}" if isinstance(error, dict) else ""
        notes.append(f"the host lock was not released{why}; it expires by itself, or run 'remediate unlock'")
    return "; ".join(notes) or None


def with_note(result: HostResult, note: str | None) -> HostResult:
    if not note:
        return result
    message = f"{result.message}; {note}" if result.message else note
    return result.model_copy(update={"message": message})
