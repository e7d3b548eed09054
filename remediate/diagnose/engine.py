"""From a plan to a diagnosis: the symptoms, the ten cases, the ranked causes and what to do, per host.

`diagnose(plan, catalog, inventory)` is pure: it reads the plan `remediate.engine.run.make_plan` made (one agent
command per host, the same request and parsing as `plan`) and never contacts a host. Per case of the write-up:

- found: a rule filed under the case reports a finding (drift, manual, a failed probe), or a tie shows it
  (remediate/diagnose/ties.py);
- could not tell: nothing found, and a reading the case needs failed (or no rule of the playbooks looks at it);
- not found: its rules ran and passed;
- not applicable: its rules do not apply to the host (their `when:`), or the host is a network device and the case
  is about a server.
"""

from __future__ import annotations

from typing import Any

from remediate.diagnose.cases import BY_NUMBER, CASES, Case
from remediate.diagnose.evidence import FINDINGS, Filed, RuleMeta, file_item, rule_meta
from remediate.diagnose.model import (
    CaseResult,
    CaseStatus,
    Diagnosis,
    Evidence,
    HostDiagnosis,
    RankedCause,
    Summary,
    Symptoms,
    Verdict,
)
from remediate.diagnose.path import mail_path
from remediate.diagnose.rank import rank
from remediate.diagnose.symptoms import read_symptoms
from remediate.diagnose.ties import (
    RouterReading,
    inferred_remote_down,
    path_context,
    path_routers,
    router_evidence,
    router_readings,
    smart_host_tie,
)
from remediate.engine.model import HostPlan, ItemStatus, Plan
from remediate.inventory import Inventory
from remediate.playbook import Catalog

FACT_KEYS = ("hostname", "os_caption", "os_version", "exchange_version", "antivirus")


def diagnose(plan: Plan, catalog: Catalog, inventory: Inventory) -> Diagnosis:
    meta = rule_meta(catalog)
    routers = router_readings(plan.hosts, inventory)
    hosts = [_host(h, meta, inventory, routers) for h in plan.hosts]
    for router in (h for h in hosts if h.role == "network_device"):
        router.on_path_of = [h.host for h in hosts if router.host in path_routers(inventory, h.host)]
    counts = {v: sum(1 for h in hosts if h.verdict is v) for v in Verdict}
    summary = Summary(hosts=len(hosts), **{v.value: counts[v] for v in Verdict})
    return Diagnosis(inventory=plan.inventory, playbooks=plan.playbooks, summary=summary, hosts=hosts)


def _role(plan: HostPlan, inventory: Inventory) -> str:
    host = inventory.hosts.get(plan.host)
    if host is not None and host.connection.type == "ios_ssh":
        return "network_device"
    return "exchange" if (plan.facts or {}).get("exchange_version") else "windows"


