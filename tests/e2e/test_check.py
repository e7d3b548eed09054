"""`remediate check` end to end: CLI -> engine -> real pywinrm -> lab WS-Management -> simulated hosts.

Nothing is patched. "Never writes" is asserted as the lab's write counter and an unchanged registry snapshot.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import jsonschema

KEY = "SOFTWARE\\Remediate\\Check"
HOST = "ex1"
SCHEMA = Path(__file__).resolve().parent.parent / "data" / "sarif-schema-2.1.0.json"

DESIRED = [
    {"hive": "HKLM", "key": KEY, "name": "Port", "type": "REG_DWORD", "data": 25},
    {"hive": "HKLM", "key": KEY, "name": "Banner", "type": "REG_SZ", "data": "220 ready"},
]
COMPLIANT = {"HKLM": {KEY: {"Port": {"type": "REG_DWORD", "data": 25},
                            "Banner": {"type": "REG_SZ", "data": "220 ready"}}}}
DRIFTED = {"HKLM": {KEY: {"Port": {"type": "REG_DWORD", "data": 24},
                          "Banner": {"type": "REG_SZ", "data": "220 ready"}}}}


def reports(tmp_path: Path) -> tuple[list[str], dict[str, Path]]:
    paths = {"junit": tmp_path / "out" / "junit.xml", "json": tmp_path / "out" / "check.json",
             "html": tmp_path / "out" / "check.html", "sarif": tmp_path / "out" / "check.sarif"}
    args: list[str] = []
    for fmt, path in paths.items():
        args += ["--report", f"{fmt}={path}"]
    return args, paths


def waiver_file(tmp_path: Path, expires: date, host: str = HOST, rule: str = "test-rule") -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(f"waivers:\n  - host: '{host}'\n    rule: {rule}\n    justification: change CHG-1 pending\n"
                    f"    expires: {expires.isoformat()}\n", encoding="utf-8")
    return path


def test_check_on_drift_writes_all_four_reports_exits_2_and_writes_nothing(make_lab, cli, playbook, tmp_path):
    lab = make_lab({HOST: DRIFTED, "ex2": COMPLIANT})
    book = playbook(DESIRED)
    before = lab.hosts[HOST].sim.registry.snapshot()
    args, paths = reports(tmp_path)
    code, out, err = cli("check", "-p", str(book), *args)
    assert code == 2, (out, err)
    assert "REG_DWORD 24 -> REG_DWORD 25" in out and "exit 2" in out
    assert lab.total_writes() == 0
    assert lab.hosts[HOST].sim.registry.snapshot() == before

    junit = ET.parse(paths["junit"]).getroot()
    cases = {(c.get("classname"), c.get("name")): c for c in junit.iter("testcase")}
    assert set(cases) == {(HOST, "test-rule"), ("ex2", "test-rule")}
    failure = cases[(HOST, "test-rule")].find("failure")
    assert failure is not None and "Port" in failure.get("message") and "REG_DWORD 24" in failure.get("message")
    assert "Banner" not in failure.get("message")
    assert cases[("ex2", "test-rule")].find("failure") is None

    doc = json.loads(paths["json"].read_text())
    assert doc["format"] == "remediate.plan" and doc["check"]["exit_code"] == 2
    assert doc["check"]["verdict"] == "drift" and doc["check"]["counts"]["drift"] == 1

    sarif = json.loads(paths["sarif"].read_text())
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(sarif)
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == "test-rule" and HOST in result["message"]["text"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == doc["hosts"][0]["items"][0]["defined_at"]["line"]
    assert [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]] == ["test-rule"]
    assert sarif["runs"][0]["tool"]["driver"]["rules"][0]["fullDescription"]["text"] == "a test"

    page = paths["html"].read_text()
    assert HOST in page and "ex2" in page and "test-rule" in page and "REG_DWORD 24" in page
    assert "http://" not in page.replace(lab.hosts[HOST].endpoint.url, "").replace(
        lab.hosts["ex2"].endpoint.url, "")  # the only URLs are the endpoints, shown as text


def test_check_on_compliant_host_exits_0(make_lab, cli, playbook, tmp_path):
    lab = make_lab({HOST: COMPLIANT})
    args, paths = reports(tmp_path)
    code, out, _ = cli("check", "-p", str(playbook(DESIRED)), *args)
    assert code == 0, out
    assert "Check: compliant" in out
    assert ET.parse(paths["junit"]).getroot().get("failures") == "0"
    assert json.loads(paths["sarif"].read_text())["runs"][0]["results"] == []
    assert lab.total_writes() == 0


def test_fail_on_error_with_only_drift_exits_0(make_lab, cli, playbook):
    lab = make_lab({HOST: DRIFTED})
    code, doc = cli.json("check", "-p", str(playbook(DESIRED)), "--fail-on", "error")
    assert code == 0
    assert doc["check"]["verdict"] == "drift" and doc["check"]["failed"] is False
    assert lab.total_writes() == 0


def test_unreachable_host_exits_1_whatever_fail_on_says(make_lab, cli, playbook, tmp_path):
    lab = make_lab({HOST: COMPLIANT, "ex2": COMPLIANT})
    dead = lab.hosts["ex2"].endpoint.port
    cli.inventory.write_text(cli.inventory.read_text().replace(f"port: {dead}", "port: 9"))
    args, paths = reports(tmp_path)
    for fail_on in ("drift", "error"):
        code, out, _ = cli("check", "-p", str(playbook(DESIRED)), "--fail-on", fail_on, *args)
        assert code == 1, out
    junit = ET.parse(paths["junit"]).getroot()
    errors = [c for c in junit.iter("testcase") if c.find("error") is not None]
    assert [(c.get("classname"), c.find("error").get("type")) for c in errors] == [("ex2", "unreachable")]


def test_waived_drift_passes_expired_fails_and_unused_warns(make_lab, cli, playbook, tmp_path):
    lab = make_lab({HOST: DRIFTED})
    book = playbook(DESIRED)
    today = date.today()
    active = waiver_file(tmp_path, today + timedelta(days=30))
    code, out, _ = cli("check", "-p", str(book), "--waivers", str(active))
    assert code == 0, out
    assert "waived" in out and "change CHG-1 pending" in out

    expired = waiver_file(tmp_path, today - timedelta(days=1))
    args, paths = reports(tmp_path)
    code, out, _ = cli("check", "-p", str(book), "--waivers", str(expired), *args)
    assert code == 2, out
    assert "EXPIRED" in out and f"{expired}:2" in out
    failure = next(ET.parse(paths["junit"]).getroot().iter("failure"))
    assert "expired" in failure.get("message")

    unused = waiver_file(tmp_path, today + timedelta(days=30), host="no-such-host")
    code, out, _ = cli("check", "-p", str(book), "--waivers", str(unused), "--fail-on", "error")
    assert code == 0, out
    assert "unused waiver" in out and "no-such-host" in out
    assert lab.total_writes() == 0


def test_bad_inputs_exit_1_before_any_host_is_contacted(make_lab, cli, playbook, tmp_path):
    lab = make_lab({HOST: DRIFTED})
    book = playbook(DESIRED)
    bad = tmp_path / "bad-waivers.yaml"
    bad.write_text("waivers:\n  - host: ex1\n    rule: test-rule\n    expires: 2030-01-01\n", encoding="utf-8")
    lab.hosts[HOST].endpoint.counters.reset()
    code, _, err = cli("check", "-p", str(book), "--waivers", str(bad))
    assert code == 1
    assert f"{bad}:2: waivers[0].justification: required field is missing" in err
    code, _, err = cli("check", "-p", str(book), "--report", "pdf=out.pdf")
    assert code == 1 and "unknown format 'pdf'" in err
    code, _, err = cli("check", "-p", str(book), "--report", "junit")
    assert code == 1 and "FORMAT=PATH" in err
    assert lab.hosts[HOST].endpoint.counters.snapshot().requests == 0
