"""Ctrl-C (SIGINT) and SIGTERM during `apply` and `rollback`, sent to a real runner process.

The lab runs in this test process; the runner is `python -m remediate apply|rollback ... --forks 1`, so hosts go
one at a time in inventory order. The second host's answer is held by the lab (`slow_receive`) after its command
has run; the signal is sent at that moment, read from the lab's own record (the writes were made), never from a
sleep. Expected: the host in flight finishes, no further host starts, the summary and run id are printed, the journal
records the run as `interrupted` with the hosts never started, the exit code is 130, and the printed command
resumes the run: it changes exactly the hosts that were never started.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.timeout(120), pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]

KEY = "SOFTWARE\\Remediate\\Interrupt"
HOSTS = ["h1", "h2", "h3", "h4"]
START = {"HKLM": {KEY: {"Port": {"type": "REG_DWORD", "data": 24}}}}
DESIRED = [{"hive": "HKLM", "key": KEY, "name": "Port", "type": "REG_DWORD", "data": 25},
           {"hive": "HKLM", "key": KEY, "name": "Created", "type": "REG_SZ", "data": "new"}]
HOLD = 4.0  # seconds the lab holds the answer of the host in flight: the window in which the signal is sent


def runner(argv: list[str], tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "remediate", *argv], stdout=(tmp_path / f"{name}.out").open("wb"),
                            stderr=(tmp_path / f"{name}.err").open("wb"), stdin=subprocess.DEVNULL,
                            env=dict(os.environ))


def output(tmp_path: Path, name: str) -> tuple[str, str]:
    return ((tmp_path / f"{name}.out").read_text(encoding="utf-8"),
            (tmp_path / f"{name}.err").read_text(encoding="utf-8"))


def run_again(command: str, tmp_path: Path) -> tuple[int, str, str]:
    """The printed resume command, run as the user would paste it."""
    args = shlex.split(command)
    assert args[0] == "remediate"
    proc = runner(args[1:], tmp_path, "resume")
    proc.wait(timeout=90)
    out, err = output(tmp_path, "resume")
    return proc.returncode, out, err


def resume_line(out: str) -> str:
    lines = [line for line in out.splitlines() if line.startswith("Resume")]
    assert len(lines) == 1, out
    return lines[0].split(": ", 1)[1]


def run_id_of(out: str, kind: str) -> str:
    summary = [line for line in out.splitlines() if line.startswith(f"{kind} run ") and "host(s)." in line]
    assert summary, out
    return summary[-1].split()[2].rstrip(":")


@pytest.fixture
def fleet(make_lab: Any, cli: Any, playbook: Any, tmp_path: Path) -> Any:
    lab = make_lab({name: START for name in HOSTS})
    book = playbook(DESIRED)
    plan_file = tmp_path / "plan.json"
    code, _, err = cli("plan", "-p", str(book), "-o", str(plan_file))
    assert code == 2, err
    return lab, book, plan_file


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_apply_finishes_the_host_in_flight_records_the_rest_and_prints_how_to_resume(
        sig: signal.Signals, fleet: Any, cli: Any, tmp_path: Path, wait_for: Callable[..., None]) -> None:
    lab, book, plan_file = fleet
    sims = {name: lab.hosts[name].sim for name in HOSTS}
    lab.hosts["h2"].endpoint.faults.slow_receive = HOLD
    proc = runner(["apply", str(plan_file), "-p", str(book), "-i", str(cli.inventory), "--state-dir", str(cli.state),
                   "--yes", "--forks", "1"], tmp_path, "apply")
    wait_for("h2's writes", lambda: sims["h2"].writes >= len(DESIRED), proc)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    out, err = output(tmp_path, "apply")
    assert proc.returncode == 130, (out, err)
    assert "aborted" not in out + err and "Traceback" not in err
    assert f"{sig.name}: interrupting the apply" in err

    run_id = run_id_of(out, "apply")
    assert f"apply run {run_id}: 2 changed, 2 not attempted of 4 host(s)." in out
    assert f"Interrupted ({sig.name}): 2 host(s) not started" in out
    assert sims["h3"].writes == 0 and sims["h4"].writes == 0  # never started
    assert sims["h2"].registry.snapshot()["HKLM"][KEY]["Port"]["data"] == 25  # in flight: finished

    code, history = cli.json("history", run_id)
    assert code == 0
    (run,) = history["runs"]
    assert run["status"] == "interrupted" and run["finished_at"] is not None
    states = {h["host"]: h["status"] for h in run["hosts"]}
    assert states == {"h1": "applied", "h2": "applied", "h3": "not_attempted", "h4": "not_attempted"}
    assert all(f"interrupted ({sig.name})" in h["result"]["message"] for h in run["hosts"]
               if h["host"] in ("h3", "h4"))

    command = resume_line(out)
    assert command.endswith(f"--resume {run_id}") and str(plan_file) in command
    lab.hosts["h2"].endpoint.faults.slow_receive = 0.0
    code, out2, err2 = run_again(command, tmp_path)
    assert code == 0, (out2, err2)
    assert ": 2 changed of 2 host(s)." in out2  # h3 and h4 only: h1 and h2 are not touched again (not stale)
    assert sims["h1"].writes == sims["h2"].writes == len(DESIRED)
    code, _, err3 = cli("plan", "-p", str(book))
    assert code == 0, err3  # the whole fleet is done


def test_interrupt_after_the_last_host_started_is_not_an_abort(fleet: Any, cli: Any, tmp_path: Path,
                                                               wait_for: Callable[..., None]) -> None:
    lab, book, plan_file = fleet
    lab.hosts["h4"].endpoint.faults.slow_receive = HOLD
    proc = runner(["apply", str(plan_file), "-p", str(book), "-i", str(cli.inventory), "--state-dir", str(cli.state),
                   "--yes", "--forks", "1"], tmp_path, "apply")
    wait_for("h4's writes", lambda: lab.hosts["h4"].sim.writes >= len(DESIRED), proc)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    out, err = output(tmp_path, "apply")
    assert proc.returncode == 0, (out, err)  # every host started and finished: the run is complete
    assert "aborted" not in out + err and "Resume" not in out
    run_id = run_id_of(out, "apply")
    assert f"apply run {run_id}: 4 changed of 4 host(s)." in out
    assert "SIGINT came after every host had started; they all finished: nothing to resume." in out
    code, history = cli.json("history", run_id)
    assert history["runs"][0]["status"] == "finished"


def test_interrupted_rollback_restores_the_host_in_flight_and_the_same_command_finishes_it(
        fleet: Any, cli: Any, tmp_path: Path, wait_for: Callable[..., None]) -> None:
    lab, book, plan_file = fleet
    original = {name: lab.hosts[name].sim.registry.snapshot() for name in HOSTS}
    code, applied = cli.json("apply", str(plan_file), "-p", str(book), "--yes")
    assert code == 0, applied
    lab.hosts["h2"].endpoint.faults.slow_receive = HOLD
    writes = lab.hosts["h2"].sim.writes
    proc = runner(["rollback", applied["run_id"], "-i", str(cli.inventory), "--state-dir", str(cli.state),
                   "--forks", "1"], tmp_path, "rollback")
    wait_for("h2's restore", lambda: lab.hosts["h2"].sim.writes > writes, proc)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    out, err = output(tmp_path, "rollback")
    assert proc.returncode == 130, (out, err)
    run_id = run_id_of(out, "rollback")
    assert f"rollback run {run_id}: 2 restored, 2 not attempted of 4 host(s)." in out
    assert lab.hosts["h2"].sim.registry.snapshot() == original["h2"]
    assert lab.hosts["h3"].sim.registry.snapshot() != original["h3"]
    code, history = cli.json("history", run_id)
    assert history["runs"][0]["status"] == "interrupted"

    lab.hosts["h2"].endpoint.faults.slow_receive = 0.0
    code, out2, err2 = run_again(resume_line(out), tmp_path)
    assert code == 0, (out2, err2)
    assert ": 2 already as before, 2 restored of 4 host(s)." in out2
    assert {name: lab.hosts[name].sim.registry.snapshot() for name in HOSTS} == original
    assert json.dumps(original)
