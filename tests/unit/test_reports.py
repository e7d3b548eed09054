"""Check reports from plans built in code: JUnit, SARIF (against the official 2.1.0 schema), HTML and JSON.

The fleet below is a table: host -> items (rule, value name, status, live, desired). One host is unreachable.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from remediate.engine.model import ErrorInfo, HostPlan, HostStatus, ItemStatus, Plan, PlanItem, SourceRef
from remediate.reports.html import render_html
from remediate.reports.jsonreport import build_json
from remediate.reports.junit import HOST_CASE, build_junit, write_junit
from remediate.reports.sarif import RuleInfo, build_sarif
from remediate.waivers import Waiver, WaiverEntry, assess

SCHEMA = Path(__file__).resolve().parent.parent / "data" / "sarif-schema-2.1.0.json"
KEY = "SOFTWARE\\Remediate\\Test"
TODAY = date(2026, 6, 1)


def dword(n: int) -> dict[str, Any]:
    return {"exists": True, "type": "REG_DWORD", "data": n}


ABSENT = {"exists": False}
# host -> [(rule id, value name, status, live, desired)]
FLEET: dict[str, list[tuple[str, str, str, Any, Any]]] = {
    "ex-drift": [("port-25", "Port", "drift", dword(24), dword(25)),
                 ("port-25", "Retry", "compliant", dword(3), dword(3)),
                 ("banner", "Banner", "drift", ABSENT, {"exists": True, "type": "REG_SZ", "data": "220 <ok> & go"}),
                 ("tnef", "Tnef", "not_applicable", None, dword(1))],
    "ex-probe": [("smtp-banner-probe", "Probe", "failed", {"banner": "421 busy"}, {"banner": "220 *"})],
    "ex-ok": [("port-25", "Port", "compliant", dword(25), dword(25)),
              ("banner", "Banner", "compliant", dword(1), dword(1)),
              ("tnef", "Tnef", "compliant", dword(1), dword(1))],
    "ex-waived": [("port-25", "Port", "drift", dword(587), dword(25)),
                  ("banner", "Banner", "error", None, dword(1)),
                  ("tnef", "Tnef", "manual", dword(0), dword(1))],
}
DRIFTING = {(h, rule) for h, rows in FLEET.items() for rule, _, status, _, _ in rows
            if status in ("drift", "manual", "failed")}
RULES = {"port-25": ("SMTP port is 25", "KB 297488 https://support.example.test/kb/297488"),
         "banner": ("SMTP banner <script>alert(1)</script>", "KB 0"), "tnef": ("TNEF is forced", "KB 919091"),
         "smtp-banner-probe": ("The smart host answers 220", "docs/reference/event-4006-causes.md case 2")}


def item(rule: str, name: str, status: str, before: Any, after: Any, line: int) -> PlanItem:
    return PlanItem(rule_id=rule, rule_title=RULES[rule][0], source=RULES[rule][1], kind="registry_value",
                    identity={"hive": "HKLM", "key": KEY, "name": name}, description=f"HKLM\\{KEY}\\{name}",
                    status=ItemStatus(status), before=before, after=after,
                    remedy="manual" if status == "manual" else "auto",
                    advice="ask the AV team" if status == "manual" else None,
                    error="Failed: access denied" if status == "error" else None,
                    defined_at=SourceRef(file=str(Path.cwd() / "playbooks" / f"{rule}.yaml"), line=line))


def make_plan() -> Plan:
    hosts = []
    for host, rows in FLEET.items():
        items = [item(*row, line=10 + n) for n, row in enumerate(rows)]
        statuses = {i.status for i in items}
        status = (HostStatus.ERROR if ItemStatus.ERROR in statuses else
                  HostStatus.DRIFT if statuses & {ItemStatus.DRIFT, ItemStatus.MANUAL, ItemStatus.FAILED}
                  else HostStatus.COMPLIANT)
        hosts.append(HostPlan(host=host, endpoint=f"http://{host}:5985/wsman", status=status, items=items))
    hosts.append(HostPlan(host="ex-down", endpoint="http://ex-down:5985/wsman", status=HostStatus.ERROR,
                          error=ErrorInfo(type="unreachable", message="connection refused")))
    return Plan(inventory="inventory.yaml", playbooks=["playbooks/all.yaml"], fingerprint="f" * 64, hosts=hosts)


def waiver(host: str, rule: str, expires: str, why: str = "vendor ticket 42", line: int = 2) -> WaiverEntry:
    return WaiverEntry(Waiver(host=host, rule=rule, justification=why, expires=date.fromisoformat(expires)),
                       "waivers.yaml", line)


@pytest.fixture
def assessment():  # type: ignore[no-untyped-def]
    return assess(make_plan(), [waiver("ex-waived", "port-25", "2027-01-01", line=2),
                                waiver("ex-waived", "tnef", "2026-01-01", line=6),
                                waiver("nothing-*", "banner", "2027-01-01", line=10)], today=TODAY)


# ---- JUnit ------------------------------------------------------------------------------------------------------


def test_junit_one_testcase_per_host_and_rule_failures_exactly_where_drift_is(assessment, tmp_path):
    path = tmp_path / "junit.xml"
    write_junit(assessment, path)
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    expected = {(h, rule) for h, rows in FLEET.items() for rule, *_ in rows} | {("ex-down", HOST_CASE)}
    assert set(cases) == expected
    assert len(list(root.iter("testcase"))) == len(expected)  # one per host and rule, not per resource
    failed = {key for key, c in cases.items() if c.find("failure") is not None}
    # ex-waived: port-25 is waived (skipped), tnef's waiver expired (fails), banner could not be read (error).
    assert failed == {("ex-drift", "port-25"), ("ex-drift", "banner"), ("ex-waived", "tnef"),
                      ("ex-probe", "smtp-banner-probe")}
    assert cases[("ex-probe", "smtp-banner-probe")].find("failure").get("type") == "probe"
    assert cases[("ex-waived", "tnef")].find("failure").get("type") == "manual"
    assert failed <= DRIFTING
    errored = {key for key, c in cases.items() if c.find("error") is not None}
    assert errored == {("ex-waived", "banner"), ("ex-down", HOST_CASE)}
    skipped = {key: c.find("skipped").get("message") for key, c in cases.items() if c.find("skipped") is not None}
    assert set(skipped) == {("ex-drift", "tnef"), ("ex-waived", "port-25")}
    assert skipped[("ex-waived", "port-25")].startswith("waived: vendor ticket 42")
    totals = {k: int(root.get(k)) for k in ("tests", "failures", "errors", "skipped")}
    assert totals == {"tests": len(expected), "failures": 4, "errors": 2, "skipped": 2}


def test_junit_failure_message_names_resource_live_and_desired(assessment):
    root = build_junit(assessment)
    case = next(c for c in root.iter("testcase") if (c.get("classname"), c.get("name")) == ("ex-drift", "port-25"))
    message = case.find("failure").get("message")
    assert f"HKLM\\{KEY}\\Port" in message and "REG_DWORD 24" in message and "REG_DWORD 25" in message
    assert "Retry" not in message  # compliant resources of the same rule are not failures
    banner = next(c for c in root.iter("testcase") if (c.get("classname"), c.get("name")) == ("ex-drift", "banner"))
    assert "(absent)" in banner.find("failure").get("message") and "220 <ok> & go" in banner.find("failure").get(
        "message")
    expired = next(c for c in root.iter("testcase") if (c.get("classname"), c.get("name")) == ("ex-waived", "tnef"))
    text = expired.find("failure").get("message")
    assert "waivers.yaml:6 expired on 2026-01-01" in text and "REG_DWORD 0" in text
    down = next(c for c in root.iter("testcase") if c.get("classname") == "ex-down")
    assert down.find("error").get("type") == "unreachable" and "connection refused" in down.find("error").get("message")


def test_junit_survives_values_xml_cannot_carry(tmp_path):
    plan = make_plan()
    # A value name may hold anything the registry allows; XML 1.0 cannot carry NUL or BEL at all.
    plan.hosts[0].items[0].description = "HKLM\\Key\\nul\x00 bell\x07 ok"
    path = tmp_path / "junit.xml"
    write_junit(assess(plan, today=TODAY), path)
    message = next(ET.parse(path).getroot().iter("failure")).get("message")
    assert "\\x00" in message and "\\x07" in message


# ---- SARIF ------------------------------------------------------------------------------------------------------


def rule_infos() -> dict[str, RuleInfo]:
    return {rid: RuleInfo(rid, title, source, f"cause of {rid}", f"playbooks/{rid}.yaml", 3)
            for rid, (title, source) in RULES.items()}


def test_sarif_validates_against_the_2_1_0_schema(assessment):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    log = build_sarif(assessment, rule_infos())
    jsonschema.Draft4Validator(schema).validate(log)
    jsonschema.Draft4Validator(schema).validate(build_sarif(assessment))  # without catalog rule data too


def test_sarif_rules_results_locations_and_suppressions(assessment):
    run = build_sarif(assessment, rule_infos())["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "remediate"
    rules = {r["id"]: r for r in driver["rules"]}
    assert set(rules) == set(RULES)
    assert rules["port-25"]["shortDescription"]["text"] == "SMTP port is 25"
    assert rules["port-25"]["fullDescription"]["text"] == "cause of port-25"
    assert rules["port-25"]["helpUri"] == "https://support.example.test/kb/297488"
    assert "helpUri" not in rules["tnef"] and rules["tnef"]["properties"]["source"] == "KB 919091"
    results = run["results"]
    by_key = {(r["properties"]["host"], r["ruleId"], r["locations"][0]["logicalLocations"][0]["name"]): r
              for r in results}
    reported = {(h, rule) for h, rule, _ in by_key}
    assert reported == DRIFTING | {("ex-waived", "banner")}  # drift, manual and the unreadable item
    port = by_key[("ex-drift", "port-25", f"HKLM\\{KEY}\\Port")]
    assert port["level"] == "error"
    text = port["message"]["text"]
    assert "ex-drift" in text and f"HKLM\\{KEY}\\Port" in text and "REG_DWORD 24" in text and "REG_DWORD 25" in text
    physical = port["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "playbooks/port-25.yaml", "uriBaseId": "%SRCROOT%"}
    assert physical["region"]["startLine"] == 10
    waived = by_key[("ex-waived", "port-25", f"HKLM\\{KEY}\\Port")]
    assert waived["suppressions"][0]["kind"] == "external"
    assert "vendor ticket 42" in waived["suppressions"][0]["justification"]
    expired = by_key[("ex-waived", "tnef", f"HKLM\\{KEY}\\Tnef")]
    assert "suppressions" not in expired and "expired on 2026-01-01" in expired["message"]["text"]
    assert run["invocations"][0]["executionSuccessful"] is False
    assert "ex-down" in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    assert len({r["partialFingerprints"]["remediateItem/v1"] for r in results}) == len(results)


def test_sarif_level_follows_fail_on():
    plan = make_plan()
    run = build_sarif(assess(plan, fail_on="error", today=TODAY))["runs"][0]
    levels = {(r["properties"]["host"], r["properties"]["status"], r["level"]) for r in run["results"]}
    assert ("ex-drift", "drift", "warning") in levels and ("ex-waived", "error", "error") in levels


def test_sarif_playbook_outside_the_current_dir_is_an_absolute_uri(tmp_path):
    plan = make_plan()
    plan.hosts[0].items[0].defined_at = SourceRef(file="/elsewhere/book.yaml", line=4)
    run = build_sarif(assess(plan, today=TODAY), base=tmp_path)["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "file:///elsewhere/book.yaml" in uris


# ---- HTML -------------------------------------------------------------------------------------------------------


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_and_names_every_host_and_drifting_rule(assessment):
    page = render_html(assessment, rule_infos())
    parser = PageParser()
    parser.feed(page)
    text = " ".join(parser.text)
    for host in [*FLEET, "ex-down"]:
        assert host in text
    for _host, rule in DRIFTING:
        assert rule in text
    assert "REG_DWORD 24" in text and "REG_DWORD 25" in text and "connection refused" in text
    assert "KB 297488" in text and "cause of tnef" in text  # each rule's source and cause
    assert "expired on 2026-01-01" in text and "nothing-*" in text  # expired and unused waivers
    assert "3 of 3" in text and "built-in method" not in text  # per-host counts render as numbers
    for tag, attrs in parser.tags:
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (tag, name, value)
        assert tag != "script", "no scripts at all"
        assert not (tag == "link" and "stylesheet" in (attrs.get("rel") or "")), "CSS is inline"
        assert tag not in ("img", "iframe", "object", "embed")
    assert "url(" not in page and "@import" not in page  # no fonts or images fetched from CSS
    assert any(tag == "meta" and attrs.get("name") == "viewport" for tag, attrs in parser.tags)
    assert "@media print" in page and "@media (max-width" in page


def test_html_escapes_what_hosts_and_playbooks_say(assessment):
    page = render_html(assessment, rule_infos())
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "220 &lt;ok&gt; &amp; go" in page


# ---- JSON -------------------------------------------------------------------------------------------------------


def test_json_is_the_plan_plus_check_results(assessment):
    doc = build_json(assessment, 1)
    plan = json.loads(assessment.plan.model_dump_json())
    assert {k: v for k, v in doc.items() if k != "check"} == plan
    assert doc["format"] == "remediate.plan" and doc["version"] == 2
    check = doc["check"]
    assert check["verdict"] == "error" and check["exit_code"] == 1 and check["fail_on"] == "drift"
    assert check["counts"]["waived"] == 1 and check["counts"]["expired_waivers"] == 1
    assert check["counts"]["drift"] == 4 and check["counts"]["hosts_error"] == 2
    assert check["counts"]["hosts_drift"] == 2 and check["counts"]["hosts_compliant"] == 1
    applied = {(a["host"], a["rule_id"], a["status"]) for a in check["waivers"]["applied"]}
    assert applied == {("ex-waived", "port-25", "waived"), ("ex-waived", "tnef", "expired")}
    assert [u["host"] for u in check["waivers"]["unused"]] == ["nothing-*"]
    Plan.model_validate({k: v for k, v in doc.items() if k != "check"})
