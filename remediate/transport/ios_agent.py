"""The agent of a Cisco IOS device: the agent protocol executed on the runner's side, in IOS commands over SSH.

A router runs no PowerShell, so the protocol (docs/agent-protocol.md: read mode, and apply mode's compare, set
and verify, revert on failure) is carried out here, in Python, by `execute_request`, with an op table whose ops
talk to the device through a `Device` (one `command(line) -> output` method; `remediate.transport.ssh` gives the
real one). The engine sees the same requests and answers as from a Windows host, so plan, apply, rollback, the
journal and the reports need nothing of their own for network devices.

Ops (values are those of `remediate.resources.ios_config_line`):
- `facts` (args `{}`): `hostname` (from the prompt), `os_caption` "Cisco IOS Software", `os_version` (from
  `show version`), `ps_version` / `exchange_version` null, `antivirus` [], `time_utc`.
- `ios.inspect.get` (`inspect_name`, `protocol`): `{"lines": [...]}` from `show running-config`.
- `ios.inspect.set` (`inspect_name`, `protocol`, `lines`): makes the matching lines exactly `lines`:
  `configure terminal`, `no <line>` for each line to go, `<line>` for each to add, `end`, `write memory`.
  Every line sent is generated from parsed fields (`format_line`); a line that does not parse is refused with
  InvalidArgument before anything is sent. Nothing to change sends nothing.

The host lock of apply requests (`lock`, docs/agent-protocol.md) is held in the device's running-config, as a
line no one types (remediate/transport/ios_lock.py): taken before the compare, released after, answered as a
Windows agent answers (`locked` with the holder, `lock_error`, or the apply answer with its `lock` record).
`lock.release` (read mode, for `remediate unlock`) removes a run's line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Protocol

from remediate.resources.ios_config_line import (
    ANY_NAME,
    NAME_PATTERN,
    PROTOCOLS,
    checked_lines,
    format_line,
    matching_lines,
    parse_line,
)
from remediate.transport import ios_lock

PROTOCOL_VERSION = 1


class Device(Protocol):
    """A privileged IOS CLI session. `command` returns the output; raises `CommandError` on a `%` error line."""

    @property
    def hostname(self) -> str: ...

    def command(self, line: str) -> str: ...


class OpError(Exception):
    """A failed op, with the protocol's error type."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class CommandError(OpError):
    """The device answered a command with an IOS error (`% Invalid input ...`)."""

    def __init__(self, line: str, message: str) -> None:
        super().__init__("Failed", f"the device refused {line!r}: {message}")


def _invalid(message: str) -> OpError:
    return OpError("InvalidArgument", message)


def _args(args: Any) -> tuple[str, str]:
    if not isinstance(args, dict):
        raise _invalid("args must be an object")
    name, protocol = args.get("inspect_name"), args.get("protocol")
    if not isinstance(name, str) or (name != ANY_NAME and not re.fullmatch(NAME_PATTERN, name)):
        raise _invalid("argument 'inspect_name' must be '*' or 1-32 letters, digits, '_' or '-'")
    if protocol not in PROTOCOLS:
        raise _invalid("argument 'protocol' must be one of " + ", ".join(PROTOCOLS))
    return name, protocol


