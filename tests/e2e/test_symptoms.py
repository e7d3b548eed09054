"""Causes produce symptoms, end to end: real CLI -> engine -> pywinrm -> lab hosts whose mail simulation
(remediate/lab/state/mail.py) fills the queue and logs event 4006 while a cause is active. Nothing is patched;
time is the hosts' simulated clock (one minute per command, `symptoms.advance` for idle time), never the wall clock.

Scenarios all-causes (one host per cause per platform, *-all with every cause, healthy *-ok) and compliant, with the
whole catalog (playbooks/event-4006.yaml).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from remediate.assets import asset_dir
from remediate.lab import symptoms
from remediate.lab.fleet import Lab

BOOKS = asset_dir("playbooks")
CATALOG = ["-p", str(BOOKS / "event-4006.yaml")]
SYMPTOM_BOOKS = ["-p", str(BOOKS / "exchange-services.yaml"), "-p", str(BOOKS / "symptoms-4006.yaml")]
PASSWORD = "lab-Symptoms-Pa55"
EVENT, QUEUE = "symptom-event-4006", "symptom-queue-retry"
PLAN_REQUESTS = 6 + 3  # WinRS requests of one plan (tests/e2e/test_request_counts.py) + the NTLM handshake

# The rules that must report each cause on each platform (host name: <platform>-<cause>).
NEXT_HOP = {"blocked": {"smtp-port25-reachable", "smtp-next-hop-banner"}, "silent": {"smtp-next-hop-banner"},
            "masked": {"smtp-next-hop-banner", "smtp-next-hop-unmasked"}}
RULES_2003 = {"firewall": {"host-firewall-smtp-2003"}, "smarthost": {"smart-host-2003"},
              "sav-folders": {"sav-folder-exclusions-enabled", "sav-exclude-smtp-folders"},
              "sav-mail": {"sav-internet-email-autoprotect"}, "services": {"exchange2003-core-services"},
              "banner": {"smtp-banner-2003"}, "stnef": {"stnef-store-driver-tnef-2003"},
              "smsmse": {"smsmse-heuristics"}, "metabase": {"metabase-corrupt"}, **NEXT_HOP}
RULES_MODERN = {"firewall": {"host-firewall-smtp-in"}, "smarthost": {"exchange-send-connector-smart-host"},
                "frontend": {"exchange-frontend-transport-service"}, "banner": {"exchange-receive-connector-banner"},
                "tnef": {"exchange-remote-domain-no-tnef"}, "smsmse": {"smsmse-heuristics"},
                "defender": {"exchange-av-exclusions-folders", "exchange-av-exclusions-processes"}, **NEXT_HOP}


def expected(host: str) -> set[str]:
    """What the whole catalog must report on a host of all-causes: its causes' rules and the symptoms."""
    if host.startswith("rtr"):
        return {"cisco-inspect-smtp"} if host == "rtr1" else set()
    platform, cause = host.split("-", 1)
    table = RULES_2003 if platform == "ex2003" else RULES_MODERN
    symptom = {EVENT, QUEUE} if platform == "ex2003" else {QUEUE}
    if cause == "ok":
        return set()
    if cause == "all":  # every cause but the next hops it cannot have at once: its next hop is the masked one
        return set().union(*(rules for name, rules in table.items() if name not in ("blocked", "silent")), symptom)
    return table[cause] | symptom


def reported(plan: dict[str, Any]) -> dict[str, set[str]]:
    out = {}
    for host in plan["hosts"]:
        assert host["error"] is None and host["status"] != "error", (host["host"], host["error"])
        out[host["host"]] = {i["rule_id"] for i in host["items"] if i["status"] not in ("compliant", "not_applicable")}
    return out


def start(scenario: str, tmp: Path) -> Lab:
    lab = Lab.from_scenario(scenario, password=PASSWORD).start()
    lab.write_inventory(tmp / "inventory.yaml")
    return lab


