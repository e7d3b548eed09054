"""The lab's executor of the agent protocol: what `templates/agent.ps1.j2` does on Windows, done on simulated state.

`docs/agent-protocol.md` is the contract; both executors give the same answer to the same request on the same
state, down to error types and (for errors they raise themselves) messages. `OPS` is the op table: its keys must
equal the names in the PowerShell script's table (`tests/unit/test_agent_contract.py` checks it). Every op that
runs is appended to `host.op_log` as `(name, args)`, so tests can prove what ran and that nothing else did.

Fault injection, for tests: an op named in `host.fail_ops` fails with `Failed`; `host.fail_after[name] = n` lets
the first n calls of that op run and fails every later one (how a revert can fail after a set went through).
"""

from __future__ import annotations

import copy
import json
from typing import Any, Protocol

from remediate.agent import PROTOCOL_VERSION
from remediate.lab.state import StateError
from remediate.lab.ops import OPS, WRITE_OPS
from remediate.lab.ops.lock import check_lock_request

class SimHostState(Protocol):
    """What the executor needs of a simulated host (`remediate.lab.host.SimHost` is one)."""

    name: str
    op_log: list[tuple[str, Any]]
    fail_ops: set[str]
    fail_after: dict[str, int]
    writes: int
    registry: Any
    host_lock: Any


class MalformedRequest(ValueError):
    """Not a protocol request at all. The agent then writes to stderr and exits 1 without an answer."""


