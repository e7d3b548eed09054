"""Faults in the middle of `apply PLAN_FILE`: every request dropped in turn, every op failed in turn, a 401, 5xx.

After each fault the journal holds the host's snapshot, and the host is exactly one of: untouched, fully applied
(verified), fully reverted, and the run says which; or the run says "unknown"/"revert_failed", names
`remediate rollback RUN_ID`, and that rollback brings the host back to its snapshot. The real CLI, pywinrm and
lab are used throughout; faults are the lab's own (Faults.drop_at_request, SimHost.fail_after, status_401,
fault_500), counted from when they are set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from remediate import agent
from remediate.errors import TransportError, UnreachableError
from remediate.journal import open_journal
from remediate.lab.state.registry import SimRegistry
from remediate.transport.base import CommandResult, Connection

pytestmark = pytest.mark.timeout(120)

KEY = "SOFTWARE\\Remediate\\Faults"
HOST = "ex1"
START = {"HKLM": {KEY: {"Port": {"type": "REG_DWORD", "data": 24}, "Banner": {"type": "REG_SZ", "data": "old"},
                        "Legacy": {"type": "REG_SZ", "data": "remove me"}}}}
DESIRED = [
    {"hive": "HKLM", "key": KEY, "name": "Port", "type": "REG_DWORD", "data": 25},
    {"hive": "HKLM", "key": KEY, "name": "Banner", "type": "REG_SZ", "data": "220 ready"},
    {"hive": "HKLM", "key": KEY, "name": "Created", "type": "REG_MULTI_SZ", "data": ["a", "b"]},
    {"hive": "HKLM", "key": KEY, "name": "Legacy", "state": "absent"},
]
SAFE = {"untouched", "reverted", "stale"}  # outcomes that promise the host is as it was
UNSURE = {"unknown", "revert_failed"}  # outcomes that must send the user to rollback


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agent, "READ_RETRY_DELAYS", (0.01, 0.02))


class Bench:
    """One lab host, one saved plan, and a reset between cases."""

    def __init__(self, make_lab: Any, cli: Any, playbook: Any, tmp_path: Path) -> None:
        self.lab = make_lab({HOST: START})
        self.cli = cli
        self.sim = self.lab.hosts[HOST].sim
        self.endpoint = self.lab.hosts[HOST].endpoint
        self.book = playbook(DESIRED)
        self.plan_file = tmp_path / "plan.json"
        code, _, err = cli("plan", "-p", str(self.book), "-o", str(self.plan_file))
        assert code == 2, err
        self.original = self.sim.registry.snapshot()
        self.planned = [(i["identity"], i["before"], i["after"])
                        for i in json.loads(self.plan_file.read_text())["hosts"][0]["items"] if i["status"] == "drift"]
        assert len(self.planned) == 4

    def reset(self) -> None:
        fresh = SimRegistry()
        fresh.load(self.original)
        self.sim.registry = fresh
        self.sim.op_log.clear()
        self.sim.fail_ops.clear()
        self.sim.fail_after.clear()
        faults = self.endpoint.faults
        faults.drop_at_request = None
        faults.drop_on_action = None
        faults.status_401 = faults.fault_500 = False
        self.endpoint.counters.reset()

    def apply(self) -> dict[str, Any]:
        code, result = self.cli.json("apply", str(self.plan_file), "-p", str(self.book), "--yes")
        assert code in (0, 1, 3), result
        return result

    def state(self) -> dict[str, Any]:
        return self.sim.registry.snapshot()

    def journal_row(self, run_id: str) -> tuple[str, list[dict[str, Any]]]:
        """The host's row as the journal the CLI used holds it (SQLite in the state dir, or REMEDIATE_JOURNAL)."""
        journal = open_journal(self.cli.state)
        try:
            (row,) = [h for h in journal.run(run_id).hosts if h.host == HOST]
        finally:
            journal.close()
        assert row.integrity is None, row.integrity
        return row.status, row.changes

    def check(self, case: str, result: dict[str, Any], applied_state: dict[str, Any] | None) -> str:
        """Assert the contract for one case; returns the outcome."""
        run_id = result["run_id"]
        host = result["hosts"][0]
        outcome, message = host["outcome"], host.get("message") or ""
        status, snapshot = self.journal_row(run_id)
        assert status == outcome, (case, status, outcome)
        assert [(c["identity"], c["before"], c["after"]) for c in snapshot] == self.planned, case
        state = self.state()
        if outcome == "applied":
            assert applied_state is None or state == applied_state, (case, host)
        elif outcome in SAFE:
            assert state == self.original, (case, host)
        else:
            assert outcome in UNSURE, (case, host)
            assert f"remediate rollback {run_id}" in message, (case, message)
            self.reset_faults()
            code, undone = self.cli.json("rollback", run_id)
            assert code == 0, (case, undone)
            assert self.state() == self.original, (case, undone)
        return outcome

    def reset_faults(self) -> None:
        self.sim.fail_ops.clear()
        self.sim.fail_after.clear()
        self.endpoint.faults.status_401 = self.endpoint.faults.fault_500 = False


