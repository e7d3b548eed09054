"""Windows host settings end to end: CLI -> engine -> real pywinrm -> lab WS-Management -> simulated services,
firewall and Defender. Nothing is patched; "plan writes nothing" is the lab's write counter and unchanged snapshots.

Per kind: plan -> apply -> plan (clean) -> rollback (state equal to the original). Per cause, on the shipped
windows-causes scenario: plan names exactly that cause on its host and nothing on the healthy hosts, apply fixes
it (or leaves the manual advice and writes nothing), rollback restores the host. Hostile strings arrive verbatim
or are refused by validation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from remediate.lab.fleet import Lab, load_scenario
from remediate.lab.causes import defender as defender_causes
from remediate.lab.causes import firewall as firewall_causes
from remediate.lab.causes import services as services_causes
from remediate.lab.state.firewall import READ_ONLY_MESSAGE
from remediate.resources import KINDS
from remediate.resources.wintext import normalize_path

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"
BOOKS = ["host-firewall-port25", "exchange-services", "exchange-av-exclusions", "smsmse-heuristics",
         "symantec-internet-mail"]
DOMAINS = ("services", "firewall", "defender", "registry")
HOST = "h"
OURS = "SMTP-In (remediate)"
WINRM = {"name": "Windows Remote Management (HTTP-In)", "local_port": "5985"}
TEAM = {"name": "SMTP inbound (mail team)", "local_port": "25", "enabled": False}


def book_args(*names: str) -> list[str]:
    out: list[str] = []
    for name in names or BOOKS:
        out += ["-p", str(PLAYBOOKS / f"{name}.yaml")]
    return out


@pytest.fixture
def rules_file(write: Callable[[str, str], Path]) -> Callable[..., Path]:
    """rules_file([resource, ...], remedy=...) -> a one-rule playbook holding those resources."""

    def _make(resources: list[dict[str, Any]], rule_id: str = "test-rule", **rule: Any) -> Path:
        doc = {"rules": [{"id": rule_id, "title": "Test rule", "cause": "a test", "source": "KB 0", **rule,
                          "resources": resources}]}
        return write(f"{rule_id}.yaml", json.dumps(doc, indent=1, ensure_ascii=False))  # JSON is YAML

    return _make


def snapshot(lab: Lab, host: str = HOST) -> dict[str, Any]:
    sim = lab.hosts[host].sim
    return {domain: getattr(sim, domain).snapshot() for domain in DOMAINS}


def causes(lab: Lab, host: str) -> list[str]:
    sim = lab.hosts[host].sim
    return sorted(services_causes.active_causes(sim) + firewall_causes.active_causes(sim)
                  + defender_causes.active_causes(sim))


def statuses(plan: dict[str, Any], host: str = HOST) -> list[tuple[str, str, str]]:
    """(rule, resource, status) of every item that is neither compliant nor not applicable."""
    (found,) = [h for h in plan["hosts"] if h["host"] == host]
    return [(i["rule_id"], i["description"], i["status"]) for i in found["items"]
            if i["status"] not in ("compliant", "not_applicable")]


def cycle(lab: Lab, cli: Any, book: list[str], expected: int) -> dict[str, Any]:
    """plan (read-only, `expected` drifts) -> apply -> plan (clean) -> rollback (state as before); the apply."""
    original = snapshot(lab)
    code, plan = cli.json("plan", *book)
    assert code == 2, plan
    assert [s for _, _, s in statuses(plan)] == ["drift"] * expected
    assert lab.total_writes() == 0 and snapshot(lab) == original
    code, applied = cli.json("apply", *book, "--yes")
    assert code == 0 and applied["hosts"][0]["outcome"] == "applied", applied
    code, again = cli.json("plan", *book)
    assert code == 0 and statuses(again) == [], again
    code, undone = cli.json("rollback", applied["run_id"])
    assert code == 0 and undone["hosts"][0]["outcome"] == "applied", undone
    assert snapshot(lab) == original
    return applied


# --------------------------------------------------------------------------------------------------- each kind


def test_defender_exclusion_cycle(make_lab, cli, rules_file):
    lab = make_lab({HOST: {"state": {"defender": {"installed": True, "exclusions": {
        "path": ["C:\\Keep", "D:\\Old\\Entry"], "process": ["Other.exe"]}}}}}, antivirus=["Windows Defender"])
    book = rules_file([
        {"kind": "defender_exclusion", "type": "path", "value": "C:\\Exchange\\\\Queue\\"},
        {"kind": "defender_exclusion", "type": "process", "value": "EdgeTransport.exe"},
        {"kind": "defender_exclusion", "type": "path", "value": "D:\\Old\\Entry", "state": "absent"},
        {"kind": "defender_exclusion", "type": "path", "value": "c:\\keep\\"},  # there already, spelt otherwise
    ])
    applied = cycle(lab, cli, ["-p", str(book)], expected=3)
    assert [c["after"] for c in applied["hosts"][0]["changes"]] == [{"exists": True}, {"exists": True},
                                                                  {"exists": False}]
    ops = [op for op, _ in lab.hosts[HOST].sim.op_log if op.startswith("defender.") and op != "defender.get"]
    # apply: two adds and one remove; rollback: exactly their reverse, nothing else.
    assert ops == ["defender.add", "defender.add", "defender.remove",
                   "defender.add", "defender.remove", "defender.remove"]


def test_defender_entry_is_written_in_the_normalised_spelling(make_lab, cli, rules_file):
    lab = make_lab({HOST: {"state": {"defender": {"installed": True, "exclusions": {"path": []}}}}})
    book = rules_file([{"kind": "defender_exclusion", "type": "path", "value": "C:\\Exchange\\\\Queue\\"}])
    code, _ = cli.json("apply", "-p", str(book), "--yes")
    assert code == 0
    assert lab.hosts[HOST].sim.defender.snapshot()["exclusions"]["path"] == ["C:\\Exchange\\Queue"]


def test_firewall_rule_cycle_creates_changes_and_removes_only_named_rules(make_lab, cli, rules_file):
    lab = make_lab({HOST: {"state": {"firewall": {"rules": [
        WINRM, TEAM, {"name": "Relay-In (remediate)", "local_port": "2525", "enabled": False},
        {"name": "Legacy (remediate)", "local_port": "26"}]}}}})
    book = rules_file([
        {"kind": "firewall_rule", "name": OURS, "local_port": 25},
        {"kind": "firewall_rule", "name": "relay-in (REMEDIATE)", "local_port": 2525},
        {"kind": "firewall_rule", "name": "Legacy (remediate)", "state": "absent"},
    ])
    team_before = lab.hosts[HOST].sim.firewall.snapshot()["rules"][1]
    applied = cycle(lab, cli, ["-p", str(book)], expected=3)
    assert [c["status"] for c in applied["hosts"][0]["changes"]] == ["applied"] * 3
    # The mail team's own port-25 rule was never written: same place, same fields, through apply and rollback.
    assert lab.hosts[HOST].sim.firewall.snapshot()["rules"][1] == team_before
    writes = [args["name"] for op, args in lab.hosts[HOST].sim.op_log if op in ("firewall.set", "firewall.remove")]
    assert {w.lower() for w in writes} == {OURS.lower(), "relay-in (remediate)", "legacy (remediate)"}


def test_windows_service_cycle_keeps_dependency_order(make_lab, cli, rules_file):
    lab = make_lab({HOST: {"state": {"services": {
        "IISADMIN": {"state": "stopped"}, "SMTPSVC": {"state": "stopped"}, "W3SVC": {"state": "stopped"},
        "RemoteRegistry": {"display_name": "Remote Registry", "state": "stopped", "start_mode": "disabled"}}}}},
        platform="win2003-ex2003")
    book = rules_file([
        {"kind": "windows_service", "name": "IISADMIN", "state": "running"},
        {"kind": "windows_service", "name": "smtpsvc", "state": "running"},
        {"kind": "windows_service", "name": "RemoteRegistry", "state": "running", "start_mode": "auto"},
    ])
    cycle(lab, cli, ["-p", str(book)], expected=3)
    assert lab.hosts[HOST].sim.services.snapshot()["W3SVC"]["state"] == "stopped"  # a dependent left alone


def test_a_service_that_depends_on_a_running_one_blocks_its_stop_and_the_host_is_reverted(make_lab, cli,
                                                                                          rules_file):
    lab = make_lab({HOST: {}}, platform="win2003-ex2003")
    original = snapshot(lab)
    book = rules_file([{"kind": "windows_service", "name": "SMTPSVC", "state": "stopped"},
                       {"kind": "windows_service", "name": "W3SVC", "state": "stopped"},
                       {"kind": "windows_service", "name": "IISADMIN", "state": "stopped"},
                       {"kind": "windows_service", "name": "MSExchangeIS", "state": "stopped"},
                       {"kind": "windows_service", "name": "MSExchangeSA", "state": "stopped"}])
    code, ok = cli.json("apply", "-p", str(book), "--yes")  # dependents first: Windows lets this through
    assert code == 0 and ok["hosts"][0]["outcome"] == "applied"
    cli.json("rollback", ok["run_id"])
    assert snapshot(lab) == original
    wrong = rules_file([{"kind": "windows_service", "name": "MSExchangeSA", "state": "stopped"}], rule_id="wrong")
    code, failed = cli.json("apply", "-p", str(wrong), "--yes")
    assert code == 1 and failed["hosts"][0]["outcome"] == "reverted"
    assert "because it has dependent services" in failed["hosts"][0]["message"]
    assert snapshot(lab) == original


def test_firewall_on_2008_is_read_but_never_written(make_lab, cli, rules_file):
    lab = make_lab({HOST: {"state": {"firewall": {"api": "com", "rules": [WINRM]}}}}, platform="win2012r2-ex2013")
    lab.hosts[HOST].sim.facts["os_version"] = "6.1.7601"  # Windows Server 2008 R2
    code, plan = cli.json("plan", *book_args("host-firewall-port25"))
    assert code == 0 and statuses(plan) == [("host-firewall-smtp-in-2008", f"firewall rule '{OURS}'", "manual")]
    original = snapshot(lab)
    forced = rules_file([{"kind": "firewall_rule", "name": OURS, "local_port": 25}])  # an auto rule anyway
    code, result = cli.json("apply", "-p", str(forced), "--yes")
    assert code == 1 and result["hosts"][0]["outcome"] == "reverted"
    assert READ_ONLY_MESSAGE in result["hosts"][0]["message"]
    assert snapshot(lab) == original


# ----------------------------------------------------------------------------------------- causes, scenario


@pytest.fixture
def causes_lab(tmp_path: Path, lab_password: str) -> Iterator[Lab]:
    lab = Lab(load_scenario("windows-causes"), password=lab_password).start()
    lab.write_inventory(tmp_path / "inventory.yaml")
    yield lab
    lab.stop()


HEALTHY = ["ex2003-ok", "ex2013-ok", "ex2019-ok"]
CAUSES = [
    # host, rule, resources reported, status, active cause in the lab before the apply
    ("ex2003-services", "exchange2003-core-services", 2, "drift", ["smtp-service-stopped"]),
    ("ex2003-smsmse", "smsmse-heuristics", 1, "manual", ["smsmse-heuristics"]),
    ("ex2003-sav-mail", "sav-internet-email-autoprotect", 1, "manual", []),
    ("ex2003-firewall", "host-firewall-smtp-2003", 1, "manual", ["port25-blocked"]),
    ("ex2013-firewall", "host-firewall-smtp-in", 1, "drift", ["port25-blocked"]),
    ("ex2013-defender", "exchange-av-exclusions-folders", 1, "drift", ["av-scanning-transport"]),
    ("ex2013-transport", "exchange-transport-service", 1, "drift", ["smtp-service-stopped"]),
    ("ex2019-firewall", "host-firewall-smtp-in", 1, "drift", ["port25-blocked"]),
    ("ex2019-defender", "exchange-av-exclusions-folders", 12, "drift", ["av-scanning-transport"]),
    ("ex2019-frontend", "exchange-frontend-transport-service", 1, "drift", ["smtp-service-stopped"]),
]


def test_healthy_hosts_plan_clean_and_every_cause_host_shows_its_cause(causes_lab, cli):
    code, plan = cli.json("plan", *book_args())
    assert code == 2 and not any(h["status"] == "error" for h in plan["hosts"])
    for host in HEALTHY:
        assert statuses(plan, host) == [], host
        assert causes(causes_lab, host) == []
    for host, rule, count, status, active in CAUSES:
        found = statuses(plan, host)
        rules = {r for r, _, _ in found} - {"exchange-av-exclusions-processes"}  # the Defender cause's 2nd rule
        assert rules == {rule}, (host, found)
        assert [s for r, _, s in found if r == rule] == [status] * count, (host, found)
        assert causes(causes_lab, host) == active
    assert causes_lab.total_writes() == 0


@pytest.mark.parametrize("host,rule,count,status,active", CAUSES, ids=[c[0] for c in CAUSES])
def test_each_cause_is_fixed_or_advised_and_rolled_back(causes_lab, cli, host, rule, count, status, active):
    original = snapshot(causes_lab, host)
    if status == "manual":
        # Reported with its advice, never applied: apply finds nothing to do and writes nothing.
        code, out, _ = cli("apply", *book_args(), "--limit", host, "--yes")
        assert code == 0 and "Nothing to change" in out and causes_lab.total_writes() == 0
        code, plan = cli.json("plan", *book_args(), "--limit", host)
        (item,) = [i for i in plan["hosts"][0]["items"] if i["rule_id"] == rule]
        assert item["status"] == "manual" and item["advice"]
        assert snapshot(causes_lab, host) == original and causes(causes_lab, host) == active
        return
    code, applied = cli.json("apply", *book_args(), "--limit", host, "--yes")
    assert code == 0, applied
    (result,) = applied["hosts"]
    assert result["outcome"] == "applied"
    assert causes(causes_lab, host) == []
    code, plan = cli.json("plan", *book_args(), "--limit", host)
    assert code == 0 and statuses(plan, host) == []
    code, undone = cli.json("rollback", applied["run_id"])
    assert code == 0 and undone["hosts"][0]["outcome"] == "applied"
    assert snapshot(causes_lab, host) == original
    assert causes(causes_lab, host) == active


# ----------------------------------------------------------------------------------------------- hostile data

# Windows cannot hold these in a path or file name (control characters, " < > |), or the text is longer than a path.
_NOT_IN_PATHS = {"dq-break", "dq-subexpr", "mixed-quotes", "pipe", "and-or", "redirect-out", "redirect-append",
                 "redirect-merge", "redirect-in", "lf", "crlf", "cr", "nul", "comment-close", "comment-open",
                 "herestring-single", "herestring-double", "cmd-metachars", "agent-markers", "xml-break",
                 "json-break", "base64-line", "tab-vt-ff", "escape-seq", "ios-newline-cmds", "ios-crlf-cmds",
                 "ios-ctrl-z", "ios-ctrl-c", "ios-comment-pipe", "long-quoted-40k"}
# Control characters, '|' (reserved by the firewall API) or longer than 1024 characters.
_NOT_IN_RULE_NAMES = {"pipe", "and-or", "redirect-merge", "lf", "crlf", "cr", "nul", "herestring-single",
                      "herestring-double", "cmd-metachars", "agent-markers", "base64-line", "tab-vt-ff", "escape-seq",
                      "ios-newline-cmds", "ios-crlf-cmds", "ios-ctrl-z", "ios-ctrl-c", "ios-comment-pipe", "long-10k",
                      "long-quoted-40k"}
# Control characters, / or \ (Windows refuses them), * ? [ ] (read as wildcards), or longer than 256 characters.
_NOT_IN_SERVICE_NAMES = {"sq-break", "pipe", "ampersand-call", "redirect-out", "redirect-append", "redirect-merge",
                         "redirect-in", "lf", "crlf", "cr", "nul", "herestring-single", "herestring-double",
                         "template", "agent-markers", "xml-break", "json-break", "base64-line", "wildcards", "dotdot",
                         "tab-vt-ff", "escape-seq", "ios-newline-cmds", "ios-crlf-cmds", "ios-ctrl-z", "ios-ctrl-c",
                         "ios-help", "long-10k", "long-quoted-40k"}
# vector -> (resource for variable `var`, ids validation must refuse, words the refusal holds)
VECTORS: dict[str, tuple[Callable[[str], dict[str, Any]], set[str], tuple[str, ...]]] = {
    "defender_path": (lambda var: {"kind": "defender_exclusion", "type": "path", "value": var}, _NOT_IN_PATHS,
                      ("must not contain", "at most")),
    "defender_process": (lambda var: {"kind": "defender_exclusion", "type": "process", "value": var},
                         _NOT_IN_PATHS, ("must not contain", "at most")),
    "firewall_name": (lambda var: {"kind": "firewall_rule", "name": var, "local_port": 25}, _NOT_IN_RULE_NAMES,
                      ("must not contain", "at most")),
    "service_name": (lambda var: {"kind": "windows_service", "name": var, "state": "running"},
                     _NOT_IN_SERVICE_NAMES, ("must not contain", "at most")),
}


def stored(vector: str, state: dict[str, Any]) -> list[str]:
    if vector.startswith("defender_"):
        return state["defender"]["exclusions"][vector.removeprefix("defender_")]
    if vector == "firewall_name":
        return [rule["name"] for rule in state["firewall"]["rules"]]
    return [name for name, service in state["services"].items() if service["display_name"] == "hostile"
            and service["state"] == "running"]


@pytest.mark.parametrize("vector", list(VECTORS))
def test_hostile_strings_arrive_verbatim_or_are_refused(vector, hostile_strings, make_lab, cli, rules_file):
    build, refused, words = VECTORS[vector]
    ids = list(hostile_strings)
    accepted = [(n, i) for n, i in enumerate(ids) if i not in refused]
    variables = {f"hostile_{n}": hostile_strings[i] for n, i in enumerate(ids)}
    # Services must exist to be started: the lab gets one stopped service per accepted name (and nothing else).
    services = {hostile_strings[i]: {"display_name": "hostile", "state": "stopped", "start_mode": "manual"}
                for _, i in accepted}
    lab = make_lab({HOST: {"state": {"defender": {"installed": True}, "firewall": {"rules": []},
                                     "services": services if vector == "service_name" else {}}}},
                   platform="win2012r2-ex2013", vars=variables)
    sim, endpoint = lab.hosts[HOST].sim, lab.hosts[HOST].endpoint
    original = snapshot(lab)

    # Refused, exactly the listed ones: the model says so for each; `validate` (for a sample: each run reloads
    # everything) names the file, the resource and the reason in one line and contacts no host.
    model = KINDS[build("x")["kind"]].spec_model
    for id_ in ids:
        try:
            model.model_validate(build(hostile_strings[id_]))
        except ValidationError as exc:
            assert id_ in refused and any(word in str(exc) for word in words), (id_, str(exc))
        else:
            assert id_ not in refused, id_
    for n, id_ in [(n, i) for n, i in enumerate(ids) if i in refused][::10]:
        book = rules_file([build(f"{{{{ hostile_{n} }}}}")], rule_id=f"refused-{n}")
        endpoint.counters.reset()
        code, out, err = cli("validate", "-p", str(book))
        line = err.strip()
        assert code == 1 and "\n" not in line and "Traceback" not in err, (id_, err)
        assert f"{book}:" in line and "rules[0].resources[0]" in line, (id_, line)
        assert any(word in line for word in words), (id_, line)
        assert endpoint.counters.snapshot().requests == 0

    # Accepted: applied in one run, stored verbatim (paths in their normalised spelling), by the intended ops only.
    book = rules_file([build(f"{{{{ hostile_{n} }}}}") for n, _ in accepted], rule_id="accepted")
    sim.op_log.clear()
    code, result = cli.json("apply", "-p", str(book), "--yes")
    assert code == 0 and result["hosts"][0]["outcome"] == "applied", result["hosts"][0]
    expected = [hostile_strings[i] for _, i in accepted]
    if vector.startswith("defender_"):
        expected = [normalize_path(text) for text in expected]
    assert sorted(stored(vector, snapshot(lab))) == sorted(expected)
    kind = build("x")["kind"]
    reads, writes = {"defender_exclusion": ("defender.get", "defender.add"),
                     "firewall_rule": ("firewall.get", "firewall.set"),
                     "windows_service": ("service.get", "service.set")}[kind]
    assert {op for op, _ in sim.op_log} == {"facts", reads, writes}
    assert sum(1 for op, _ in sim.op_log if op == writes) == len(accepted)

    code, plan = cli.json("plan", "-p", str(book))
    assert code == 0, [i for i in plan["hosts"][0]["items"] if i["status"] != "compliant"][:3]
    code, undone = cli.json("rollback", result["run_id"])
    assert code == 0 and undone["hosts"][0]["outcome"] == "applied", undone
    assert snapshot(lab) == original
