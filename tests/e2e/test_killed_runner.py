"""A runner killed with SIGKILL after its journal commit: before the apply command ran, and while it is in flight.

The lab runs in this test process; the runner is a real `python -m remediate apply PLAN --yes` subprocess. The
lab's latency (every request held) or slow_receive (the answer held after the command ran) keeps the command in
flight; the moment to kill is read from the journal file (the host's row committed as `sending`) and the lab's own
record (a request arrived; the writes were made), never from a sleep. Afterwards `history` shows the run as
interrupted and `rollback RUN_ID` brings the host back to its snapshot.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.timeout(90), pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")]

KEY = "SOFTWARE\\Remediate\\Killed"
HOST = "ex1"
START = {"HKLM": {KEY: {"Port": {"type": "REG_DWORD", "data": 24}, "Legacy": {"type": "REG_SZ", "data": "x"}}}}
DESIRED = [
    {"hive": "HKLM", "key": KEY, "name": "Port", "type": "REG_DWORD", "data": 25},
    {"hive": "HKLM", "key": KEY, "name": "Created", "type": "REG_SZ", "data": "new"},
    {"hive": "HKLM", "key": KEY, "name": "Legacy", "state": "absent"},
]
HOLD = 60.0  # seconds the lab holds a request: far past the test; lab.stop() cuts the wait short


def sending_rows(journal: Path) -> list[tuple[str, str]]:
    """(run_id, host) rows in state `sending`, read from the journal as another process would: the SQLite file, or
    the team's PostgreSQL database when REMEDIATE_JOURNAL names one."""
    url = os.environ.get("REMEDIATE_JOURNAL")
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            try:
                rows = conn.execute("SELECT run_id, host FROM remediate.hosts WHERE status = 'sending'").fetchall()
            except psycopg.errors.UndefinedTable:  # the runner is creating the schema right now
                return []
        return [(r[0], r[1]) for r in rows]
    if not journal.exists():
        return []
    db = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=5)
    try:
        return db.execute("SELECT run_id, host FROM hosts WHERE status = 'sending'").fetchall()
    except sqlite3.OperationalError:  # the runner is creating the schema right now
        return []
    finally:
        db.close()


def start_runner(cli: Any, plan_file: Path, book: Path, tmp_path: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "remediate", "apply", str(plan_file), "-p", str(book), "-i", str(cli.inventory),
            "--state-dir", str(cli.state), "--yes"]
    return subprocess.Popen(argv, stdout=(tmp_path / "runner.out").open("wb"),
                            stderr=(tmp_path / "runner.err").open("wb"), env=dict(os.environ))


def kill(proc: subprocess.Popen[bytes]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)  # reaped: its pid is gone, as it would be on the workstation
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("moment", ["before-the-command-ran", "while-the-answer-is-in-flight"])
def test_sigkill_after_journal_commit_leaves_an_interrupted_run_that_rollback_restores(
        journal_backend: str, moment: str, make_lab: Any, cli: Any, playbook: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, wait_for: Callable[..., None]) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # the history table unwrapped, so its cells can be read back
    lab = make_lab({HOST: START})
    sim, endpoint = lab.hosts[HOST].sim, lab.hosts[HOST].endpoint
    book = playbook(DESIRED)
    plan_file = tmp_path / "plan.json"
    code, _, err = cli("plan", "-p", str(book), "-o", str(plan_file))
    assert code == 2, err
    original = sim.registry.snapshot()
    journal = cli.state / "journal.sqlite"
    endpoint.counters.reset()

    if moment == "before-the-command-ran":
        endpoint.faults.latency = HOLD  # the apply's first request (its connection's handshake) is held
        proc = start_runner(cli, plan_file, book, tmp_path)
        wait_for("the journal commit", lambda: bool(sending_rows(journal)), proc)
        wait_for("the first request of the apply", lambda: endpoint.counters.snapshot().requests >= 1, proc)
        kill(proc)
        endpoint.faults.latency = 0.0
        assert sim.writes == 0 and sim.registry.snapshot() == original
    else:
        endpoint.faults.slow_receive = HOLD  # the command runs; its answer is held
        proc = start_runner(cli, plan_file, book, tmp_path)
        wait_for("the journal commit", lambda: bool(sending_rows(journal)), proc)
        wait_for("the command's writes", lambda: sim.writes >= len(DESIRED), proc)
        kill(proc)
        endpoint.faults.slow_receive = 0.0
        assert sim.registry.snapshot() != original  # the host was changed and the runner never heard about it

    ((run_id, host),) = sending_rows(journal)
    assert host == HOST
    code, history = cli.json("history")
    assert code == 0
    run = next(r for r in history["runs"] if r["run_id"] == run_id)
    assert run["status"] == "interrupted" and run["finished_at"] is None
    assert run["hosts"][0]["status"] == "sending" and len(run["hosts"][0]["changes"]) == len(DESIRED)
    code, out, _ = cli("history")
    assert "interrupted" in out and run_id in out

    code, undone = cli.json("rollback", run_id)
    assert code == 0, undone
    expected = "no_changes" if moment == "before-the-command-ran" else "applied"
    assert undone["hosts"][0]["outcome"] == expected, undone["hosts"][0]
    assert sim.registry.snapshot() == original
    assert json.loads(json.dumps(undone))["kind"] == "rollback"
