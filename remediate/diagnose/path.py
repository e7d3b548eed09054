"""The mail path of one Exchange host as the catalog knows it, hop by hop, for the picture in the HTML report.

    Exchange server (its SMTP service, transport and settings) -> host firewall -> router inspection / network
    -> smart host or next hop

Each hop gets a state (ok, broken, unknown: a reading failed, not checked: nothing looks at it) and the evidence
that decided, one line each (shown on hover). Which readings belong to which hop follows the cases they are filed
under: 1 (but the next-hop probe) the host firewall; 3, 4, 5 (but the next-hop probe), 6, 7, 8 and 10 the server;
9 and the next-hop probe's connection the path; 2, 4 inferred and the probe's banner the next hop.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from remediate.diagnose.evidence import FINDINGS, Filed, PathContext
from remediate.diagnose.model import Evidence, Hop, HopState, Symptoms
from remediate.diagnose.ties import RouterReading, configured_smart_hosts
from remediate.engine.model import HostPlan, ItemStatus
from remediate.reports.values import queue_line

SERVER_CASES = frozenset({3, 4, 5, 6, 7, 8, 10})
PROBE = "smtp_banner_probe"


def mail_path(plan: HostPlan, filed: list[Filed], symptoms: Symptoms, context: PathContext,
              routers: dict[str, RouterReading], on_path: list[str], host_vars: dict[str, Any],
              inferred: dict[int, list[Evidence]]) -> list[Hop]:
    local = [f for f in filed if f.cases and f.item.kind != PROBE]
    probes = [f for f in filed if f.item.kind == PROBE and f.item.status in (*FINDINGS, ItemStatus.COMPLIANT)]
    server = _hop("smtp_service", "Exchange server", str((plan.facts or {}).get("hostname") or plan.host),
                  [f for f in local if f.cases[0] in SERVER_CASES])
    if symptoms.stuck:
        server.evidence.insert(0, "queue " + queue_line(symptoms.stuck[0].model_dump()))
    firewall = _hop("host_firewall", "Host firewall", "inbound TCP 25", [f for f in local if f.cases[0] == 1])
    return [server, firewall, _path_hop(probes, on_path, context, routers),
            _next_hop(local, probes, symptoms, host_vars, inferred.get(4, []))]


def _hop(hop_id: Any, label: str, name: str, readings: list[Filed]) -> Hop:
    state = _state(f.item.status for f in readings)
    shown = [f for f in readings if f.item.status is not ItemStatus.NOT_APPLICABLE]
    evidence = [f"case {f.cases[0]}: {f.item.rule_id}: {f.evidence.detail}" for f in shown
                if f.item.status is not ItemStatus.COMPLIANT]
    if state is HopState.OK:
        evidence = [f"checked by {', '.join(dict.fromkeys(f.item.rule_id for f in shown))}: as it should be"]
    return Hop(id=hop_id, label=label, name=name, state=state,
               cases=sorted({f.cases[0] for f in shown if f.item.status in FINDINGS}), evidence=evidence)


def _state(statuses: Iterable[ItemStatus]) -> HopState:
    seen = set(statuses)
    if seen & FINDINGS:
        return HopState.BROKEN
    if ItemStatus.ERROR in seen:
        return HopState.UNKNOWN
    if ItemStatus.COMPLIANT in seen:
        return HopState.OK
    return HopState.NOT_CHECKED


def _classifications(probes: list[Filed]) -> dict[str, Filed]:
    return {str((f.item.before or {}).get("classification")): f for f in probes if isinstance(f.item.before, dict)}


def _path_hop(probes: list[Filed], on_path: list[str], context: PathContext,
              routers: dict[str, RouterReading]) -> Hop:
    seen = _classifications(probes)
    if on_path:
        name = ", ".join(on_path)
        evidence = [f"{r}: {ev.detail}" for r in on_path if r in routers for ev in routers[r].inspecting]
        unread = [r for r in on_path if r not in routers or not routers[r].read]
        if evidence:
            state = HopState.BROKEN
        elif unread:
            state, evidence = HopState.UNKNOWN, [f"{r}: not read in this run" for r in unread]
        else:
            state, evidence = HopState.OK, ["no ip inspect ... smtp line on the router(s)"]
        if "masked" in seen:
            evidence.append(seen["masked"].evidence.detail)
        return Hop(id="router", label="Router inspection", name=name, state=state,
                   cases=[9] if state is HopState.BROKEN else [], evidence=evidence)
    for classification, cases in (("masked", [9]), ("ehlo_refused", [9]), ("unreachable", [1, 4])):
        if classification in seen:
            return Hop(id="router", label="Network path", name="to the next hop", state=HopState.BROKEN,
                       cases=cases, evidence=[seen[classification].evidence.detail])
    if seen:
        return Hop(id="router", label="Network path", name="to the next hop", state=HopState.OK,
                   evidence=["the next hop accepts TCP connections on its SMTP port"])
    return Hop(id="router", label="Network path", name="to the next hop", state=HopState.NOT_CHECKED,
               evidence=["no probe of the next hop (set smtp_next_hop)"])


def _next_hop(local: list[Filed], probes: list[Filed], symptoms: Symptoms, host_vars: dict[str, Any],
              down: list[Evidence]) -> Hop:
    smart = [f for f in local if f.cases[0] == 2]
    configured = [h for f in smart for h in configured_smart_hosts(f.item.before)]
    target = host_vars.get("smtp_next_hop")
    name = ", ".join(configured) or (str(target) if target else "") or \
        next((q.next_hop for q in symptoms.stuck if q.next_hop), None) or "next hop"
    hop = _hop("next_hop", "Smart host" if configured else "Next hop", name, smart)
    seen = _classifications(probes)
    for classification in ("no_banner", "not_220"):
        if classification in seen:
            hop.state = HopState.BROKEN
            hop.cases = sorted({*hop.cases, 5})
            hop.evidence.append(seen[classification].evidence.detail)
    if "ok" in seen and hop.state in (HopState.OK, HopState.NOT_CHECKED):
        hop.state = HopState.OK
        hop.evidence = [seen["ok"].evidence.detail]
    if down:
        hop.state = HopState.BROKEN
        hop.cases = sorted({*hop.cases, 4})
        hop.evidence = [ev.detail for ev in down]
    if "unreachable" in seen and hop.state is not HopState.BROKEN:
        hop.state = HopState.UNKNOWN
        hop.evidence.append("not reached: " + seen["unreachable"].evidence.detail)
    return hop