def op_facts(device: Device, args: Any) -> dict[str, Any]:
    version = re.search(r"Version ([^\s,]+)", device.command("show version"))
    return {"hostname": device.hostname, "os_caption": "Cisco IOS Software",
            "os_version": version[1] if version else None, "ps_version": None, "exchange_version": None,
            "antivirus": [], "time_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}


def op_inspect_get(device: Device, args: Any) -> dict[str, Any]:
    name, protocol = _args(args)
    return {"lines": matching_lines(device.command("show running-config"), name, protocol)}


def _removal(line: str, protocol: str) -> str:
    """The `no` form of a line on the device: the exact line when it is in our grammar, else name + protocol."""
    parsed = parse_line(line)
    if parsed is not None:
        return "no " + format_line(parsed)
    match = re.fullmatch(rf"ip inspect name ({NAME_PATTERN}) (\S+)(?: .*)?", line)
    if match is None or match[2] != protocol:
        raise OpError("Failed", f"refused to remove {line!r}: its name is outside what remediate sends")
    return f"no ip inspect name {match[1]} {protocol}"


def op_inspect_set(device: Device, args: Any) -> None:
    name, protocol = _args(args)
    try:
        wanted = checked_lines(args.get("lines"), name, protocol)
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    current = matching_lines(device.command("show running-config"), name, protocol)
    commands = [_removal(line, protocol) for line in current if line not in wanted]
    commands += [line for line in wanted if line not in current]
    if not commands:
        return None
    device.command("configure terminal")
    try:
        for line in commands:
            device.command(line)
    finally:
        device.command("end")  # back to the exec prompt whatever happened, so the session stays usable
    saved = device.command("write memory")
    if "[OK]" not in saved:
        raise OpError("Failed", "write memory did not answer [OK]: " + " ".join(saved.split())[:200])
    return None


def op_lock_release(device: Device, args: Any) -> dict[str, Any]:
    run_id = args.get("run_id") if isinstance(args, dict) else None
    if not isinstance(run_id, str) or not run_id:
        raise _invalid("argument 'run_id' must be a string")
    now = datetime.now(timezone.utc)
    locks, _ = ios_lock.read_locks(device.command("show running-config"))
    mine = [lk for lk in locks if lk.name == ios_lock.alias_name(run_id)]
    holder = mine[0] if mine else next(iter(sorted(locks, key=lambda lk: lk.acquired)), None)
    released = bool(mine) and ios_lock.release(device, run_id, save=True)
    return {"released": released, "holder": holder.record(now) if holder else None}


OPS: dict[str, Callable[[Device, Any], Any]] = {
    "facts": op_facts,
    "ios.inspect.get": op_inspect_get,
    "ios.inspect.set": op_inspect_set,
    "lock.release": op_lock_release,
}


# ------------------------------------------------------------------------------------------------- the protocol


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _run(device: Device, spec: Any, ops: dict[str, Callable[[Device, Any], Any]]) -> dict[str, Any]:
    if not isinstance(spec, dict):
        return {"ok": False, "error": {"type": "InvalidArgument", "message": "op must be an object"}}
    name = spec.get("op")
    if not isinstance(name, str) or name not in ops:
        return {"ok": False, "error": {"type": "UnknownOp", "message": "unknown op " + _canonical(name)}}
    try:
        return {"ok": True, "value": ops[name](device, spec.get("args"))}
    except OpError as exc:
        return {"ok": False, "error": {"type": exc.error_type, "message": str(exc)}}


def _result(change: Any, status: str, observed: Any = None, error: Any = None) -> dict[str, Any]:
    return {"id": change.get("id") if isinstance(change, dict) else None, "status": status, "observed": observed,
            "error": error}


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else None


def execute_request(request: dict[str, Any], device: Device,
                    ops: dict[str, Callable[[Device, Any], Any]] = OPS) -> dict[str, Any]:
    """Answer one request exactly as docs/agent-protocol.md says (the algorithm of agent.ps1 and the lab).

    Transport failures (`HostError` from the device) are not answers: they propagate, and the engine handles a
    connection lost mid-apply by re-reading, as for WinRM.
    """
    mode = request.get("mode")
    if mode == "read" and isinstance(request.get("ops"), list):
        results = []
        for spec in request["ops"]:
            results.append({**_run(device, spec, ops), "id": _field(spec, "id")})
        return {"version": PROTOCOL_VERSION, "results": results}
    changes = request.get("changes")
    if mode != "apply" or not isinstance(changes, list):
        raise ValueError('request needs mode "read" with ops or mode "apply" with changes')
    if "lock" not in request:
        return _apply(changes, device, ops)
    not_attempted = [_result(change, "not_attempted") for change in changes]
    try:
        holder, taken_over = ios_lock.take(device, request["lock"])
    except ios_lock.LockError as exc:
        return {"version": PROTOCOL_VERSION, "outcome": "lock_error", "changes": not_attempted,
                "error": {"type": exc.error_type, "message": str(exc)}}
    except CommandError as exc:
        return {"version": PROTOCOL_VERSION, "outcome": "lock_error", "changes": not_attempted,
                "error": {"type": exc.error_type, "message": str(exc)}}
    if holder is not None:
        return {"version": PROTOCOL_VERSION, "outcome": "locked", "holder": holder, "changes": not_attempted}
    run_id = str(request["lock"]["run_id"])
    try:
        answer = _apply(changes, device, ops)
    except BaseException:
        try:  # the session may be gone with the error; a line left behind expires by itself
            ios_lock.release(device, run_id, save=False)
        except Exception:  # noqa: BLE001 - the apply's own error is the one to report
            pass
        raise
    record: dict[str, Any] = {"taken_over": taken_over, "released": False, "error": None}
    # The sets saved the configuration with the lock line in it: save again once it is gone.
    wrote = any(isinstance(c, dict) and c.get("status") in ("applied", "reverted", "revert_failed", "failed")
                for c in answer.get("changes", []))
    try:
        record["released"] = ios_lock.release(device, run_id, save=wrote)
    except OpError as exc:
        record["error"] = {"type": exc.error_type, "message": str(exc)}
    return {**answer, "lock": record}


def _apply(changes: list[Any], device: Device, ops: dict[str, Callable[[Device, Any], Any]]) -> dict[str, Any]:
    """Steps 1-3 of the algorithm: compare every value, set and verify in order, revert on the first failure."""
    out: list[dict[str, Any]] = []
    for change in changes:  # 1. compare: nothing is written unless every value is still what the plan saw
        read = _run(device, _field(change, "read"), ops)
        if not read["ok"]:
            out.append(_result(change, "error", None, read["error"]))
        else:
            same = _canonical(read["value"]) == _canonical(_field(change, "expect"))
            out.append(_result(change, "unchanged" if same else "stale", read["value"]))
    if any(r["status"] != "unchanged" for r in out):
        return {"version": PROTOCOL_VERSION, "outcome": "stale", "changes": out}
    failed, failure = -1, None
    for index, change in enumerate(changes):  # 2. set and verify, in order, stopping at the first failure
        done = _run(device, _field(change, "set"), ops)
        read = _run(device, _field(change, "read"), ops) if done["ok"] else done
        want = _field(change, "want")
        if not read["ok"] or _canonical(read["value"]) != _canonical(want):
            failed = index
            failure = read.get("error") or {"type": "Failed", "message": "value did not converge: read back "
                                            f"{_canonical(read['value'])}, wanted {_canonical(want)}"}
            break
        out[index] = _result(change, "applied", read["value"])
    if failed < 0:
        return {"version": PROTOCOL_VERSION, "outcome": "applied", "changes": out}
    outcome = "reverted"
    for index in range(failed, -1, -1):  # 3. revert the failed change and every earlier one, newest first
        change = changes[index]
        undo = _run(device, _field(change, "undo"), ops)
        read = _run(device, _field(change, "read"), ops)
        observed = read["value"] if read["ok"] else None
        problem = None if read["ok"] else read["error"]
        if read["ok"] and _canonical(observed) != _canonical(_field(change, "expect")):
            problem = {"type": "Failed", "message": f"value did not revert: read back {_canonical(observed)}, "
                                                    f"wanted {_canonical(_field(change, 'expect'))}"}
        status = "reverted" if problem is None else "revert_failed"
        if problem is not None:
            outcome = "revert_failed"
            if not undo["ok"]:
                problem = undo["error"]
        if index == failed:
            problem, status = failure, ("failed" if status == "reverted" else status)
        out[index] = _result(change, status, observed, problem)
    for index in range(failed + 1, len(changes)):
        out[index] = _result(changes[index], "not_attempted")
    return {"version": PROTOCOL_VERSION, "outcome": outcome, "changes": out}