@pytest.fixture
def bench(make_lab: Any, cli: Any, playbook: Any, tmp_path: Path) -> Bench:
    return Bench(make_lab, cli, playbook, tmp_path)


def test_connection_dropped_at_every_request_of_the_apply(journal_backend: str, bench: Bench) -> None:
    """The same matrix with the embedded SQLite journal and with a team journal in PostgreSQL."""
    bench.reset()
    clean = bench.apply()
    assert clean["hosts"][0]["outcome"] == "applied"
    applied_state = bench.state()
    total = bench.endpoint.counters.snapshot().requests
    assert total >= 6, total  # handshake, Create, Command, Send, Receive, Delete at least
    seen: dict[int, str] = {}
    collected = []
    for index in range(1, total + 1):
        bench.reset()
        bench.endpoint.faults.drop_at_request = index
        result = bench.apply()
        assert bench.endpoint.faults.drop_at_request is None, f"request {index} was never sent"
        seen[index] = bench.check(f"drop at request {index}", result, applied_state)
        if "collected from the host" in (result["hosts"][0]["message"] or ""):
            collected.append(index)
    # The drop of the Receive that carried the answer: the answer was fetched again, not the command re-sent.
    assert len(collected) == 1 and seen[collected[0]] == "applied", (collected, seen)
    # The lab runs a command atomically, so a re-read always finds one of the two ends: never a guess.
    assert set(seen.values()) == {"untouched", "applied"}, seen
    # Every drop before the command's stdin closed leaves the host untouched; once it ran, it is applied.
    first_applied = min(i for i, o in seen.items() if o == "applied")
    assert all(o == ("applied" if i >= first_applied else "untouched") for i, o in seen.items()), seen


def test_a_lost_answer_is_collected_and_the_command_never_sent_twice(bench: Bench) -> None:
    bench.reset()
    bench.endpoint.faults.drop_on_action = "Receive"
    result = bench.apply()
    host = result["hosts"][0]
    assert host["outcome"] == "applied" and "collected from the host" in host["message"], host
    assert [c["status"] for c in host["changes"]] == ["applied"] * 4  # the agent's own verified statuses
    sets = [op for op, _ in bench.sim.op_log if op in ("registry.set", "registry.remove")]
    assert len(sets) == 4  # each write once: nothing was re-sent
    bench.check("answer lost", result, None)


