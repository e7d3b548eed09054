"""The host lock of the agent (templates/agent/lock.ps1: Invoke-LockedApply, the lock.* ops) run by the lab on a
simulated host's lock file (lab/state/lock.py), against docs/agent-protocol.md "Locking"."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from agent_runner import at_first_op, execute

from remediate.lab.host import SimHost
from remediate.lab.state.lock import parse_record, utc_text
from remediate.lab.state.registry import SimRegistry

KEY = "SOFTWARE\\Remediate\\Test"
IDENT = {"hive": "HKLM", "key": KEY, "name": "A"}
ONE = {"exists": True, "type": "REG_DWORD", "data": 1}
TWO = {"exists": True, "type": "REG_DWORD", "data": 2}
CHANGE = {"id": "c0", "read": {"op": "registry.get", "args": IDENT}, "expect": ONE,
          "set": {"op": "registry.set", "args": {**IDENT, "type": "REG_DWORD", "data": 2}}, "want": TWO,
          "undo": {"op": "registry.set", "args": {**IDENT, "type": "REG_DWORD", "data": 1}}}
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def make_host(**faults: Any) -> SimHost:
    registry = SimRegistry()
    registry.load({"HKLM": {KEY: {"A": {"type": "REG_DWORD", "data": 1}}}})
    return SimHost(name="ex1", registry=registry, **faults)


def lock(run_id: str = "run-1", owner: str = "alice@ws1", ttl: Any = 600) -> dict[str, Any]:
    return {"run_id": run_id, "owner": owner, "ttl_seconds": ttl}


def record(run_id: str, expires: datetime, owner: str = "bob@ws2") -> dict[str, str]:
    return {"run_id": run_id, "owner": owner, "acquired_utc": utc_text(expires - timedelta(hours=1)),
            "expires_utc": utc_text(expires)}


def apply(host: SimHost, lock_: Any = None, changes: list[Any] | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {"version": 1, "mode": "apply", "changes": [CHANGE] if changes is None else changes}
    if lock_ is not None:
        request["lock"] = lock_
    return execute(host, request)


def op(host: SimHost, name: str, args: dict[str, Any]) -> Any:
    (result,) = execute(host, {"version": 1, "mode": "read", "ops": [{"id": "r0", "op": name, "args": args}]})[
        "results"]
    assert result["ok"], result
    return result["value"]


def test_free_host_applies_and_the_lock_is_gone_after() -> None:
    host = make_host()
    answer = apply(host, lock())
    assert answer["outcome"] == "applied"
    assert answer["lock"] == {"taken_over": None, "released": True, "error": None}
    assert host.host_lock.snapshot() is None


def test_without_lock_the_apply_is_as_before() -> None:
    answer = apply(make_host())
    assert answer["outcome"] == "applied" and "lock" not in answer


def test_an_unexpired_lock_of_another_run_refuses_and_nothing_runs() -> None:
    host = make_host()
    held = record("run-0", NOW + timedelta(hours=6))
    host.host_lock.load(held)
    answer = apply(host, lock())
    assert answer == {"version": 1, "outcome": "locked", "holder": {**held, "expired": False},
                      "changes": [{"id": "c0", "status": "not_attempted", "observed": None, "error": None}]}
    assert host.op_log == [] and host.registry.get("HKLM", KEY, "A") == ONE
    assert parse_record(host.host_lock.snapshot(), NOW) == {**held, "expired": False}  # left as it was


def test_an_expired_lock_is_taken_over_and_released() -> None:
    host = make_host()
    stale = record("run-0", NOW - timedelta(seconds=1))
    host.host_lock.load(stale)
    answer = apply(host, lock())
    assert answer["outcome"] == "applied"
    assert answer["lock"] == {"taken_over": {**stale, "expired": True}, "released": True, "error": None}
    assert host.host_lock.snapshot() is None


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"run_id": "x"}',
                                     '{"run_id":"x","owner":"y","acquired_utc":"a","expires_utc":"tomorrow"}'])
def test_a_corrupt_lock_file_is_replaced(content: str) -> None:
    host = make_host()
    host.host_lock.load(content)
    answer = apply(host, lock())
    assert answer["outcome"] == "applied" and answer["lock"]["taken_over"] is None
    assert host.host_lock.snapshot() is None


def test_the_same_run_takes_its_own_lock_again() -> None:
    host = make_host()
    host.host_lock.load(record("run-1", NOW + timedelta(hours=6), owner="alice@ws1"))
    answer = apply(host, lock("run-1"))
    assert answer["outcome"] == "applied" and answer["lock"]["taken_over"] is None


@pytest.mark.parametrize("faults, outcome", [
    ({"fail_ops": {"registry.set"}}, "reverted"),
    ({"fail_after": {"registry.get": 1}}, "revert_failed"),  # verify and revert re-reads fail
])
def test_the_lock_is_released_after_a_failure(faults: dict[str, Any], outcome: str) -> None:
    host = make_host(**faults)
    answer = apply(host, lock())
    assert answer["outcome"] == outcome
    assert answer["lock"]["released"] is True and host.host_lock.snapshot() is None


def test_the_lock_is_released_after_a_stale_answer() -> None:
    host = make_host()
    host.registry.load({"HKLM": {KEY: {"A": {"type": "REG_DWORD", "data": 7}}}})
    answer = apply(host, lock())
    assert answer["outcome"] == "stale" and answer["lock"]["released"] is True
    assert host.host_lock.snapshot() is None


def test_while_one_apply_holds_the_lock_a_second_is_refused() -> None:
    host = make_host()
    # The second apply runs while the first, holding the lock, is at its first op (the lab runs one command per
    # host at a time, so the second command runs inside the first, as a second agent process would run beside it).
    second: dict[str, Any] = {}
    at_first_op(host, lambda: second.update(apply(host, lock("run-2", "bob@ws2"))))
    first = apply(host, lock("run-1", "alice@ws1"))
    assert second["outcome"] == "locked"
    assert second["holder"]["run_id"] == "run-1" and second["holder"]["owner"] == "alice@ws1"
    assert first["outcome"] == "applied" and host.registry.get("HKLM", KEY, "A") == TWO
    assert host.host_lock.snapshot() is None


BAD_LOCKS = [
    ("not an object", "args must be an object"),
    ({"owner": "a", "ttl_seconds": 5}, "argument 'run_id' must be a string"),
    ({"run_id": 5, "owner": "a", "ttl_seconds": 5}, "argument 'run_id' must be a string"),
    ({"run_id": "r", "owner": None, "ttl_seconds": 5}, "argument 'owner' must be a string"),
    ({"run_id": "r\0", "owner": "a", "ttl_seconds": 5}, "argument 'run_id' must not contain NUL characters"),
    (lock(run_id=""), "argument 'run_id' must be 1 to 128 characters"),
    (lock(run_id="r" * 129), "argument 'run_id' must be 1 to 128 characters"),
    (lock(owner="\U0001f600" * 129), "argument 'owner' must be 1 to 256 characters"),  # UTF-16 units, as .NET
    (lock(ttl=0), "argument 'ttl_seconds' must be an integer from 1 to 86400"),
    (lock(ttl=86401), "argument 'ttl_seconds' must be an integer from 1 to 86400"),
    (lock(ttl=True), "argument 'ttl_seconds' must be an integer from 1 to 86400"),
    (lock(ttl=60.0), "argument 'ttl_seconds' must be an integer from 1 to 86400"),
    (lock(ttl="60"), "argument 'ttl_seconds' must be an integer from 1 to 86400"),
]


@pytest.mark.parametrize("bad, message", BAD_LOCKS, ids=range(len(BAD_LOCKS)))
def test_a_bad_lock_is_a_lock_error_and_nothing_runs(bad: Any, message: str) -> None:
    host = make_host()
    answer = apply(host, bad)
    assert answer["outcome"] == "lock_error"
    assert answer["error"] == {"type": "InvalidArgument", "message": message}
    assert answer["changes"][0]["status"] == "not_attempted" and host.op_log == []


def test_lock_record_times_are_the_hosts_and_expiry_follows_ttl() -> None:
    host = make_host()
    seen: list[Any] = []
    at_first_op(host, lambda: seen.append(op(host, "lock.get", {})))
    apply(host, lock(ttl=90))
    (held,) = seen
    acquired = datetime.strptime(held["acquired_utc"], "%Y-%m-%dT%H:%M:%SZ")
    expires = datetime.strptime(held["expires_utc"], "%Y-%m-%dT%H:%M:%SZ")
    assert expires - acquired == timedelta(seconds=90) and held["expired"] is False
    assert held["run_id"] == "run-1" and held["owner"] == "alice@ws1"


def test_lock_ops_get_and_release_with_the_run_id_guard() -> None:
    host = make_host()
    assert op(host, "lock.get", {}) is None
    assert op(host, "lock.release", {"run_id": "run-0"}) == {"released": False, "holder": None}
    held = record("run-0", NOW + timedelta(hours=6))
    host.host_lock.load(held)
    assert op(host, "lock.get", {}) == {**held, "expired": False}
    assert op(host, "lock.release", {"run_id": "run-9"}) == {"released": False, "holder": {**held, "expired": False}}
    assert host.host_lock.snapshot() is not None
    assert op(host, "lock.release", {"run_id": "run-0"}) == {"released": True, "holder": {**held, "expired": False}}
    assert host.host_lock.snapshot() is None and op(host, "lock.get", {}) is None
    assert host.writes == 3  # lock.release is a write op; lock.get is not
