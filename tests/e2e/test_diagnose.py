"""`remediate diagnose` end to end: real CLI -> plan's read (real pywinrm, the lab's WS-Management and SSH) -> the
diagnosis. Nothing is patched. What each host of a scenario breaks is taken from the lab itself
(`remediate.lab.symptoms.active_causes`, the causes that fill its queue), not from the host's name, and mapped to the
write-up's case numbers below; diagnose must rank exactly that case first, and find nothing on healthy hosts.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from remediate.cli.main import main
from remediate.lab import symptoms
from remediate.lab.fleet import Lab, load_scenario
from remediate.schema import SCHEMAS

PASSWORD = "lab-Diagnose-Pa55"
# The lab's cause names (remediate/lab/causes/*.py active_causes, remediate/lab/symptoms.py) -> the write-up's case.
CASE_OF = {
    "port25-blocked": 1, "next-hop-port25-blocked": 1, "smart-host-wrong": 2, "sav-exclusions-off": 3,
    "smtp-service-stopped": 4, "no-banner": 5, "next-hop-no-banner": 5, "stnef": 6, "tnef-not-understood": 6,
    "smsmse-heuristics": 7, "sav-internet-mail": 8, "av-scanning-transport": 8, "smtp-inspect-on-path": 9,
    "metabase-corrupt": 10,
}
ALL_CAUSES = load_scenario("all-causes")
HOSTS = [h.name for h in ALL_CAUSES.hosts] + list(ALL_CAUSES.routers)


@dataclass
class Fleet:
    lab: Lab
    doc: dict[str, Any]
    code: int
    causes: dict[str, set[int]]  # host -> the write-up cases its lab state breaks
    commands: dict[str, tuple[int, int]]  # host -> agent commands before and after diagnose
    writes: int

    def host(self, name: str) -> dict[str, Any]:
        (found,) = [h for h in self.doc["hosts"] if h["host"] == name]
        return found


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


@contextlib.contextmanager
def lab_password() -> Iterator[None]:
    old = os.environ.get("REMEDIATE_LAB_PASSWORD")
    os.environ["REMEDIATE_LAB_PASSWORD"] = PASSWORD
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("REMEDIATE_LAB_PASSWORD", None)
        else:
            os.environ["REMEDIATE_LAB_PASSWORD"] = old


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """One diagnose of the whole all-causes fleet, read by the tests below (diagnose never writes)."""
    inventory = tmp_path_factory.mktemp("diagnose") / "inventory.yaml"
    with lab_password(), Lab.from_scenario("all-causes", password=PASSWORD) as lab:
        lab.write_inventory(inventory)
        causes = {n: {CASE_OF[c] for c in symptoms.active_causes(h.sim)} for n, h in lab.hosts.items()}
        causes.update({n: ({9} if r.inspects_smtp() else set()) for n, r in lab.routers.items()})
        before = {n: h.sim.mail.commands for n, h in lab.hosts.items()}
        code, out = run("diagnose", "-i", str(inventory), "--json", "--progress", "none")
        commands = {n: (before[n], h.sim.mail.commands) for n, h in lab.hosts.items()}
        yield Fleet(lab, json.loads(out), code, causes, commands, lab.total_writes())


def test_diagnose_reads_every_host_once_and_writes_nothing(fleet: Fleet) -> None:
    assert fleet.code == 2
    assert fleet.writes == 0
    assert {n: after - before for n, (before, after) in fleet.commands.items()} == {n: 1 for n in fleet.commands}
    assert [h["host"] for h in fleet.doc["hosts"]] == HOSTS


def test_diagnose_json_is_the_documented_versioned_format(fleet: Fleet) -> None:
    assert fleet.doc["format"] == "remediate.diagnosis" and fleet.doc["version"] == 1
    jsonschema.Draft202012Validator(SCHEMAS["diagnosis"]()).validate(fleet.doc)
    for host in fleet.doc["hosts"]:
        assert [c["case"] for c in host["cases"]] == list(range(1, 11)), host["host"]


@pytest.mark.parametrize("name", HOSTS)
def test_the_top_ranked_cause_is_the_one_the_scenario_breaks(fleet: Fleet, name: str) -> None:
    host, broken = fleet.host(name), fleet.causes[name]
    ranked = [c["case"] for c in host["causes"]]
    found = {c["case"] for c in host["cases"] if c["status"] == "found"}
    if not broken:  # a healthy host: no cause, no symptom, no case found
        assert host["verdict"] == "healthy" and ranked == [] and found == set(), host["headline"]
        return
    assert host["verdict"] == "causes"
    if len(broken) == 1:
        assert ranked[0] == next(iter(broken)), (ranked, host["causes"][0]["reasons"])
    else:  # a host with every cause: each is ranked, or named with the case whose evidence it shares
        named = set(ranked) | {also for c in host["causes"] for also in c["also_cases"]}
        assert broken <= named, (broken, ranked)
    assert broken <= found
    if host["role"] == "exchange":
        assert host["symptoms"]["state"] == "present"
        assert any(h["state"] == "broken" for h in host["path"]), host["path"]


def test_a_masked_banner_is_tied_to_the_router_on_the_path(fleet: Fleet) -> None:
    host = fleet.host("ex2013-masked")
    top = host["causes"][0]
    assert top["case"] == 9 and any("router rtr1" in r and "ip inspect name MAILFW smtp" in r for r in top["reasons"])
    assert top["fix"] == "remediate" and top["changes"] == 1  # the router's line, removed by apply --limit rtr1
    case9 = host["cases"][8]
    assert {e["host"] for e in case9["evidence"]} == {"ex2013-masked", "rtr1"}
    assert any(line.startswith("<- 220 ***") for e in case9["evidence"] for line in e["transcript"])
    assert {h["id"]: h["state"] for h in host["path"]}["router"] == "broken"
    assert set(fleet.host("rtr1")["on_path_of"]) == {"ex2003-masked", "ex2003-all", "ex2013-masked", "ex2013-all",
                                                     "ex2019-masked", "ex2019-all"}


def test_a_stuck_queue_to_the_configured_smart_host_is_tied_to_case_2(fleet: Fleet) -> None:
    host = fleet.host("ex2003-smarthost")
    (stuck,) = [q for q in host["symptoms"]["queues"] if q["stuck"]]
    assert stuck["next_hop"] == "smtp.oldisp.invalid" and host["symptoms"]["queues"][0] == stuck  # stuck first
    top = host["causes"][0]
    assert top["case"] == 2 and top["fix"] == "remediate" and top["changes"] == 1
    assert any("goes to smtp.oldisp.invalid, the smart host set here" in r for r in top["reasons"])
    assert any(check.startswith("remediate apply") and "--limit ex2003-smarthost" in check
               for check in host["next_checks"])


def test_text_output_shows_the_stuck_queue_whole_before_the_cases(fleet: Fleet, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yaml"
    fleet.lab.write_inventory(inventory)
    with lab_password():
        code, out = run("diagnose", "-i", str(inventory), "--limit", "ex2019-smarthost", "--progress", "none")
    assert code == 2
    stuck = next(line for line in out.splitlines() if line.strip().startswith("stuck "))
    # The whole last error, never "...": it is the datum that decides.
    assert stuck.endswith("or delivery failed to all alternate hosts.") and "..." not in stuck
    assert out.index("Symptoms") < out.index("The ten cases") < out.index("Likely causes")
    assert "1. case 2 Wrong smart host" in out and "ex2019-smarthost cause found" in out


# ------------------------------------------------------------------------------------------ two causes on one host


@pytest.fixture
def two_causes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Lab, Path]]:
    monkeypatch.setenv("REMEDIATE_LAB_PASSWORD", PASSWORD)
    with Lab.from_scenario("two-causes", password=PASSWORD) as lab:
        inventory = tmp_path / "inventory.yaml"
        lab.write_inventory(inventory)
        yield lab, inventory


def _diagnose(inventory: Path, *args: str) -> tuple[int, dict[str, dict[str, Any]]]:
    code, out = run("diagnose", "-i", str(inventory), "--json", "--progress", "none", *args)
    return code, {h["host"]: h for h in json.loads(out)["hosts"]}


def test_two_causes_on_one_host_are_both_ranked_and_the_manual_one_outlives_apply(
        two_causes: tuple[Lab, Path]) -> None:
    lab, inventory = two_causes
    code, hosts = _diagnose(inventory)
    assert code == 2 and lab.total_writes() == 0
    assert [c["case"] for c in hosts["ex2003-two"]["causes"]] == [2, 7]
    assert [c["fix"] for c in hosts["ex2003-two"]["causes"]] == ["remediate", "person"]
    assert [c["case"] for c in hosts["ex2019-two"]["causes"]] == [9, 8]
    assert hosts["ex2019-two"]["causes"][1]["also_cases"] == [3]
    assert hosts["ex2019-ok"]["causes"] == [] and hosts["rtr1"]["on_path_of"] == ["ex2019-two"]

    # apply fixes what remediate can (case 2); the manual cause stays, and so do the symptoms: diagnose says why.
    code, _out = run("apply", "-i", str(inventory), "--limit", "ex2003-two", "--yes", "--progress", "none",
                     "--state-dir", str(inventory.parent / "state"))
    assert code == 0
    code, hosts = _diagnose(inventory, "--limit", "ex2003-two")
    host = hosts["ex2003-two"]
    assert code == 2 and [c["case"] for c in host["causes"]] == [7] and host["apply_changes"] == 0
    assert host["symptoms"]["state"] == "present"
    assert any("nothing left to change" in c and "case 7" in c for c in host["next_checks"]), host["next_checks"]


def test_limit_to_one_server_reads_the_router_on_its_path(two_causes: tuple[Lab, Path]) -> None:
    lab, inventory = two_causes
    code, hosts = _diagnose(inventory, "--limit", "ex2019-two")
    assert code == 2 and set(hosts) == {"ex2019-two", "rtr1"}
    assert hosts["ex2019-two"]["causes"][0]["case"] == 9
    assert lab.total_writes() == 0 and lab.routers["rtr1"].inspects_smtp()