def canonical(value: Any) -> str:
    """The agent's canonical JSON: sorted keys, no spaces, ASCII. Equal values <=> equal text.

    A float with an integral value is written as that integer: the PowerShell writer prints 2.0 as "2", so
    "integers compare by value" holds across int and float there too.
    """
    return json.dumps(_integral_floats(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _integral_floats(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats(v) for v in value]
    return value


def equal(left: Any, right: Any) -> bool:
    return canonical(left) == canonical(right)


def _failure(type_: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"type": type_, "message": message}}


def run_op(host: SimHostState, spec: Any) -> dict[str, Any]:
    """One op spec -> `{"ok": True, "value": V}` or `{"ok": False, "error": {"type", "message"}}` (Invoke-AgentOp)."""
    if not isinstance(spec, dict):
        return _failure("InvalidArgument", "op must be an object")
    name, args = spec.get("op"), spec.get("args")
    if not isinstance(name, str) or name not in OPS:
        return _failure("UnknownOp", "unknown op " + canonical(name))
    host.op_log.append((name, copy.deepcopy(args)))
    if name in WRITE_OPS:
        host.writes += 1  # attempted writes: what "read-only" tests assert to stay at zero
    try:
        calls = sum(1 for logged, _ in host.op_log if logged == name)
        if name in host.fail_ops or calls > host.fail_after.get(name, calls):
            raise StateError(f"simulated failure of {name}")
        return {"ok": True, "value": OPS[name](host, args)}
    except StateError as exc:
        return _failure(exc.error_type, str(exc))


# -------------------------------------------------------------------------------------------------------- modes


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else None


def _change_result(change: Any, status: str, observed: Any = None, error: Any = None) -> dict[str, Any]:
    return {"id": _field(change, "id"), "status": status, "observed": observed, "error": error}


def _mismatch(what: str, observed: Any, wanted: Any) -> dict[str, str]:
    return {"type": "Failed", "message": f"{what}: read back {canonical(observed)}, wanted {canonical(wanted)}"}


def _read_mode(host: SimHostState, ops: list[Any]) -> dict[str, Any]:
    results = []
    for spec in ops:
        result = run_op(host, spec)
        result["id"] = _field(spec, "id")
        results.append(result)
    return {"version": PROTOCOL_VERSION, "results": results}


def _apply_mode(host: SimHostState, changes: list[Any]) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    # 1. Compare: every read must still return what the plan saw, or nothing is written.
    for change in changes:
        read = run_op(host, _field(change, "read"))
        if not read["ok"]:
            out.append(_change_result(change, "error", None, read["error"]))
        elif equal(read["value"], _field(change, "expect")):
            out.append(_change_result(change, "unchanged", read["value"]))
        else:
            out.append(_change_result(change, "stale", read["value"]))
    if any(r["status"] != "unchanged" for r in out):
        return {"version": PROTOCOL_VERSION, "outcome": "stale", "changes": out}
    # 2. Set and verify, in order, stopping at the first change that fails (no re-read after a failed set).
    failed, failure = -1, None
    for i, change in enumerate(changes):
        set_ = run_op(host, _field(change, "set"))
        if not set_["ok"]:
            failed, failure = i, set_["error"]
            break
        want = _field(change, "want")
        read = run_op(host, _field(change, "read"))
        if not read["ok"]:
            failed, failure = i, read["error"]
            break
        if not equal(read["value"], want):
            failed, failure = i, _mismatch("value did not converge", read["value"], want)
            break
        out[i] = _change_result(change, "applied", read["value"])
    if failed < 0:
        return {"version": PROTOCOL_VERSION, "outcome": "applied", "changes": out}
    # 3. Revert the failed change, then every earlier one in reverse order; each is re-read and checked.
    #    Earlier changes become reverted / revert_failed; the failed one stays failed unless its undo did not verify.
    outcome = "reverted"
    for i in range(failed, -1, -1):
        change = changes[i]
        expect = _field(change, "expect")
        undo = run_op(host, _field(change, "undo"))
        read = run_op(host, _field(change, "read"))
        observed = read["value"] if read["ok"] else None
        status, problem = "reverted", None
        if not read["ok"]:
            status, problem = "revert_failed", read["error"]
        elif not equal(observed, expect):
            status, problem = "revert_failed", _mismatch("value did not revert", observed, expect)
        if status == "revert_failed":
            outcome = "revert_failed"
            if not undo["ok"]:
                problem = undo["error"]  # the undo's own error says more than the mismatch it caused
        if i == failed:
            # The failed change reports why it failed; `failed` says its undo verified, else revert_failed.
            problem = failure
            status = "failed" if status == "reverted" else status
        out[i] = _change_result(change, status, observed, problem)
    for i in range(failed + 1, len(changes)):
        out[i] = _change_result(changes[i], "not_attempted")
    return {"version": PROTOCOL_VERSION, "outcome": outcome, "changes": out}


def _lock_answer(outcome: str, changes: list[Any], field: str, value: Any) -> dict[str, Any]:
    return {"version": PROTOCOL_VERSION, "outcome": outcome,
            "changes": [_change_result(c, "not_attempted") for c in changes], field: value}


def locked_apply(host: SimHostState, changes: list[Any], lock: Any) -> dict[str, Any]:
    """Apply mode under the host lock (Invoke-LockedApply in templates/agent/lock.ps1): take it, apply, release it
    whatever the apply did. The lock is taken outside the registry lock, as two agent processes run side by side."""
    try:
        run_id, owner, ttl = check_lock_request(lock)
        entered = host.host_lock.enter(run_id, owner, ttl)
    except StateError as exc:
        return _lock_answer("lock_error", changes, "error", {"type": exc.error_type, "message": str(exc)})
    if entered["state"] == "locked":
        return _lock_answer("locked", changes, "holder", entered["holder"])
    released: dict[str, Any] = {"released": False, "error": None}
    try:
        if host.host_lock.on_acquired is not None:
            host.host_lock.on_acquired()
        with host.registry.lock:
            answer = _apply_mode(host, changes)
    finally:
        released = {"released": host.host_lock.release(run_id)["released"], "error": None}
    answer["lock"] = {"taken_over": entered["taken_over"], **released}
    return answer


def execute(host: SimHostState, request: Any) -> dict[str, Any]:
    """Answers one request (read or apply mode) on the host's state; raises MalformedRequest for a non-request.

    Holds the registry lock throughout the ops: one request is atomic against other requests to the same host.
    An apply with a `lock` takes the host lock first (`locked_apply`), outside the registry lock.
    """
    version = _field(request, "version")
    if isinstance(version, bool) or not isinstance(version, int) or version != PROTOCOL_VERSION:
        raise MalformedRequest("unsupported request version")
    mode, ops, changes = _field(request, "mode"), _field(request, "ops"), _field(request, "changes")
    if mode == "read" and isinstance(ops, list):
        with host.registry.lock:
            return _read_mode(host, ops)
    if mode == "apply" and isinstance(changes, list):
        if _field(request, "lock") is not None:
            return locked_apply(host, changes, _field(request, "lock"))
        with host.registry.lock:
            return _apply_mode(host, changes)
    raise MalformedRequest('request needs mode "read" with ops or mode "apply" with changes')
