"""The diagnosis from a plan, without a lab: tables of plan items in, cases, ranking and advice out.

tests/e2e/test_diagnose.py runs the same engine on the lab's fleets; here each rule of interpretation gets its own
small plan, including the ones the lab does not produce (a host that cannot be read, a probe that errors, events
in the window while the queue drains, a smart host that is right but does not answer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from remediate.cli.exitcodes import ExitCode, for_diagnosis
from remediate.diagnose import diagnose
from remediate.diagnose.model import CaseStatus, Verdict
from remediate.engine.model import ErrorInfo, FieldDiff, HostPlan, HostStatus, ItemStatus, Plan, PlanItem
from remediate.inventory import load_inventory
from remediate.playbook import load_catalog

RULES = """
rules:
  - {id: smart, cases: [2], title: t, cause: c, source: S2, resources: [{kind: registry_value, hive: HKLM, key: K, name: a, type: REG_DWORD, data: 1}]}
  - {id: svc, cases: [4], title: t, cause: c, source: S4, resources: [{kind: registry_value, hive: HKLM, key: K, name: b, type: REG_DWORD, data: 1}]}
  - {id: banner, cases: [5], remedy: manual, advice: fix the peer's banner, title: t, cause: c, source: S5, resources: [{kind: registry_value, hive: HKLM, key: K, name: c, type: REG_DWORD, data: 1}]}
  - {id: unmasked, cases: [9], remedy: manual, advice: remove the inspection, title: t, cause: c, source: S9, resources: [{kind: registry_value, hive: HKLM, key: K, name: d, type: REG_DWORD, data: 1}]}
  - {id: smsmse, cases: [7], evidence: indirect, remedy: manual, advice: turn heuristics off, title: t, cause: c, source: S7, resources: [{kind: registry_value, hive: HKLM, key: K, name: e, type: REG_DWORD, data: 1}]}
  - {id: av, cases: [8, 3], title: t, cause: c, source: S8, resources: [{kind: registry_value, hive: HKLM, key: K, name: f, type: REG_DWORD, data: 1}]}
  - {id: plain, title: t, cause: c, source: S0, resources: [{kind: registry_value, hive: HKLM, key: K, name: g, type: REG_DWORD, data: 1}]}
  - {id: symptom-queue, title: t, cause: c, source: KB, remedy: manual, resources: [{kind: mail_queue_probe}]}
  - {id: symptom-event, title: t, cause: c, source: KB, remedy: manual, resources: [{kind: event_log_probe}]}
"""
INVENTORY = """
connection: {scheme: http, transport: ntlm, user: u, password: {env: X}}
hosts:
  ex: {connection: {address: 127.0.0.1, port: 1}, vars: {smtp_next_hop: 'relay:25', smtp_path_routers: [rtr]}}
  bare: {connection: {address: 127.0.0.1, port: 2}}
  rtr: {connection: {type: ios_ssh, address: 127.0.0.1, port: 3, user: r}}
  other-rtr: {connection: {type: ios_ssh, address: 127.0.0.1, port: 4, user: r}}
"""
FACTS = {"hostname": "EX", "os_version": "6.3.9600", "exchange_version": "15.0.1497.2", "antivirus": []}
QUEUE_ERROR = "451 4.4.0 Primary target IP address responded with: " + "x" * 300 + " the end"


def item(rule: str, status: ItemStatus, kind: str = "registry_value", before: Any = None, **extra: Any) -> PlanItem:
    remedy = "manual" if rule in ("banner", "unmasked", "smsmse") or kind != "registry_value" else "auto"
    return PlanItem(rule_id=rule, rule_title=f"rule {rule}", source=f"source of {rule}", remedy=remedy,
                    advice=f"advice of {rule}" if remedy == "manual" else None, kind=kind,
                    identity=extra.pop("identity", {}), description=f"{kind} of {rule}", status=status,
                    before=before, **extra)


def queues(*stuck: tuple[str, str, int], ready: int = 2) -> PlanItem:
    listed = [{"identity": f"q{n}", "status": "Ready", "message_count": 0, "next_hop": f"h{n}", "last_error": None}
              for n in range(ready)]
    listed += [{"identity": ident, "status": "Retry", "message_count": count, "next_hop": hop,
                "last_error": QUEUE_ERROR} for ident, hop, count in stuck]
    diff = [FieldDiff(path=f"stuck[{q['identity']}]", before={k: q[k] for k in ("status", "message_count",
                                                                                 "next_hop", "last_error")})
            for q in listed if q["status"] == "Retry"]
    return item("symptom-queue", ItemStatus.FAILED if stuck else ItemStatus.COMPLIANT, "mail_queue_probe",
                {"queues": listed, "truncated": False, "unavailable": None}, identity={"max_messages": 0},
                diff=diff, after={"stuck": [], "max_messages": 0})


def events(count: int) -> PlanItem:
    return item("symptom-event", ItemStatus.FAILED if count else ItemStatus.COMPLIANT, "event_log_probe",
                {"count": count, "newest": "2026-12-04T10:00:00Z" if count else None},
                identity={"since_minutes": 1440})


def banner(classification: str, rule: str = "banner") -> PlanItem:
    seen = {"connected": classification != "unreachable", "banner": {"masked": "220 ****2**0", "not_220": "hello",
                                                                      "ok": "220 relay ready"}.get(classification),
            "ehlo": ["500 5.5.1 Command unrecognized"] if classification == "masked" else [],
            "classification": classification, "banner_ok": classification == "ok",
            "masked": classification == "masked", "error": "refused" if classification == "unreachable" else None}
    return item(rule, ItemStatus.COMPLIANT if classification == "ok" else ItemStatus.FAILED, "smtp_banner_probe",
                seen, identity={"host": "relay", "port": 25, "require": "banner", "timeout_ms": 300})


def run(tmp_path: Path, *hosts: HostPlan) -> Any:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "inventory.yaml").write_text(INVENTORY, encoding="utf-8")
    plan = Plan(inventory=str(tmp_path / "inventory.yaml"), playbooks=[], fingerprint="x", hosts=list(hosts))
    result = diagnose(plan, load_catalog([tmp_path / "rules.yaml"]), load_inventory(tmp_path / "inventory.yaml"))
    return {h.host: h for h in result.hosts}, result


def host(items: list[PlanItem], name: str = "ex", facts: dict[str, Any] | None = None) -> HostPlan:
    return HostPlan(host=name, endpoint=f"http://{name}/wsman", status=HostStatus.DRIFT, facts=facts or FACTS,
                    items=items)


def router(lines: list[str], name: str = "rtr") -> HostPlan:
    status = ItemStatus.DRIFT if lines else ItemStatus.COMPLIANT
    return HostPlan(host=name, endpoint=f"ssh://{name}", status=HostStatus.DRIFT,
                    facts={"os_caption": "Cisco IOS Software"},
                    items=[item("unmasked", status, "ios_config_line", {"lines": lines})])


HEALTHY = [item(r, ItemStatus.COMPLIANT, before={"exists": True, "type": "REG_DWORD", "data": 1})
           for r in ("smart", "svc", "smsmse", "av", "plain")]


def test_a_healthy_host_has_no_cause_and_every_case_decided(tmp_path: Path) -> None:
    hosts, result = run(tmp_path, host([*HEALTHY, banner("ok"), queues(), events(0)]))
    ex = hosts["ex"]
    assert ex.verdict is Verdict.HEALTHY and ex.causes == [] and for_diagnosis(result) is ExitCode.OK
    statuses = {c.case: c.status for c in ex.cases}
    assert statuses[2] is statuses[4] is statuses[5] is CaseStatus.NOT_FOUND
    assert statuses[1] is CaseStatus.COULD_NOT_TELL  # no rule of these playbooks looks at case 1
    assert any("case 1" in n for n in ex.next_checks)


def test_an_unreadable_host_cannot_tell_any_case_and_exits_1(tmp_path: Path) -> None:
    down = HostPlan(host="ex", endpoint="http://ex/wsman", status=HostStatus.ERROR,
                    error=ErrorInfo(type="unreachable", message="connection refused"))
    hosts, result = run(tmp_path, down)
    ex = hosts["ex"]
    assert ex.verdict is Verdict.UNREADABLE and {c.status for c in ex.cases} == {CaseStatus.COULD_NOT_TELL}
    assert "connection refused" in ex.headline and for_diagnosis(result) is ExitCode.ERROR


@pytest.mark.parametrize("classification, ranked", [
    ("unreachable", [(1, [4])]),  # no TCP connection: blocked on the way (or the next hop is down)
    ("no_banner", [(5, [])]),  # connected, said nothing: no banner
    ("not_220", [(5, [])]),
    ("masked", [(9, [])]),  # asterisks: SMTP inspection on the path
])
def test_a_failed_banner_probe_is_filed_by_what_it_saw(tmp_path: Path, classification: str,
                                                        ranked: list[tuple[int, list[int]]]) -> None:
    hosts, _ = run(tmp_path, host([*HEALTHY, banner(classification), queues(("q", "relay", 42)), events(0)]))
    assert [(c.case, c.also_cases) for c in hosts["ex"].causes] == ranked


def test_no_banner_behind_a_router_that_inspects_smtp_is_case_9_first(tmp_path: Path) -> None:
    hosts, _ = run(tmp_path, host([*HEALTHY, banner("no_banner")]),
                   router(["ip inspect name FW smtp timeout 3600"]))
    top = hosts["ex"].causes[0]
    assert (top.case, top.also_cases, top.changes, top.fix) == (9, [5], 1, "remediate")
    assert any("router rtr on this host's mail path" in r for r in top.reasons)
    assert hosts["rtr"].on_path_of == ["ex"] and hosts["rtr"].causes[0].case == 9
    assert any("--limit rtr" in n for n in hosts["ex"].next_checks)
    assert {h.id: h.state.value for h in hosts["ex"].path}["router"] == "broken"


def test_a_router_not_on_the_path_is_only_a_lead(tmp_path: Path) -> None:
    hosts, _ = run(tmp_path, host([*HEALTHY, banner("no_banner")]), router([], name="rtr"),
                   router(["ip inspect name FW smtp"], name="other-rtr"))
    top = hosts["ex"].causes[0]
    assert (top.case, top.also_cases) == (5, [9])
    assert {c.case: c.status for c in hosts["ex"].cases}[9] is CaseStatus.FOUND  # as the lead, second
    assert hosts["other-rtr"].causes[0].score == 40  # a router is no lead for itself


def test_stuck_queue_to_the_wrong_smart_host_ranks_case_2_over_an_indirect_cause(tmp_path: Path) -> None:
    wrong = item("smart", ItemStatus.DRIFT, "exchange2003_smtp_vs", {"smart_host": "old.relay.invalid"},
                 after={"smart_host": "[10.0.0.25]"},
                 diff=[FieldDiff(path="smart_host", before="old.relay.invalid", after="[10.0.0.25]")])
    smsmse = item("smsmse", ItemStatus.MANUAL, before={"exists": True})
    hosts, _ = run(tmp_path, host([wrong, smsmse, queues(("SMTP/1/old.relay.invalid", "OLD.relay.invalid.", 30)),
                                   events(12)]))
    ex = hosts["ex"]
    assert [(c.case, c.fix, c.changes) for c in ex.causes] == [(2, "remediate", 1), (7, "person", 0)]
    assert ex.causes[0].score > ex.causes[1].score
    assert [a.text for a in ex.causes[1].advice] == ["advice of smsmse"]
    assert "smart_host: \"old.relay.invalid\" -> \"[10.0.0.25]\"" in ex.causes[0].reasons[0]


def test_a_right_smart_host_with_a_stuck_queue_is_inferred_down(tmp_path: Path) -> None:
    right = item("smart", ItemStatus.COMPLIANT, "exchange_send_connector", {"smart_hosts": ["relay1", "relay2"]})
    hosts, _ = run(tmp_path, host([right, queues(("EX\\3", "relay2", 8)), events(0)]))
    ex = hosts["ex"]
    assert [c.case for c in ex.causes] == [4]
    (found,) = [c for c in ex.cases if c.case == 4]
    assert found.status is CaseStatus.FOUND and found.evidence[0].status == "inferred"
    assert {h.id: h.state.value for h in ex.path}["next_hop"] == "broken"


def test_secondary_cases_are_named_with_the_first_not_ranked_twice(tmp_path: Path) -> None:
    av = item("av", ItemStatus.DRIFT, before={"exists": False})
    hosts, _ = run(tmp_path, host([av, queues(("q", "relay", 3))]))
    ex = hosts["ex"]
    assert [(c.case, c.also_cases) for c in ex.causes] == [(8, [3])]
    (case3,) = [c for c in ex.cases if c.case == 3]
    assert case3.status is CaseStatus.FOUND and case3.evidence_of == [8]


def test_symptoms_with_no_case_found_point_at_what_to_check_next(tmp_path: Path) -> None:
    hosts, result = run(tmp_path, host([*HEALTHY, banner("ok"), queues(("q", "relay", 42)), events(5)]))
    ex = hosts["ex"]
    assert ex.verdict is Verdict.SYMPTOMS and ex.causes == [] and for_diagnosis(result) is ExitCode.PENDING
    assert any("If the other causes do not apply, the metabase may be corrupted" in n for n in ex.next_checks)
    assert ex.symptoms.stuck[0].last_error == QUEUE_ERROR  # whole, never cut


def test_events_in_the_window_while_the_queue_drains_are_history(tmp_path: Path) -> None:
    hosts, _ = run(tmp_path, host([*HEALTHY, banner("ok"), queues(), events(7)]))
    ex = hosts["ex"]
    assert ex.verdict is Verdict.SYMPTOMS
    assert any(n.startswith("no queue is stuck now: mail flows again") for n in ex.next_checks)


def test_stuck_queues_are_listed_first_and_the_fullest_first(tmp_path: Path) -> None:
    hosts, _ = run(tmp_path, host([queues(("small", "a", 2), ("big", "b", 90), ready=5)]))
    listed = [q.identity for q in hosts["ex"].symptoms.queues]
    assert listed[:2] == ["big", "small"] and len(listed) == 7
    assert hosts["ex"].symptoms.summary.startswith("92 messages stuck in 2 queues in Retry")


def test_a_probe_that_errors_leaves_its_case_untold(tmp_path: Path) -> None:
    broken = item("svc", ItemStatus.ERROR, error="Failed: access denied")
    hosts, _ = run(tmp_path, host([broken, queues()]))
    (case4,) = [c for c in hosts["ex"].cases if c.case == 4]
    assert case4.status is CaseStatus.COULD_NOT_TELL and "access denied" in case4.reason
    assert any(n.startswith("case 4 (") for n in hosts["ex"].next_checks)


def test_findings_of_rules_without_cases_are_reported_apart(tmp_path: Path) -> None:
    plain = item("plain", ItemStatus.DRIFT, before={"exists": False})
    hosts, result = run(tmp_path, host([plain, queues()]))
    ex = hosts["ex"]
    assert ex.verdict is Verdict.FINDINGS and ex.causes == [] and [e.rule_id for e in ex.other_findings] == ["plain"]
    assert ex.apply_changes == 1 and for_diagnosis(result) is ExitCode.PENDING


def test_a_host_without_symptom_rules_or_next_hop_says_what_to_set(tmp_path: Path) -> None:
    hosts, _ = run(tmp_path, host(HEALTHY, name="bare"))
    bare = hosts["bare"]
    assert bare.verdict is Verdict.UNKNOWN and bare.symptoms.state == "unknown"
    assert any("smtp_next_hop" in n for n in bare.next_checks)


def test_cases_out_of_range_are_refused_with_the_playbook_line(tmp_path: Path) -> None:
    from remediate.errors import InputError

    (tmp_path / "bad.yaml").write_text("rules:\n  - {id: x, cases: [11], title: t, cause: c, source: s}\n")
    catalog = load_catalog([tmp_path / "bad.yaml"])
    with pytest.raises(InputError) as caught:
        catalog.render({}, "h")
    assert "cases" in str(caught.value) and "bad.yaml" in str(caught.value)


def test_hostile_strings_reach_text_and_html_as_text(tmp_path: Path, hostile_strings: dict[str, str]) -> None:
    """What a host says (a queue's last error, a banner, a registry value) is shown, never interpreted: rich markup
    stays literal in the terminal, HTML stays text in the page."""
    import io

    from rich.console import Console

    from remediate.reports.diagnose_html import render_diagnosis_html
    from remediate.reports.diagnose_text import print_diagnosis

    texts = [*hostile_strings.values(), "[bold red]not markup[/]", "\x1b]0;retitled\x07\x1b[2J",
             "<script>alert(1)</script>"]
    stuck = [(f"q{n}", "relay", 1) for n in range(len(texts))]
    plan_items = [queues(*stuck)]
    for n, text in enumerate(texts):  # every stuck queue says one hostile text as its last error
        plan_items[0].before["queues"][2 + n]["last_error"] = text
    plan_items.append(item("plain", ItemStatus.DRIFT, before={"exists": True, "type": "REG_SZ", "data": texts[-1]}))
    _, result = run(tmp_path, host(plan_items))
    out = io.StringIO()
    print_diagnosis(result, Console(file=out, width=200, color_system=None, highlight=False, soft_wrap=True))
    text = out.getvalue()
    assert "[bold red]not markup[/]" in text and "<script>alert(1)</script>" in text
    assert "\x1b" not in text and "\\x1b]0;retitled\\x07" in text  # remediate/safetext.py: shown, not obeyed
    page = render_diagnosis_html(result)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
