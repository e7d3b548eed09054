"""HTTP requests per host per phase: the structural advantage of one command per host per phase, held as counts.

A tool that opens one WinRM shell per task pays about 6 requests plus the authentication handshake per task;
remediate pays one shell per host per run and one command per phase, so a plan costs the same whatever the number
of resources. The lab counts every HTTP request per host (handshake legs included), so these are exact counts of
what real pywinrm sent through the real CLI; no test here measures time (bench/fleet.py does, docs/performance.md).

Bounds (issue 8): plan <= 6 + handshake and independent of R; `apply` (plan and apply on one shell) and
`apply FILE` <= 8 + handshake. The handshake is what pywinrm 0.5.0 sends before the first WinRS request:
3 with NTLM message encryption over HTTP (empty POST -> 401, NEGOTIATE -> 401, AUTHENTICATE -> 200), 2 with NTLM
over HTTPS (the first request -> 401, NEGOTIATE -> 401, then AUTHENTICATE carries the first request itself).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

KEY = "SOFTWARE\\Remediate\\RequestCounts"
HOST = "counted"
HANDSHAKE = {"ntlm-http-encrypted": 3, "https": 2}
PLAN_BOUND = 6
APPLY_BOUND = 8

TRANSPORTS = [pytest.param({}, id="ntlm-http-encrypted"), pytest.param({"https": True}, id="https")]


def _state(count: int) -> dict[str, Any]:
    """`count` REG_DWORD values at 0: every resource below wants 1, so each is a change."""
    return {"HKLM": {KEY: {f"V{i:03d}": {"type": "REG_DWORD", "data": 0} for i in range(count)}}}


def _resources(count: int) -> list[dict[str, Any]]:
    return [{"hive": "HKLM", "key": KEY, "name": f"V{i:03d}", "type": "REG_DWORD", "data": 1} for i in range(count)]


class Counted:
    """Requests the lab saw for HOST during one CLI command (counters reset just before it)."""

    def __init__(self, lab: Any, cli: Any) -> None:
        self.counters = lab.hosts[HOST].endpoint.counters
        self.cli = cli

    def run(self, *args: str) -> tuple[int, int]:
        self.counters.reset()
        code, _out, err = self.cli(*args)
        assert code in (0, 2), err
        return code, self.counters.snapshot().requests


def _patient(inventory: Path) -> None:
    """An operation timeout no command here reaches: the lab runs the real agent under its interpreter (100
    registry writes take seconds on a busy machine), and a command still running at the timeout is polled again,
    a request that counts the lab's speed, not the protocol's."""
    yaml = YAML()
    doc = yaml.load(inventory.read_text(encoding="utf-8"))
    doc["connection"]["operation_timeout"] = 600
    with inventory.open("w", encoding="utf-8") as fh:
        yaml.dump(doc, fh)


def _handshake(options: dict[str, Any]) -> int:
    return HANDSHAKE["https" if options.get("https") else "ntlm-http-encrypted"]


@pytest.mark.parametrize("options", TRANSPORTS)
def test_plan_costs_the_same_for_10_and_100_resources(make_lab: Callable[..., Any], cli: Any,
                                                      playbook: Callable[..., Path], options: dict[str, Any]) -> None:
    counted = Counted(make_lab({HOST: _state(100)}, **options), cli)
    _patient(cli.inventory)
    small = playbook(_resources(10), rule_id="ten")
    large = playbook(_resources(100), rule_id="hundred")
    code, plan_10 = counted.run("plan", "-p", str(small))
    assert code == 2
    code, plan_100 = counted.run("plan", "-p", str(large))
    assert code == 2
    assert plan_10 == plan_100, f"plan requests depend on the number of resources: {plan_10} vs {plan_100}"
    assert plan_10 <= PLAN_BOUND + _handshake(options)


@pytest.mark.parametrize("options", TRANSPORTS)
@pytest.mark.parametrize("count", [10, 100])
def test_apply_within_bounds_interactive_and_from_a_plan_file(make_lab: Callable[..., Any], cli: Any,
                                                              playbook: Callable[..., Path], tmp_path: Path,
                                                              options: dict[str, Any], count: int) -> None:
    lab = make_lab({HOST: _state(count)}, **options)
    _patient(cli.inventory)
    counted = Counted(lab, cli)
    book = playbook(_resources(count))
    bound = APPLY_BOUND + _handshake(options)

    # `apply FILE`: a plan saved by one run, applied by another (a new shell, a new handshake).
    plan_file = tmp_path / "plan.json"
    code, _ = counted.run("plan", "-p", str(book), "-o", str(plan_file))
    assert code == 2
    code, from_file = counted.run("apply", str(plan_file), "-p", str(book), "--yes")
    assert code == 0 and lab.total_writes() >= count
    assert from_file <= bound

    # Interactive `apply`: plan and apply on one shell. Put the values back first so there is work to do.
    lab.hosts[HOST].sim.registry.load(_state(count))
    code, interactive = counted.run("apply", "-p", str(book), "--yes")
    assert code == 0
    assert interactive <= bound
    code, clean = counted.run("plan", "-p", str(book))
    assert code == 0, "the interactive apply left drift behind"


@pytest.mark.parametrize("options", TRANSPORTS)
def test_diagnose_costs_what_plan_costs_and_writes_nothing(make_lab: Callable[..., Any], cli: Any,
                                                           playbook: Callable[..., Path],
                                                           options: dict[str, Any]) -> None:
    """diagnose is plan's read (one command per host) plus interpretation on the workstation: not one request more."""
    lab = make_lab({HOST: _state(100)}, **options)
    counted = Counted(lab, cli)
    book = playbook(_resources(100))
    code, plan = counted.run("plan", "-p", str(book))
    assert code == 2
    commands = lab.hosts[HOST].sim.mail.commands
    code, diagnose = counted.run("diagnose", "-p", str(book))
    assert code == 2  # findings (the registry values), no case of the write-up: they name none
    assert diagnose == plan <= PLAN_BOUND + _handshake(options)
    assert lab.hosts[HOST].sim.mail.commands == commands + 1 and lab.total_writes() == 0