def _host(plan: HostPlan, meta: dict[str, RuleMeta], inventory: Inventory,
          routers: dict[str, RouterReading]) -> HostDiagnosis:
    role = _role(plan, inventory)
    facts = {k: (plan.facts or {}).get(k) for k in FACT_KEYS if (plan.facts or {}).get(k) is not None}
    symptoms = read_symptoms(plan, role)
    if plan.error is not None:
        reason = f"the host could not be read: {plan.error.message}"
        cases = [_result(case, CaseStatus.COULD_NOT_TELL, reason) for case in CASES]
        return HostDiagnosis(host=plan.host, endpoint=plan.endpoint, role=role, verdict=Verdict.UNREADABLE,
                             headline=f"could not be read ({plan.error.type}): {plan.error.message}", facts=facts,
                             error=plan.error, symptoms=symptoms, cases=cases,
                             next_checks=["fix the connection first (remediate plan shows the same error), then run "
                                          "diagnose again"])
    context = path_context(plan.host, inventory, routers)
    filed = [f for f in (file_item(plan.host, item, meta.get(item.rule_id), context) for item in plan.items) if f]
    extra: dict[int, list[Evidence]] = {9: router_evidence(context, routers)}
    inferred: dict[int, list[Evidence]] = {}
    tie = smart_host_tie(filed, symptoms.stuck)
    if tie is not None and tie.expected:
        inferred[4] = [inferred_remote_down(tie, plan.host)]
    cases = [_case(case, filed, extra.get(case.number, []) + inferred.get(case.number, []), role) for case in CASES]
    causes = rank(filed, symptoms, context, routers, tie, inferred)
    changes = len(plan.changes)
    other = [f.evidence for f in filed if not f.cases and f.item.status in FINDINGS]
    verdict = _verdict(causes, symptoms, other)
    return HostDiagnosis(
        host=plan.host, endpoint=plan.endpoint, role=role, verdict=verdict,
        headline=_headline(verdict, symptoms, causes, changes, role), facts=facts, symptoms=symptoms, cases=cases,
        causes=causes, apply_changes=changes,
        next_checks=_next_checks(plan, inventory, role, symptoms, cases, causes, changes,
                                 [r for r in context.inspecting_on_path
                                  if any(ev.status == "drift" for ev in routers[r].inspecting)]),
        other_findings=other,
        path=mail_path(plan, filed, symptoms, context, routers, path_routers(inventory, plan.host),
                       _vars(inventory, plan.host), inferred) if role == "exchange" else [],
    )


def _vars(inventory: Inventory, host: str) -> dict[str, Any]:
    entry = inventory.hosts.get(host)
    return entry.vars if entry is not None else {}


def _result(case: Case, status: CaseStatus, reason: str, evidence: list[Evidence] | None = None,
            rules: list[str] | None = None, sources: list[str] | None = None) -> CaseResult:
    return CaseResult(case=case.number, title=case.title, status=status, reason=reason, evidence=evidence or [],
                      rules=rules or [], sources=[case.source, *(sources or [])])


def _case(case: Case, filed: list[Filed], extra: list[Evidence], role: str) -> CaseResult:
    relevant = [f for f in filed if case.number in f.cases]
    rules = list(dict.fromkeys(f.item.rule_id for f in relevant))
    sources = list(dict.fromkeys(f.item.source for f in relevant
                                 if f.item.source and f.item.status is not ItemStatus.NOT_APPLICABLE))
    found = [f for f in relevant if f.item.status in FINDINGS]
    if found or extra:
        first = [f for f in found if f.cases[0] == case.number]
        evidence = [f.evidence for f in found] + extra
        if first or extra:
            reason = "seen by " + ", ".join(dict.fromkeys([*(f.item.rule_id for f in first),
                                                           *(e.rule_id or "an inference" for e in extra)]))
        else:
            firsts = sorted({f.cases[0] for f in found})
            reason = ("the evidence of case " + ", ".join(map(str, firsts)) + " points here too ("
                      + ", ".join(dict.fromkeys(f.item.rule_id for f in found)) + ")")
            result = _result(case, CaseStatus.FOUND, reason, evidence, rules, sources)
            result.evidence_of = firsts
            return result
        return _result(case, CaseStatus.FOUND, reason, evidence, rules, sources)
    errors = [f for f in relevant if f.item.status is ItemStatus.ERROR]
    if errors:
        return _result(case, CaseStatus.COULD_NOT_TELL, f"{errors[0].item.rule_id}: {errors[0].evidence.detail}",
                       [f.evidence for f in errors], rules, sources)
    passed = [f for f in relevant if f.item.status is ItemStatus.COMPLIANT]
    if passed:
        return _result(case, CaseStatus.NOT_FOUND, "checked by " + ", ".join(dict.fromkeys(
            f.item.rule_id for f in passed)) + ": as they should be", [f.evidence for f in passed], rules, sources)
    if relevant:
        return _result(case, CaseStatus.NOT_APPLICABLE, "its rules do not apply to this host (their when: does not "
                       "hold for its facts and variables)", [], rules, sources)
    if role == "network_device":
        return _result(case, CaseStatus.NOT_APPLICABLE, "a question for the mail servers, not a network device")
    return _result(case, CaseStatus.COULD_NOT_TELL, "no rule of the playbooks looks at this case")


