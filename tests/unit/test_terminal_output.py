"""What plan and check print for a person: the datum that decides a finding is never cut, and a host's header word
says what its findings are (drift, manual, symptoms), not "drift" for all of them.

Issue 15 met a mail queue probe whose text was cut at 120 characters before the stuck queue (`EX2013-ALL\\3`, Retry,
42 messages, `451 4.4.0 ...`); the tables below rebuild that case and its neighbours, at a narrow terminal width.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

from remediate.engine.model import FieldDiff, HostPlan, HostStatus, ItemStatus, Plan, PlanItem
from remediate.reports.terminal import print_host, print_plan
from remediate.reports.values import host_label, item_lines, show

LAST_ERROR = ('451 4.4.0 Primary target IP address responded with: "421 4.4.2 Connection dropped due to '
              'SocketError." Attempted failover to alternate host, but that did not succeed. Either there are no '
              'alternate hosts, or delivery failed to all alternate hosts.')


def queue_item() -> PlanItem:
    queues = [{"identity": f"EX2013-ALL\\{name}", "status": "Ready", "message_count": 0, "next_hop": name,
               "last_error": None} for name in ("Submission", "Shadow", "Unreachable", "Poison")]
    stuck = {"identity": "EX2013-ALL\\3", "status": "Retry", "message_count": 42,
             "next_hop": "relay.partner.example", "last_error": LAST_ERROR}
    return PlanItem(rule_id="symptom-queue-retry", rule_title="No outbound mail queue stuck in Retry", source="KB",
                    remedy="manual", kind="mail_queue_probe", identity={"max_messages": 0},
                    description="mail queues: none in Retry", status=ItemStatus.FAILED,
                    before={"queues": [*queues, stuck], "truncated": False, "unavailable": None},
                    after={"stuck": [], "max_messages": 0},
                    diff=[FieldDiff(path="stuck[EX2013-ALL\\3]",
                                    before={k: stuck[k] for k in ("status", "message_count", "next_hop",
                                                                  "last_error")})])


def setting(status: ItemStatus, before: Any, after: Any) -> PlanItem:
    return PlanItem(rule_id=f"rule-{status.value}", rule_title="t", source="s", kind="registry_value",
                    remedy="manual" if status is ItemStatus.MANUAL else "auto", identity={},
                    description="HKLM\\SOFTWARE\\Test\\Value", status=status, before=before, after=after)


def render(plan: Plan, width: int = 80) -> str:
    out = io.StringIO()
    print_plan(plan, Console(file=out, width=width, highlight=False, soft_wrap=True, color_system=None))
    return out.getvalue()


def host(*items: PlanItem, status: HostStatus = HostStatus.DRIFT) -> HostPlan:
    return HostPlan(host="ex2013-all", endpoint="https://ex:5986/wsman", status=status, items=list(items))


def test_the_stuck_queue_is_printed_whole_however_many_queues_come_before_it() -> None:
    text = render(Plan(inventory="i", playbooks=[], fingerprint="f", hosts=[host(queue_item())]))
    assert "..." not in text
    assert (f"stuck: EX2013-ALL\\3: Retry, 42 messages, next hop relay.partner.example, last error: {LAST_ERROR}"
            in text.replace("\n", ""))
    assert "Submission" not in text  # the queues that are fine are summarised away, not listed first


def test_long_values_are_shown_whole() -> None:
    long = {"exists": True, "type": "REG_SZ", "data": "x" * 500 + "THE END"}
    text = render(Plan(inventory="i", playbooks=[], fingerprint="f",
                       hosts=[host(setting(ItemStatus.DRIFT, long, {"exists": False}))]))
    assert "THE END" in text and "..." not in text
    assert show(long).endswith('THE END"') and show(long, limit=20).endswith("...")


@pytest.mark.parametrize("statuses, word", [
    ([ItemStatus.DRIFT, ItemStatus.MANUAL, ItemStatus.FAILED], "drift"),
    ([ItemStatus.MANUAL, ItemStatus.FAILED, ItemStatus.COMPLIANT], "manual"),
    ([ItemStatus.FAILED, ItemStatus.NOT_APPLICABLE], "symptoms"),
    ([ItemStatus.COMPLIANT, ItemStatus.NOT_APPLICABLE], "compliant"),
])
def test_the_header_word_says_what_the_findings_are(statuses: list[ItemStatus], word: str) -> None:
    plan = host(*(setting(s, {"exists": False}, {"exists": True}) for s in statuses))
    assert host_label(plan) == word
    out = io.StringIO()
    print_host(plan, Console(file=out, width=120, color_system=None))
    assert out.getvalue().startswith(f"ex2013-all {word} (")


def test_an_unreadable_host_is_an_error_whatever_it_holds() -> None:
    assert host_label(host(status=HostStatus.ERROR)) == "error"


def test_check_judges_the_header_by_the_findings_that_still_count() -> None:
    manual = setting(ItemStatus.MANUAL, {"exists": True}, {"exists": False})
    drift = setting(ItemStatus.DRIFT, {"exists": False}, {"exists": True})
    assert host_label(host(manual, drift), {ItemStatus.MANUAL}) == "manual"  # the drift was waived
    assert host_label(host(manual, drift), set()) == "compliant"


def test_a_failed_probe_shows_what_failed() -> None:
    probe = PlanItem(rule_id="smtp-next-hop-banner", rule_title="t", source="s", kind="smtp_banner_probe",
                     identity={}, description="SMTP banner", status=ItemStatus.FAILED,
                     before={"banner": None, "classification": "no_banner"}, after={"banner_ok": True},
                     diff=[FieldDiff(path="banner_ok", before=False, after=True),
                           FieldDiff(path="classification", before="no_banner")])
    assert item_lines(probe) == ["banner_ok: false (needs true)", 'classification: "no_banner"']