def test_a_command_that_cannot_be_followed_is_unknown_never_untouched(bench: Bench,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from remediate.transport.winrm import WinRMConnection

    monkeypatch.setattr(WinRMConnection, "collect", lambda self, handle, budget: None)  # as if it never ended
    bench.reset()
    bench.endpoint.faults.drop_on_action = "Receive"
    result = bench.apply()
    host = result["hosts"][0]
    assert host["outcome"] == "unknown" and "could not be followed" in host["message"], host
    bench.check("command not followed", result, None)  # sends the user to rollback, which restores


def test_each_op_failed_in_turn(bench: Bench) -> None:
    bench.reset()
    clean = bench.apply()
    assert clean["hosts"][0]["outcome"] == "applied"
    applied_state = bench.state()
    ops = [name for name, _ in bench.sim.op_log]
    assert ops.count("registry.set") + ops.count("registry.remove") == 4
    outcomes = []
    for index, name in enumerate(ops):
        calls_before = ops[:index].count(name)
        bench.reset()
        bench.sim.fail_after[name] = calls_before  # this call of `name` and every later one fail
        result = bench.apply()
        outcomes.append(bench.check(f"op {index} ({name}, call {calls_before + 1}) fails", result, applied_state))
    # Compare reads failing: nothing written; a set failing: reverted, or sent to rollback when undo fails too.
    assert outcomes[0] == "stale" and "reverted" in outcomes and "revert_failed" in outcomes, outcomes
    for name in ("registry.get", "registry.set", "registry.remove"):
        bench.reset()
        bench.sim.fail_ops.add(name)
        bench.check(f"every {name} fails", bench.apply(), applied_state)


def test_401_during_apply_is_unknown_then_rollback_restores(bench: Bench) -> None:
    bench.reset()
    bench.endpoint.faults.status_401 = True
    result = bench.apply()
    assert result["hosts"][0]["outcome"] == "unknown", result["hosts"][0]
    assert "401" in result["hosts"][0]["message"]
    bench.check("401 on every request", result, None)


def test_a_drop_during_plan_is_retried_on_a_new_protocol(bench: Bench) -> None:
    bench.reset()
    bench.endpoint.faults.drop_on_action = "Receive"
    code, plan = bench.cli.json("plan", "-p", str(bench.book))
    assert code == 2 and plan["hosts"][0]["status"] == "drift", plan["hosts"][0]
    assert bench.endpoint.faults.drop_on_action is None  # it fired, and the read was sent again


def test_persistent_5xx_on_reads_is_retried_a_bounded_number_of_times(bench: Bench) -> None:
    bench.reset()
    bench.endpoint.faults.fault_500 = True
    code, plan = bench.cli.json("plan", "-p", str(bench.book))
    assert code == 1 and plan["hosts"][0]["status"] == "error"
    assert "WS-Management fault" in plan["hosts"][0]["error"]["message"]
    # One failed request per attempt: the open shell's Create answers the fault each time.
    assert bench.endpoint.counters.snapshot().faults == 1 + len(agent.READ_RETRY_DELAYS)


def test_an_apply_is_sent_once_even_when_5xx_follows(bench: Bench) -> None:
    bench.reset()
    bench.endpoint.faults.fault_500 = True
    result = bench.apply()
    assert result["hosts"][0]["outcome"] == "unknown"
    # The apply command's Create failed once and was not retried; then the re-read tried 3 times.
    assert bench.endpoint.counters.snapshot().faults == 1 + 1 + len(agent.READ_RETRY_DELAYS)
    assert bench.sim.op_log == []
    bench.check("5xx on every request", result, None)


# ------------------------------------------------------------------------------------------------ retry policy
class Flaky(Connection):
    """Fails with `errors` in turn, then answers an empty read or apply answer."""

    host = "flaky"

    def __init__(self, errors: list[Exception]) -> None:
        self.errors = errors
        self.sent = 0
        self.resets = 0

    def run(self, command: str, arguments: list[str], stdin: bytes) -> CommandResult:
        self.sent += 1
        if self.errors:
            raise self.errors.pop(0)
        return CommandResult(agent.format_answer({"version": 1, "results": []}), b"", 0)

    def reset(self) -> None:
        self.resets += 1

    def close(self) -> None:
        pass


def test_read_retry_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(agent.time, "sleep", slept.append)
    monkeypatch.setattr(agent, "READ_RETRY_DELAYS", (0.5, 2.0))
    drop = UnreachableError("flaky", "connection aborted", transient=True)
    # Two transient failures, then success: three sends, the documented pauses.
    conn = Flaky([drop, TransportError("flaky", "operation timed out", transient=True)])
    assert agent.call(conn, {"mode": "read", "ops": []})["results"] == []
    assert conn.sent == 3 and slept == [0.5, 2.0]
    # Bounded: the third transient failure is the caller's.
    slept.clear()
    conn = Flaky([drop, drop, drop, drop])
    with pytest.raises(UnreachableError):
        agent.call(conn, {"mode": "read", "ops": []})
    assert conn.sent == 3
    # Not transient (refused, 401, access denied): no second try.
    conn = Flaky([UnreachableError("flaky", "connection refused")])
    with pytest.raises(UnreachableError):
        agent.call(conn, {"mode": "read", "ops": []})
    assert conn.sent == 1
    # An apply is never re-sent, whatever the failure.
    conn = Flaky([drop])
    with pytest.raises(UnreachableError):
        agent.call(conn, {"mode": "apply", "changes": []})
    assert conn.sent == 1


def test_a_new_protocol_after_a_401_and_after_a_drop(make_lab: Any, cli: Any, lab_password: str) -> None:
    """WinRMConnection.reset drops the Protocol whose NTLM context died; the next run logs on with a new one."""
    from remediate.errors import AuthenticationError
    from remediate.inventory import load_inventory
    from remediate.transport.winrm import WinRMConnection

    lab = make_lab({HOST: START})
    endpoint = lab.hosts[HOST].endpoint
    conn = WinRMConnection(load_inventory(cli.inventory).hosts[HOST], lab_password)
    read = {"mode": "read", "ops": [{"id": "f", "op": "facts", "args": {}}]}
    try:
        assert agent.call(conn, read)["results"][0]["ok"]
        first = conn._protocol
        endpoint.faults.status_401 = True
        with pytest.raises(AuthenticationError):
            agent.call(conn, read)
        assert conn._protocol is None
        endpoint.faults.status_401 = False
        assert agent.call(conn, read)["results"][0]["ok"]
        second = conn._protocol
        assert second is not None and second is not first
        endpoint.faults.drop_on_action = "Command"
        assert agent.call(conn, read)["results"][0]["ok"]  # dropped, then sent again as a read on a new Protocol
        assert conn._protocol is not second and endpoint.faults.drop_on_action is None
    finally:
        conn.close()
