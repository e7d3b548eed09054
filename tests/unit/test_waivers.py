"""Waivers: loading (errors name file, line and field), and what an active, expired or unused waiver does."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from remediate.engine.model import ErrorInfo, HostPlan, HostStatus, ItemStatus, Plan, PlanItem
from remediate.errors import InputError
from remediate.waivers import assess, load_waivers

TODAY = date(2026, 6, 1)


def item(rule: str, status: str = "drift") -> PlanItem:
    return PlanItem(rule_id=rule, rule_title=rule, source="KB 0", kind="registry_value",
                    identity={"name": rule}, description=f"HKLM\\K\\{rule}", status=ItemStatus(status),
                    before={"exists": False}, after={"exists": True, "type": "REG_DWORD", "data": 1})


def plan(**hosts: list[PlanItem]) -> Plan:
    out = []
    for name, items in hosts.items():
        drifting = any(i.status in (ItemStatus.DRIFT, ItemStatus.MANUAL, ItemStatus.FAILED) for i in items)
        out.append(HostPlan(host=name.replace("_", "-"), endpoint="http://x/wsman",
                            status=HostStatus.DRIFT if drifting else HostStatus.COMPLIANT, items=items))
    return Plan(inventory="inv.yaml", playbooks=["p.yaml"], fingerprint="0", hosts=out)


def waivers_file(write, body: str) -> Path:  # type: ignore[no-untyped-def]
    return write("waivers.yaml", "waivers:\n" + body)


def entry(host: str, rule: str, expires: str, why: str = "accepted risk, ticket 7") -> str:
    return f"  - host: '{host}'\n    rule: {rule}\n    justification: {why}\n    expires: {expires}\n"


def test_active_waiver_waives_drift_and_the_check_passes(write):
    path = waivers_file(write, entry("ex2003-*", "av-exclusions", "2026-12-31"))
    waivers = load_waivers(path)
    assert waivers[0].where == f"{path}:2"
    result = assess(plan(ex2003_a=[item("av-exclusions"), item("port", "compliant")]), waivers, today=TODAY)
    assert result.is_waived("ex2003-a", 0)
    assert result.verdict == "compliant" and not result.failed
    assert result.counts()["waived"] == 1 and result.counts()["drift"] == 0
    assert result.unused == []


def test_waiver_holds_through_its_expiry_day_and_not_after(write):
    waivers = load_waivers(waivers_file(write, entry("h", "r", "2026-06-01")))
    assert assess(plan(h=[item("r")]), waivers, today=date(2026, 6, 1)).is_waived("h", 0)
    after = assess(plan(h=[item("r")]), waivers, today=date(2026, 6, 2))
    assert not after.is_waived("h", 0)
    assert after.waiver_for("h", 0).status == "expired"


def test_expired_waiver_does_not_waive_and_is_named(write):
    path = waivers_file(write, entry("h*", "r", "2026-05-31"))
    result = assess(plan(h1=[item("r")]), load_waivers(path), today=TODAY)
    assert result.verdict == "drift" and result.failed
    found = result.waiver_for("h1", 0)
    assert found is not None and found.status == "expired" and found.entry.where == f"{path}:2"
    applied = result.waiver_results()["applied"]
    assert applied[0]["status"] == "expired" and applied[0]["waiver"]["expires"] == "2026-05-31"
    assert result.counts()["expired_waivers"] == 1 and result.counts()["drift"] == 1


def test_an_active_waiver_wins_over_an_expired_one(write):
    body = entry("h", "r", "2020-01-01", "old") + entry("*", "r", "2030-01-01", "renewed")
    result = assess(plan(h=[item("r")]), load_waivers(waivers_file(write, body)), today=TODAY)
    found = result.waiver_for("h", 0)
    assert found.status == "waived" and found.entry.waiver.justification == "renewed"
    assert result.unused == []  # the expired one matched too: it is not unused, just superseded


@pytest.mark.parametrize("body, reason", [
    (entry("nohost-*", "r", "2030-01-01"), "no checked host matches 'nohost-*'"),
    (entry("h", "no-such-rule", "2030-01-01"), "no rule 'no-such-rule' in the playbooks"),
    (entry("h", "clean", "2030-01-01"), "rule 'clean' shows no drift"),
    (entry("h", "clean", "2020-01-01"), "(and it expired on 2020-01-01)"),
])
def test_unused_waiver_is_a_warning_with_a_reason(write, body, reason):
    result = assess(plan(h=[item("clean", "compliant")]), load_waivers(waivers_file(write, body)), today=TODAY,
                    known_rules={"r", "clean"})
    assert len(result.unused) == 1 and reason in result.unused[0].reason
    assert result.verdict == "compliant" and not result.failed  # unused is never a failure


def test_waivers_never_hide_errors(write):
    waivers = load_waivers(waivers_file(write, entry("*", "r", "2030-01-01")))
    unread = HostPlan(host="down", endpoint="x", status=HostStatus.ERROR,
                      error=ErrorInfo(type="unreachable", message="connection refused"))
    p = plan(h=[item("r", "error")])
    p.hosts[0].status = HostStatus.ERROR
    p.hosts.append(unread)
    result = assess(p, waivers, today=TODAY)
    assert result.verdict == "error" and result.failed
    assert result.waiver_for("h", 0) is None
    assert "could not be read" not in result.unused[0].reason  # "h" was read; its item errored
    only_down = assess(Plan(inventory="i", playbooks=[], fingerprint="0", hosts=[unread]), waivers, today=TODAY)
    assert "could not be read" in only_down.unused[0].reason


def test_manual_drift_and_failed_probes_can_be_waived_and_fail_on_error_ignores_drift(write):
    waivers = load_waivers(waivers_file(write, entry("h", "m", "2030-01-01") + entry("h", "p", "2030-01-01")))
    result = assess(plan(h=[item("m", "manual"), item("p", "failed"), item("d")]), waivers, today=TODAY,
                    fail_on="error")
    assert result.is_waived("h", 0) and result.is_waived("h", 1)
    assert result.verdict == "drift" and not result.failed
    assert result.counts()["drift"] == 1 and result.counts()["waived"] == 2


@pytest.mark.parametrize("body, line, field, problem", [
    (entry("h", "r", "2030-01-01").replace("    justification: accepted risk, ticket 7\n", ""),
     2, "waivers[0].justification", "required field is missing"),
    (entry("h", "r", "2030-01-01") + entry("h", "r", "31/12/2030"), 9, "waivers[1].expires", "YYYY-MM-DD"),
    # ruamel raises a bare ValueError for an impossible date; the loader still finds its line.
    (entry("h", "r", "2030-01-01") + entry("h", "r", "2030-02-30"), 9, "waivers[1].expires", "outside expected range"),
    (entry("h", "r", "'2030-01-01T10:00:00'"), 5, "waivers[0].expires", "YYYY-MM-DD"),
    (entry("h", "r", "2030-01-01") + "    reason: typo\n", 6, "waivers[0].reason", "unknown field"),
    (entry("h", "r", "2030-01-01").replace("accepted risk, ticket 7", "'  '"), 4, "waivers[0].justification",
     "must say why"),
    (entry("", "r", "2030-01-01"), 2, "waivers[0].host", "at least 1 character"),
])
def test_bad_waiver_file_names_file_line_and_field(write, body, line, field, problem):
    path = waivers_file(write, body)
    with pytest.raises(InputError) as caught:
        load_waivers(path)
    error = caught.value
    assert error.location.file == str(path)
    assert error.location.line == line, str(error)
    assert error.location.field == field, str(error)
    assert problem in error.problem
    assert str(error).startswith(f"{path}:{line}: {field}: ")


@pytest.mark.parametrize("text, problem", [
    ("", "empty"),
    ("- just a list\n", "expected a mapping with 'waivers:'"),
    ("waivers:\n  - host: [unclosed\n", "malformed YAML"),
    ("waivers: {}\n", "valid list"),
    ("waiver: []\n", "unknown field"),
])
def test_bad_waiver_file_shapes(write, text, problem):
    path = write("w.yaml", text)
    with pytest.raises(InputError) as caught:
        load_waivers(path)
    assert problem in str(caught.value) and str(path) in str(caught.value)


def test_missing_waiver_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_waivers(tmp_path / "nope.yaml")
