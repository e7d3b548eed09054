"""Which found case most likely holds the mail up, and what to do about each.

A found case is ranked when some evidence points at it first (a rule lists it first in `cases:`, a probe's reading,
a router on the path, an inference); a case that evidence points at only second is named under the case it points
at first (`also_cases`). The score is a sum of documented parts (docs/diagnose-format.md), highest first, ties by
the write-up's order:

- 40 a direct finding (a wrong value, a failed probe), 20 an indirect one (the product is installed; the deciding
  setting is not read), 25 an inference (the configured smart host is right but its queue is stuck);
- +30 a router on the host's path holds `ip inspect ... smtp`, +5 a router elsewhere in the run does;
- +30 the stuck queue goes to the smart host this case's reading holds;
- +10 mail is stuck and the probe from this host to its next hop fails (the evidence is on the very path).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from remediate.diagnose.cases import BY_NUMBER
from remediate.diagnose.evidence import FINDINGS, Filed, PathContext
from remediate.diagnose.model import Advice, Evidence, RankedCause, Symptoms
from remediate.diagnose.ties import RouterReading, SmartHostTie
from remediate.engine.model import ItemStatus


@dataclass
class Candidate:
    case: int
    score: int = 0
    reasons: list[str] = field(default_factory=list)
    filed: list[Filed] = field(default_factory=list)  # findings that point here first
    router_changes: int = 0
    advice: list[Advice] = field(default_factory=list)
    also: set[int] = field(default_factory=set)
    person: bool = False  # some of it is a person's to fix (a manual finding)

    def add(self, points: int, reason: str) -> None:
        self.score += points
        if reason not in self.reasons:
            self.reasons.append(reason)


def rank(filed: list[Filed], symptoms: Symptoms, context: PathContext, routers: dict[str, RouterReading],
         tie: SmartHostTie | None, inferred: dict[int, list[Evidence]]) -> list[RankedCause]:
    candidates: dict[int, Candidate] = {}

    def candidate(case: int) -> Candidate:
        return candidates.setdefault(case, Candidate(case))

    stuck = bool(symptoms.stuck)
    for reading in filed:
        if reading.item.status in FINDINGS and reading.cases:
            first, *rest = reading.cases
            candidate(first).filed.append(reading)
            candidate(first).also.update(rest)
    for c in candidates.values():
        c.score = max(40 if f.strength == "direct" else 20 for f in c.filed)
        for rule, findings in _by_rule(c.filed).items():
            detail = findings[0].evidence.detail + (f" (and {len(findings) - 1} more)" if len(findings) > 1 else "")
            if findings[0].strength == "indirect":
                detail += " (what makes the case possible; the deciding setting is not read)"
            c.reasons.append(f"{rule}: {detail}")
            item = findings[0].item
            # A person's fix: a manual finding. A failed probe or an inference is an observation that clears with
            # its cause: it needs a person only where nothing remediate changes is tied to it (see _ranked).
            c.person = c.person or any(f.item.status is ItemStatus.MANUAL for f in findings)
            # Advice written for this case only: a banner probe re-filed under case 9 keeps its case-5 advice.
            if item.advice and item.remedy == "manual" and c.case in findings[0].rule_cases:
                c.advice.append(Advice(rule_id=rule, text=item.advice))
        if stuck and any(f.item.kind == "smtp_banner_probe" for f in c.filed):
            c.add(10, "mail is stuck and the probe from this host to its next hop fails")
    for name in context.inspecting_on_path:
        c = candidate(9)
        lines = routers[name].inspecting
        c.add(30, f"router {name} on this host's mail path: " + "; ".join(ev.detail for ev in lines))
        c.router_changes += sum(1 for ev in lines if ev.status == "drift")
        c.person = c.person or any(ev.status != "drift" for ev in lines)
    if 9 in candidates:
        for name in context.inspecting_elsewhere:
            candidates[9].add(5, f"router {name} of this run inspects SMTP (the inventory does not put it on this "
                                 "host's path: smtp_path_routers)")
    if tie is not None and not tie.expected and 2 in candidates:
        candidates[2].add(30, f"the stuck queue {tie.queue.identity} goes to {tie.smart_host}, the smart host set "
                              "here")
    for case, evidence in inferred.items():
        c = candidate(case)
        for ev in evidence:
            c.add(25, ev.detail)
    ranked = sorted(candidates.values(), key=lambda c: (-c.score, c.case))
    primary = {c.case for c in ranked}
    return [_ranked(n, c, primary) for n, c in enumerate(ranked, start=1)]


def _by_rule(filed: list[Filed]) -> dict[str, list[Filed]]:
    out: dict[str, list[Filed]] = {}
    for f in filed:
        out.setdefault(f.item.rule_id, []).append(f)
    return out


def _ranked(rank: int, c: Candidate, primary: set[int]) -> RankedCause:
    changes = sum(1 for f in c.filed if f.item.status is ItemStatus.DRIFT) + c.router_changes
    fix = "both" if changes and c.person else ("remediate" if changes else "person")  # observed only: a person
    rules = sorted({f.item.rule_id for f in c.filed})
    return RankedCause(rank=rank, case=c.case, title=BY_NUMBER[c.case].title, score=c.score, reasons=c.reasons,
                       also_cases=sorted(c.also - primary - {c.case}), fix=fix, changes=changes, rules=rules,
                       advice=c.advice)