@pytest.fixture(scope="module")
def all_causes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """One all-causes lab for the read-only tests of this module (plan and check never write)."""
    lab = start("all-causes", tmp_path_factory.mktemp("all-causes"))
    yield lab
    lab.stop()


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """on(lab) -> lab, its inventory written where this test's `cli` reads it, its password exported."""
    monkeypatch.setenv("REMEDIATE_LAB_PASSWORD", PASSWORD)

    def _on(lab: Lab) -> Lab:
        lab.write_inventory(tmp_path / "inventory.yaml")
        return lab

    return _on


# -------------------------------------------------------------------------------- the whole catalog, every cause


@pytest.mark.parametrize("host", ["ex2003-all", "ex2013-all", "ex2019-all"])
def test_the_all_causes_host_reports_every_cause_in_one_command(all_causes: Lab, on: Any, cli: Any,
                                                                 host: str) -> None:
    lab = on(all_causes)
    sim = lab.hosts[host].sim
    commands, logged = sim.mail.commands, len(sim.op_log)
    lab.hosts[host].endpoint.counters.reset()
    code, plan = cli.json("plan", *CATALOG, "--limit", host)
    assert code == 2 and reported(plan) == {host: expected(host)}
    assert sim.mail.commands == commands + 1  # the lab's command counter: one agent command for the plan
    ops = [op for op, _ in sim.op_log[logged:]]
    assert ops.count("facts") == 1 and {"smtp.probe", "queue.list", "service.get"} <= set(ops)
    resources = [i for i in plan["hosts"][0]["items"] if i["kind"] != "rule"]  # "rule": deferred, never read
    assert len(ops) == 1 + len(resources)  # facts, then one read per resource of the catalog, in that command
    assert lab.hosts[host].endpoint.counters.snapshot().requests <= PLAN_REQUESTS
    # What the symptoms looked like to the plan: a queue in Retry, and on Exchange 2003 event 4006 in the window.
    items = {i["rule_id"]: i for i in plan["hosts"][0]["items"]}
    (stuck,) = [d for d in items[QUEUE]["diff"] if d["path"].startswith("stuck[")]
    assert stuck["before"]["status"] == "Retry" and stuck["before"]["message_count"] > 0
    if host == "ex2003-all":
        assert items[EVENT]["before"]["count"] > 0 and "semaphore" in stuck["before"]["last_error"]
    else:
        assert items[EVENT]["status"] == "not_applicable"


def test_check_reports_each_cause_on_its_host_and_nothing_on_healthy_hosts(all_causes: Lab, on: Any, cli: Any,
                                                                         tmp_path: Path) -> None:
    lab = on(all_causes)
    before = {name: (h.sim.mail.commands, len(h.sim.op_log)) for name, h in lab.hosts.items()}
    paths = {fmt: tmp_path / "reports" / f"check.{ext}"
             for fmt, ext in (("junit", "xml"), ("sarif", "sarif"), ("json", "json"), ("html", "html"))}
    reports = [arg for fmt, path in paths.items() for arg in ("--report", f"{fmt}={path}")]
    code, out, err = cli("check", *CATALOG, *reports)
    assert code == 2, (out, err)
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert doc["check"]["verdict"] == "drift" and doc["check"]["exit_code"] == 2
    found = reported(doc)
    assert set(found) == {*lab.hosts, *lab.routers}
    for host, rules in found.items():
        assert rules == expected(host), host
    for name, h in lab.hosts.items():  # one command per host for the whole catalog, and nothing written
        commands, logged = before[name]
        assert h.sim.mail.commands == commands + 1, name
        assert [op for op, _ in h.sim.op_log[logged:]].count("facts") == 1, name
        assert h.sim.mail.problems == [], name
    assert lab.total_writes() == 0
    failures = {(c.get("classname"), c.get("name")) for c in ET.parse(paths["junit"]).getroot().iter("testcase")
                if c.find("failure") is not None}
    assert failures == {(host, rule) for host, rules in found.items() for rule in rules}
    sarif = json.loads(paths["sarif"].read_text(encoding="utf-8"))
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {EVENT, QUEUE, "metabase-corrupt"}
    assert "ex2013-all" in paths["html"].read_text(encoding="utf-8")


