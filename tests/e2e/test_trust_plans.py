"""A saved plan is a record of intent, not an authority (issue 12, finding 1).

`apply FILE` re-renders the operator's playbooks for each host and accepts a change only when it is exactly what
they give that host; an edited item is refused (exit 3) with the item named, before any host is contacted (the
lab counts requests and writes). Through the real CLI, real pywinrm and the lab.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

KEY = "SOFTWARE\\Remediate\\Plans"
HOST = "ex1"
START = {"HKLM": {KEY: {"Port": {"type": "REG_DWORD", "data": 24}, "Mode": {"type": "REG_SZ", "data": "on"}}}}
DESIRED = [{"hive": "HKLM", "key": KEY, "name": "Port", "type": "REG_DWORD", "data": 25},
           {"hive": "HKLM", "key": KEY, "name": "Mode", "type": "REG_SZ", "data": "on"}]
RUN_KEY = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run"


def implant(item: dict[str, Any]) -> None:
    """The attack the issue reports: one item rewritten to a key no playbook names."""
    item["identity"] = {"hive": "HKLM", "key": RUN_KEY, "name": "Updater"}
    item["description"] = f"HKLM\\{RUN_KEY}\\Updater"
    item["before"] = {"exists": False}
    item["after"] = {"exists": True, "type": "REG_SZ", "data": "C:\\evil\\implant.exe"}
    item["action"] = "create"
    item["diff"] = [{"path": "exists", "before": False, "after": True}]


def other_value(item: dict[str, Any]) -> None:
    item["after"] = {"exists": True, "type": "REG_DWORD", "data": 4444}
    item["diff"] = [{"path": "data", "before": 24, "after": 4444}]


def same_rule_other_name(item: dict[str, Any]) -> None:
    item["identity"] = {**item["identity"], "name": "Other"}


def identity_spelled_otherwise(item: dict[str, Any]) -> None:
    item["identity"] = {**item["identity"], "key": item["identity"]["key"].lower()}  # same key to Windows


def another_rule(item: dict[str, Any]) -> None:
    item["rule_id"] = "some-other-rule"


def reworded(item: dict[str, Any]) -> None:
    item["description"] = "HKLM\\SOFTWARE\\Harmless\\Nothing"  # what the operator reviewed must be what is sent


def compliant_made_drift(item: dict[str, Any]) -> None:  # applied to the compliant "Mode" item
    item["status"] = "drift"
    item["action"] = "update"


TAMPERED = [
    ("implant in Run", 0, implant, "not a change the playbooks give this host: no rule test-rule manages "
                                   f"registry_value HKLM\\{RUN_KEY}\\Updater there"),
    ("other desired value", 0, other_value, "after, diff not what rule test-rule gives this host"),
    ("other value name", 0, same_rule_other_name, "no rule test-rule manages registry_value"),
    ("identity spelled otherwise", 0, identity_spelled_otherwise, "identity not what rule test-rule gives"),
    ("another rule", 0, another_rule, "no rule some-other-rule manages"),
    ("reworded description", 0, reworded, "description not what rule test-rule gives"),
    ("a compliant item made drift", 1, compliant_made_drift, "status, action not what rule test-rule gives"),
]


@pytest.fixture
def saved(make_lab: Callable[..., Any], cli: Any, playbook: Callable[..., Path],
          tmp_path: Path) -> tuple[Any, Path, Path]:
    lab = make_lab({HOST: START})
    book = playbook(DESIRED)
    plan_file = tmp_path / "plan.json"
    code, _, err = cli("plan", "-p", str(book), "-o", str(plan_file))
    assert code == 2, err
    return lab, book, plan_file


def edit(plan_file: Path, index: int, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(plan_file.read_text())
    change(data["hosts"][0]["items"][index])
    plan_file.write_text(json.dumps(data, indent=2))


@pytest.mark.parametrize("case, index, change, expected", TAMPERED, ids=[t[0] for t in TAMPERED])
def test_an_edited_plan_item_is_refused_naming_it_and_nothing_is_sent(saved: Any, cli: Any, case: str, index: int,
                                                                      change: Callable[[dict[str, Any]], None],
                                                                      expected: str) -> None:
    lab, book, plan_file = saved
    edit(plan_file, index, change)
    counters = lab.hosts[HOST].endpoint.counters
    counters.reset()
    code, out, err = cli("apply", str(plan_file), "-p", str(book), "--yes")
    assert code == 3, (out, err)
    assert err.startswith(f"refused: {plan_file}: hosts[0].items[{index}] (")
    assert "for host ex1" in err
    assert expected in err, err
    assert "Traceback" not in err
    assert lab.total_writes() == 0
    assert counters.snapshot().requests == 0, "refused before any host is contacted"
    registry = lab.hosts[HOST].sim.registry.snapshot()
    assert RUN_KEY not in registry.get("HKLM", {})


def test_a_forged_before_value_ends_stale_with_nothing_written(saved: Any, cli: Any) -> None:
    """`before` is the one field taken from the file: the agent's compare-and-set checks it against the live value,
    so the undo path it implies is never a guess."""
    lab, book, plan_file = saved

    def forged(item: dict[str, Any]) -> None:  # the compliant "Mode" item, said to have been "off"
        item.update(status="drift", before={"exists": True, "type": "REG_SZ", "data": "off"}, action="update",
                    diff=[{"path": "data", "before": "off", "after": "on"}])
    edit(plan_file, 1, forged)
    code, out, err = cli("apply", str(plan_file), "-p", str(book), "--yes")
    assert code == 3 and "stale" in out + err, (out, err)
    assert lab.total_writes() == 0


def test_the_untampered_plan_applies(saved: Any, cli: Any) -> None:
    lab, book, plan_file = saved
    code, out, err = cli("apply", str(plan_file), "-p", str(book), "--yes")
    assert code == 0, err
    assert lab.hosts[HOST].sim.registry.snapshot()["HKLM"][KEY]["Port"]["data"] == 25


def test_a_plan_applied_with_other_playbooks_is_refused(saved: Any, cli: Any, write: Any) -> None:
    lab, book, plan_file = saved
    code, out, err = cli("apply", str(plan_file), "--yes")  # the packaged catalog, not the plan's playbook
    assert code == 3
    assert "the plan's playbooks differ from the ones given now" in err and str(book) in err
    assert lab.total_writes() == 0


def test_the_plan_files_own_playbook_list_is_never_loaded(saved: Any, cli: Any, write: Any) -> None:
    """An attacker who adds their own playbook to the plan's list (with its true digest) gains nothing."""
    import hashlib

    lab, book, plan_file = saved
    evil = write("evil.yaml", json.dumps({"rules": [{
        "id": "evil", "title": "t", "cause": "c", "source": "s",
        "resources": [{"kind": "registry_value", "hive": "HKLM", "key": RUN_KEY, "name": "Updater",
                       "type": "REG_SZ", "data": "C:\\evil\\implant.exe"}]}]}))
    data = json.loads(plan_file.read_text())
    data["playbooks"].append(str(evil))
    data["inputs"][str(evil)] = hashlib.sha256(evil.read_bytes()).hexdigest()
    implant(data["hosts"][0]["items"][0])
    data["hosts"][0]["items"][0].update(rule_id="evil", rule_title="t", source="s")
    plan_file.write_text(json.dumps(data))
    code, out, err = cli("apply", str(plan_file), "-p", str(book), "--yes")
    assert code == 3 and "the plan's playbooks differ" in err and str(evil) in err
    assert lab.total_writes() == 0


def test_a_rule_whose_when_excludes_the_host_is_refused(make_lab: Callable[..., Any], cli: Any, write: Any,
                                                       tmp_path: Path) -> None:
    lab = make_lab({HOST: START})
    book = write("when.yaml", json.dumps({"rules": [{
        "id": "elsewhere", "title": "t", "cause": "c", "source": "s", "when": "facts.hostname == 'NOT-THIS-ONE'",
        "resources": [{"kind": "registry_value", **DESIRED[0]}]}]}))
    plan_file = tmp_path / "plan.json"
    code, _, err = cli("plan", "-p", str(book), "-o", str(plan_file))
    assert code == 0, err  # not applicable: nothing to do
    data = json.loads(plan_file.read_text())
    item = data["hosts"][0]["items"][0]
    assert item["status"] == "not_applicable"
    item.update(status="drift", before={"exists": True, "type": "REG_DWORD", "data": 24}, action="update",
                diff=[{"path": "data", "before": 24, "after": 25}])
    plan_file.write_text(json.dumps(data))
    code, out, err = cli("apply", str(plan_file), "-p", str(book), "--yes")
    assert code == 3 and "rule elsewhere does not apply to this host (when: facts.hostname" in err, err
    assert lab.total_writes() == 0