def _verdict(causes: list[RankedCause], symptoms: Symptoms, other: list[Evidence]) -> Verdict:
    if causes:
        return Verdict.CAUSES
    if symptoms.state == "present":
        return Verdict.SYMPTOMS
    if other:
        return Verdict.FINDINGS
    return Verdict.UNKNOWN if symptoms.state == "unknown" else Verdict.HEALTHY


def _headline(verdict: Verdict, symptoms: Symptoms, causes: list[RankedCause], changes: int, role: str) -> str:
    if verdict is Verdict.HEALTHY:
        return "no symptom and no case of the write-up found" if role != "network_device" else "no case found"
    if verdict is Verdict.UNKNOWN:
        return f"no case of the write-up found, but the symptoms were {symptoms.summary}"
    if verdict is Verdict.FINDINGS:
        return ("no case of the write-up found; rules that name no case found something (see other findings)"
                + (f"; remediate apply would change {_values(changes)}" if changes else ""))
    state = f"mail is stuck ({symptoms.summary}); " if symptoms.state == "present" else "no symptom now; "
    if role == "network_device":
        state = ""
    if verdict is Verdict.SYMPTOMS:
        return f"{state}no case of the write-up found: see what to check next"
    top = causes[0]
    fix = {"remediate": f"remediate apply fixes it ({_values(top.changes)})",
           "person": "a person must fix it (advice below)",
           "both": f"remediate apply changes {_values(top.changes)}, the rest is a person's (advice below)"}[top.fix]
    more = f"; {len(causes) - 1} more cause(s) ranked below" if len(causes) > 1 else ""
    return f"{state}most likely case {top.case} ({top.title}): {fix}{more}"


def _values(n: int) -> str:
    return f"{n} value{'s' if n != 1 else ''}"


def _next_checks(plan: HostPlan, inventory: Inventory, role: str, symptoms: Symptoms, cases: list[CaseResult],
                 causes: list[RankedCause], changes: int, routers_to_fix: list[str]) -> list[str]:
    out: list[str] = []
    person = [c for c in causes if c.fix in ("person", "both")]
    if changes:
        out.append(f"remediate apply -i {inventory.path} --limit {plan.host} would change {_values(changes)} "
                   "(remediate plan shows each)")
    for router in routers_to_fix:
        out.append(f"remediate apply -i {inventory.path} --limit {router} would remove the SMTP inspection on "
                   f"{router}, the router on this host's mail path (case 9)")
    if symptoms.state == "present" and causes and not any(c.changes for c in causes):
        out.append("remediate has nothing left to change here: the symptoms go on (event 4006 keeps being logged) "
                   "until a person fixes " + ", ".join(f"case {c.case} ({c.title})" for c in person))
    for c in cases:
        if c.status is CaseStatus.COULD_NOT_TELL:
            out.append(f"case {c.case} ({c.title}) could not be told ({c.reason}): {BY_NUMBER[c.case].check}")
    host = inventory.hosts.get(plan.host)
    if role == "exchange" and host is not None and "smtp_next_hop" not in host.vars:
        out.append("set the inventory variable smtp_next_hop (the smart host or next hop, host or host:port) for this "
                   "host, so that diagnose probes its path (cases 1, 5 and 9)")
    if symptoms.state == "present" and not causes:
        if not symptoms.stuck and symptoms.event_4006 and symptoms.event_4006.count:
            out.append(f"no queue is stuck now: mail flows again; the newest event 4006 was logged at "
                       f"{symptoms.event_4006.newest}, and the symptom probe passes once it is older than its window")
        else:
            out.append("no case of the write-up explains it. " + BY_NUMBER[10].says + " Otherwise check the receiving "
                       "side by hand: telnet NEXT-HOP 25 from this server, and the next hop's own logs")
    return out