def test_check_on_the_compliant_fleet_exits_0(on: Any, cli: Any, tmp_path: Path) -> None:
    lab = on(start("compliant", tmp_path))
    try:
        code, out, err = cli("check", *CATALOG, "--report", f"json={tmp_path / 'check.json'}")
        assert code == 0, (out, err)
        doc = json.loads((tmp_path / "check.json").read_text(encoding="utf-8"))
        assert doc["check"]["verdict"] == "compliant"
        for host in doc["hosts"]:  # every symptom probe ran where it applies and passed
            statuses = {i["rule_id"]: i["status"] for i in host["items"]}
            if not host["host"].startswith("rtr"):
                assert statuses[QUEUE] == "compliant", host["host"]
                assert statuses[EVENT] == ("compliant" if host["host"].startswith("ex2003") else "not_applicable")
        assert all(h.sim.mail.events == [] and h.sim.mail.queue()["messages"] == 0 for h in lab.hosts.values())
    finally:
        lab.stop()


# --------------------------------------------------------------------------------- symptoms before and after a fix


def symptom_status(plan: dict[str, Any], host: str) -> dict[str, Any]:
    (found,) = [h for h in plan["hosts"] if h["host"] == host]
    return {i["rule_id"]: i for i in found["items"]}


@pytest.mark.parametrize("platform, service", [("win2003-ex2003", "SMTPSVC"),
                                               ("win2019-ex2019", "MSExchangeFrontEndTransport")])
def test_symptoms_are_there_before_a_fix_and_gone_after_it(make_lab: Any, cli: Any, platform: str,
                                                           service: str) -> None:
    legacy = platform.startswith("win2003")
    lab = make_lab({"ex": {"state": {"services": {service: {"state": "stopped"}}}}}, platform=platform,
                   antivirus=["Windows Defender"] if not legacy else [], vars={"event_4006_window_minutes": 30})
    sim = lab.hosts["ex"].sim
    # Before: the queue grows in Retry from one read to the next, and (Exchange 2003) event 4006 is logged.
    code, first = cli.json("plan", *SYMPTOM_BOOKS)
    assert code == 2 and symptom_status(first, "ex")[QUEUE]["status"] == "failed"
    queued = sim.mail.queue()["messages"]
    code, second = cli.json("plan", *SYMPTOM_BOOKS)
    items = symptom_status(second, "ex")
    assert sim.mail.queue()["messages"] > queued and sim.mail.queue()["status"] == "Retry"
    if legacy:
        assert items[EVENT]["status"] == "failed"
        assert items[EVENT]["before"]["count"] == symptom_status(first, "ex")[EVENT]["before"]["count"] + 1
        assert "the semaphore timeout period has expired" in sim.mail.events[-1].message
    else:
        assert items[EVENT]["status"] == "not_applicable" and sim.mail.events == []

    # The fix: the service runs again. The apply's own command still saw the cause (it ran before the ops).
    code, applied = cli.json("apply", *SYMPTOM_BOOKS, "--yes")
    assert code == 0 and applied["hosts"][0]["outcome"] == "applied"
    logged, fixed_at = len(sim.mail.events), sim.mail.snapshot()["clock"]
    code, after = cli.json("plan", *SYMPTOM_BOOKS)
    items = symptom_status(after, "ex")
    # Nothing left to change (plan exits 0: a failed probe is a finding, not a pending change; `check` fails on it).
    assert code == 0 and items["exchange2003-core-services" if legacy else "exchange-frontend-transport-service"][
        "status"] == "compliant"
    assert items[QUEUE]["status"] == "compliant" and sim.mail.queue()["status"] == "Active"  # draining
    if legacy:  # still in the window: the probe reports when the last event was logged
        assert items[EVENT]["status"] == "failed" and items[EVENT]["before"]["newest"] == fixed_at

    # Half an hour later (the window), nothing new was logged and the queue has drained.
    symptoms.advance(sim, 30)
    code, later = cli.json("plan", *SYMPTOM_BOOKS)
    assert code == 0 and {i["status"] for i in symptom_status(later, "ex").values()} <= {"compliant",
                                                                                        "not_applicable"}
    assert len(sim.mail.events) == logged and sim.mail.queue() == {"messages": 0, "status": "Ready",
                                                                   "last_error": None}
    # Rollback brings the cause back, and the symptoms with it.
    code, undone = cli.json("rollback", applied["run_id"])
    assert code == 0
    code, again = cli.json("plan", *SYMPTOM_BOOKS)
    assert code == 2 and symptom_status(again, "ex")[QUEUE]["status"] == "failed"
    assert len(sim.mail.events) > logged if legacy else sim.mail.events == []


