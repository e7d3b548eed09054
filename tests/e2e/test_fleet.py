"""Fleet runs end to end (real CLI, real pywinrm, the lab's WS-Management endpoints): many hosts at once with a
slow one, batches with --max-fail, change windows, the host lock across runs, and saved plans' inputs.

No wall-clock assertions: ordering comes from the plain progress lines (one per event, in the order they
happened), and concurrency from events the lab's hooks wait on.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from remediate.change_windows import ChangeWindow, evaluate, state_text
from remediate.cli.main import main
from remediate.engine.fleet import ConnectionPool
from remediate.engine.run import RunContext, apply_plan, make_plan
from remediate.inventory import load_inventory
from remediate.journal import Journal
from remediate.lab.state.lock import utc_text
from remediate.playbook import load_catalog

KEY = "SOFTWARE\\Remediate\\Fleet"
DRIFT = {"HKLM": {KEY: {"Port": {"type": "REG_DWORD", "data": 24}}}}
WANT = [{"hive": "HKLM", "key": KEY, "name": "Port", "type": "REG_DWORD", "data": 25}]
NAMES = [f"ex{i:02}" for i in range(50)]
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def port(lab: Any, name: str) -> Any:
    return lab.hosts[name].sim.registry.get("HKLM", KEY, "Port")["data"]


def finished(err: str) -> list[tuple[str, str, str]]:
    """(host, phase, status) of every 'finished' progress line, in the order they were written."""
    out = []
    for line in err.splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[3] == "finished":
            out.append((parts[1], parts[2], parts[4]))
    return out


def test_fifty_hosts_forks_10_a_slow_host_holds_up_nobody(make_lab, cli, playbook, tmp_path):
    lab = make_lab({name: DRIFT for name in NAMES})
    slow = "ex07"
    # The slow host's agent waits at its ops (the lab's on_op hook) until the runner has reported every other
    # host of the phase finished: the runner, a process of its own, must not wait for it meanwhile. A wait, not a
    # latency, so that how long the lab takes to run the real agent for 49 hosts does not matter.
    released = {"plan": threading.Event(), "apply": threading.Event()}

    def hold(op: str) -> None:
        if not released["plan"].is_set():
            released["plan"].wait(300)
        elif op == "registry.set":
            released["apply"].wait(300)

    lab.hosts[slow].sim.on_op = hold
    argv = ["apply", "-p", str(playbook(WANT)), "--yes", "--forks", "10", "--progress", "plain",
            "-i", str(cli.inventory), "--state-dir", str(cli.state)]
    proc = subprocess.Popen([sys.executable, "-m", "remediate", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, encoding="utf-8")
    lines: list[str] = []
    assert proc.stderr is not None
    for line in proc.stderr:
        lines.append(line.rstrip("\n"))
        for phase, event in released.items():
            if sum(1 for host, p, _ in finished("\n".join(lines)) if p == phase and host != slow) == len(NAMES) - 1:
                event.set()
    out = proc.stdout.read() if proc.stdout else ""
    code = proc.wait(60)
    err = "\n".join(lines)
    assert code == 0, err
    assert all(port(lab, name) == 25 for name in NAMES)
    assert lines and not CONTROL.search(err) and "\x1b" not in err
    assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S", line) for line in lines)
    events = finished(err)
    for phase in ("plan", "apply"):
        order = [host for host, p, _ in events if p == phase]
        assert sorted(order) == NAMES
        # Every other host's result was recorded before the slow host finished ...
        assert order[-1] == slow
        # ... and at least 40 of them started after it did: they ran while it was in flight, not after it.
        start = lines.index(next(line for line in lines if line.endswith(f" {slow} {phase} started")))
        later = {line.split()[1] for line in lines[start:] if f" {phase} finished " in line}
        assert len(later - {slow}) >= 40
    run_id = re.search(r"apply run (\S+):", out)[1]  # type: ignore[index]
    assert f"apply run {run_id}: 50 changed of 50 host(s)." in out


def test_serial_10_max_fail_20_percent_stops_after_the_batch_that_passes_it(make_lab, cli, playbook):
    lab = make_lab({name: DRIFT for name in NAMES})
    # Batch 1 (ex00-ex09): 2 of 10 fail = 20%, not more than 20%: go on. Batch 2 (ex10-ex19): 5 of 20 = 25%: stop.
    failing = ["ex03", "ex05", "ex12", "ex14", "ex17", "ex25", "ex40"]
    for name in failing:
        lab.hosts[name].sim.registry.deny_write.add(KEY)
    code, result = cli.json("apply", "-p", str(playbook(WANT)), "--yes", "--serial", "10", "--max-fail", "20%",
                            "--progress", "none")
    assert code == 1
    outcome = {h["host"]: h for h in result["hosts"]}
    assert [n for n in NAMES[:20] if outcome[n]["outcome"] == "reverted"] == failing[:5]
    assert all(outcome[n]["outcome"] == "applied" for n in NAMES[:20] if n not in failing)
    assert all(outcome[n]["outcome"] == "not_attempted" for n in NAMES[20:])
    assert outcome["ex20"]["message"].startswith("not started: --max-fail 20% passed after batch 2 of 5")
    assert result["stopped"] == ("--max-fail 20% passed after batch 2 of 5: 5 of 20 host(s) failed; "
                                 "30 host(s) not attempted")
    for name in NAMES[20:]:  # read by the plan, never written to, never sent an apply
        sim = lab.hosts[name].sim
        assert sim.writes == 0 and port(lab, name) == 24
        assert {op for op, _ in sim.op_log} == {"facts", "registry.get"}
    code, history = cli.json("history")
    hosts = {h["host"]: h["status"] for h in history["runs"][0]["hosts"]}
    assert hosts["ex49"] == "not_attempted" and hosts["ex12"] == "reverted" and len(hosts) == 50


def test_serial_without_max_fail_runs_every_batch(make_lab, cli, playbook):
    lab = make_lab({f"h{i}": DRIFT for i in range(5)})
    lab.hosts["h0"].sim.registry.deny_write.add(KEY)
    code, out, err = cli("apply", "-p", str(playbook(WANT)), "--yes", "--serial", "40%", "--progress", "plain")
    assert code == 1
    assert [line.split(" note: ")[1] for line in err.splitlines() if " note: " in line] == [
        "batch 1 of 3: 2 host(s)", "batch 2 of 3: 2 host(s)", "batch 3 of 3: 1 host(s)"]
    assert all(port(lab, f"h{i}") == 25 for i in range(1, 5))
    assert "1 failed and reverted" in out and "4 changed" in out


# ------------------------------------------------------------------------------------------------ change windows


def set_window(path: Path, window: Any, group: str | None = None) -> None:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    (data["groups"][group] if group else data)["change_window"] = window
    path.write_text(json.dumps(data), encoding="utf-8")


def test_apply_outside_the_window_is_refused_naming_the_next_opening(make_lab, cli, playbook):
    lab = make_lab({"ex1": DRIFT})
    now = datetime.now(timezone.utc)
    window = {"start": (now + timedelta(hours=2)).strftime("%H:%M"),
              "end": (now + timedelta(hours=3)).strftime("%H:%M"), "timezone": "UTC"}
    set_window(cli.inventory, window, group="lab")
    expected = state_text(evaluate([ChangeWindow.model_validate(window)], now))
    book = str(playbook(WANT))
    code, out, err = cli("apply", "-p", book, "--yes")
    assert code == 3
    assert f"refused: outside the change window: ex1: {expected}" in err and "--outside-window" in err
    assert lab.total_writes() == 0

    code, _, err = cli("apply", "-p", book, "--yes", "--outside-window")
    assert code == 1 and "--outside-window needs --reason" in err
    assert lab.total_writes() == 0

    code, result = cli.json("apply", "-p", book, "--yes", "--outside-window", "--reason", "P1 incident 4711")
    assert code == 0 and result["hosts"][0]["outcome"] == "applied"
    code, history = cli.json("history")
    assert history["runs"][0]["reason"] == "--outside-window: P1 incident 4711"


def test_apply_inside_the_window_and_a_plan_anytime(make_lab, cli, playbook):
    make_lab({"ex1": DRIFT})
    set_window(cli.inventory, {"start": "00:00", "end": "24:00", "timezone": "Pacific/Kiritimati"})
    code, result = cli.json("apply", "-p", str(playbook(WANT)), "--yes")
    assert code == 0 and result["hosts"][0]["outcome"] == "applied" and result["stopped"] is None


def test_window_closing_mid_run_starts_no_new_host_and_lets_the_one_in_flight_finish(
        make_lab, cli, playbook, monkeypatch):
    names = ["h1", "h2", "h3", "h4", "h5"]
    lab = make_lab({name: DRIFT for name in names})
    set_window(cli.inventory, {"days": ["sat"], "start": "22:00", "end": "04:00", "timezone": "Europe/Berlin"})
    inside, outside = datetime(2026, 11, 28, 22, 30, tzinfo=timezone.utc), datetime(2026, 11, 29, 3, 30,
                                                                                    tzinfo=timezone.utc)
    calls: list[datetime] = []
    closed = threading.Event()

    def clock() -> datetime:
        # Call 1: the refusal check; 2-3: h1 and h2 start; from call 4 on, the window has closed.
        calls.append(inside if len(calls) < 3 else outside)
        if calls[-1] is outside:
            closed.set()
        return calls[-1]

    monkeypatch.setattr("remediate.cli.apply._utc_now", clock)
    # h2 is in flight, inside its agent, until the window has closed: it must still finish.
    lab.hosts["h2"].sim.host_lock.on_acquired = lambda: closed.wait(10)
    code, result = cli.json("apply", "-p", str(playbook(WANT)), "--yes", "--forks", "2")
    assert code == 3
    outcome = {h["host"]: h for h in result["hosts"]}
    assert outcome["h1"]["outcome"] == outcome["h2"]["outcome"] == "applied"
    for name in ("h3", "h4", "h5"):
        assert outcome[name]["outcome"] == "not_attempted"
        assert outcome[name]["message"] == (
            "not started: its change window closed during the run (next opening Sat 2026-12-05 22:00 "
            "Europe/Berlin (2026-12-05T21:00Z) (window sat 22:00-04:00 Europe/Berlin))")
        assert port(lab, name) == 24 and lab.hosts[name].sim.writes == 0
    assert result["stopped"] == "the change window closed during the run: 3 host(s) not started"


# ------------------------------------------------------------------------------------------------------- locking


def test_two_concurrent_applies_on_one_host_exactly_one_gets_it(make_lab, cli, playbook, tmp_path):
    lab = make_lab({"ex1": DRIFT})
    book = playbook(WANT)
    sim = lab.hosts["ex1"].sim
    inside, go_on = threading.Event(), threading.Event()

    def hold() -> None:
        inside.set()
        go_on.wait(10)

    sim.host_lock.on_acquired = hold
    inventory = load_inventory(cli.inventory)
    ctx = RunContext(inventory=inventory, catalog=load_catalog([book]), pool=ConnectionPool(inventory))
    plan = make_plan(ctx, ["ex1"])
    journal = Journal(tmp_path / "workstation-1")
    first: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: first.update(result=apply_plan(ctx, plan, journal, "first")))
    worker.start()
    try:
        assert inside.wait(10)  # the first run holds the lock, inside its apply command
        sim.host_lock.on_acquired = None
        code, second = cli.json("apply", "-p", str(book), "--yes")
    finally:
        go_on.set()
        worker.join(20)
        ctx.pool.close_all()
        journal.close()
    first_result = first["result"]
    assert first_result.hosts[0].outcome.value == "applied"
    assert code == 3
    host = second["hosts"][0]
    assert host["outcome"] == "locked"
    assert re.search(rf"locked by run {first_result.run_id} from \S+@\S+ since \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                     host["message"]), host["message"]
    assert port(lab, "ex1") == 25 and sim.host_lock.snapshot() is None


def test_lock_is_released_after_success_and_after_failure(make_lab, cli, playbook):
    lab = make_lab({"ok": DRIFT, "bad": DRIFT})
    lab.hosts["bad"].sim.registry.deny_write.add(KEY)
    code, result = cli.json("apply", "-p", str(playbook(WANT)), "--yes")
    assert code == 1
    assert {h["host"]: h["outcome"] for h in result["hosts"]} == {"ok": "applied", "bad": "reverted"}
    assert lab.hosts["ok"].sim.host_lock.snapshot() is None
    assert lab.hosts["bad"].sim.host_lock.snapshot() is None


def test_expired_lock_is_taken_over(make_lab, cli, playbook):
    lab = make_lab({"ex1": DRIFT})
    past = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=1)
    lab.hosts["ex1"].sim.host_lock.load({"run_id": "20261128T200000Z-dead01", "owner": "bob@ws2",
                                         "acquired_utc": utc_text(past - timedelta(minutes=30)),
                                         "expires_utc": utc_text(past)})
    code, result = cli.json("apply", "-p", str(playbook(WANT)), "--yes")
    assert code == 0
    host = result["hosts"][0]
    assert host["outcome"] == "applied"
    assert "took over the expired lock of run 20261128T200000Z-dead01 from bob@ws2" in host["message"]
    assert lab.hosts["ex1"].sim.host_lock.snapshot() is None


def test_a_held_lock_refuses_and_unlock_clears_only_that_run(make_lab, cli, playbook):
    lab = make_lab({"ex1": DRIFT})
    sim = lab.hosts["ex1"].sim
    now = datetime.now(timezone.utc).replace(microsecond=0)
    since = utc_text(now - timedelta(minutes=2))
    sim.host_lock.load({"run_id": "run-crashed", "owner": "bob@ws2", "acquired_utc": since,
                        "expires_utc": utc_text(now + timedelta(minutes=28))})
    book = str(playbook(WANT))
    code, result = cli.json("apply", "-p", book, "--yes")
    assert code == 3 and result["hosts"][0]["outcome"] == "locked"
    assert f"locked by run run-crashed from bob@ws2 since {since}" in result["hosts"][0]["message"]
    assert port(lab, "ex1") == 24 and sim.writes == 0

    code, out, err = cli("unlock", "ex1", "-i", str(cli.inventory), "--run", "run-other")
    assert code == 3 and f"locked by run run-crashed from bob@ws2 since {since}" in err
    assert "nothing released" in err and sim.host_lock.snapshot() is not None
    code, out, err = cli("unlock", "ex1", "-i", str(cli.inventory), "--run", "run-crashed")
    assert code == 0 and "released the lock of run run-crashed" in out
    assert sim.host_lock.snapshot() is None
    code, out, err = cli("unlock", "ex1", "-i", str(cli.inventory), "--run", "run-crashed")
    assert code == 0 and "no lock held" in out

    code, result = cli.json("apply", "-p", book, "--yes")
    assert code == 0 and result["hosts"][0]["outcome"] == "applied"


# --------------------------------------------------------------------------------------------------- saved plans


@pytest.mark.parametrize("what", ["inventory", "playbook"])
def test_saved_plan_refused_naming_the_input_that_changed(make_lab, cli, playbook, tmp_path, what):
    lab = make_lab({"ex1": DRIFT})
    book = playbook(WANT)
    plan_file = tmp_path / "plan.json"
    code, _, _ = cli("plan", "-p", str(book), "-o", str(plan_file))
    assert code == 2
    changed = cli.inventory if what == "inventory" else book
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# edited after the plan\n", encoding="utf-8")
    code, _, err = cli("apply", str(plan_file), "-p", str(book))
    assert code == 3
    assert f"{what} {changed} changed (sha256 " in err and "make a new plan" in err
    unchanged = book if what == "inventory" else cli.inventory
    assert str(unchanged) not in err.split("changed since it was made:")[1]
    assert lab.total_writes() == 0


def test_saved_plan_refused_with_another_inventory(make_lab, cli, playbook, tmp_path, capsys):
    lab = make_lab({"ex1": DRIFT})
    book = playbook(WANT)
    plan_file = tmp_path / "plan.json"
    cli("plan", "-p", str(book), "-o", str(plan_file))
    other = tmp_path / "other-inventory.yaml"
    shutil.copy(cli.inventory, other)
    code = main(["apply", str(plan_file), "-p", str(book), "-i", str(other), "--state-dir", str(cli.state)])
    err = capsys.readouterr().err
    assert code == 3 and f"made from the inventory {cli.inventory}, not {other}" in err
    assert lab.total_writes() == 0