# The causes whose fix is automatic, each on its host of all-causes: apply clears the cause and its symptoms.
AUTOMATIC = ["ex2003-smarthost", "ex2003-sav-folders", "ex2003-services", "ex2003-banner", "ex2003-stnef",
             "ex2003-metabase", "ex2013-firewall", "ex2013-smarthost", "ex2013-frontend", "ex2013-banner",
             "ex2013-tnef", "ex2013-defender", "ex2019-firewall", "ex2019-smarthost", "ex2019-frontend",
             "ex2019-banner", "ex2019-tnef", "ex2019-defender"]


def test_automatic_fixes_clear_the_causes_and_their_symptoms(on: Any, cli: Any, tmp_path: Path) -> None:
    """Every cause with an automatic fix, each on its own host of all-causes, fixed in one apply run."""
    lab = on(start("all-causes", tmp_path))
    try:
        # What each host reports before is test_check_reports_each_cause_on_its_host_and_nothing_on_healthy_hosts.
        limit = ",".join(AUTOMATIC)
        code, applied = cli.json("apply", *CATALOG, "--limit", limit, "--yes", "--accept-irreversible")
        assert code == 0 and {h["outcome"] for h in applied["hosts"]} == {"applied"}, applied
        for host in AUTOMATIC:
            sim = lab.hosts[host].sim
            assert sim.mail.queue()["status"] == "Retry", host  # the apply's command still saw the cause
            symptoms.advance(sim, 24 * 60)  # the window of the event probe (Exchange 2003's events)
        code, plan = cli.json("plan", *CATALOG, "--limit", limit)
        assert code == 0 and set(map(frozenset, reported(plan).values())) == {frozenset()}
        for host in AUTOMATIC:
            mail = lab.hosts[host].sim.mail
            assert mail.last_causes == [] and mail.queue() == {"messages": 0, "status": "Ready", "last_error": None}
    finally:
        lab.stop()


def test_hostile_names_are_refused_before_any_host_is_contacted(make_lab: Any, cli: Any, write: Any,
                                                                hostile_strings: dict[str, str]) -> None:
    """The probes' only free-text fields are event log and source names; every corpus text fails their pattern
    (both fields: tests/unit/test_event_log_probe.py), here through an inventory variable, before a command is
    sent."""
    lab = make_lab({"ex": {"state": {}}}, platform="win2003-ex2003", vars={"texts": list(hostile_strings.values())})
    for i, name in enumerate(hostile_strings):
        book = write(f"hostile-{i}.yaml", json.dumps({"rules": [
            {"id": "hostile", "title": "t", "cause": "c", "source": "s",
             "resources": [{"kind": "event_log_probe", "source": f"{{{{ texts[{i}] }}}}"}]}]}))
        code, out, err = cli("plan", "-p", str(book))
        assert code == 1 and "rules[0].resources[0].source: String should match pattern" in err, (name, err)
    assert lab.hosts["ex"].sim.mail.commands == 0 and lab.hosts["ex"].sim.op_log == []
