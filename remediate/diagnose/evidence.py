"""Plan items as evidence, filed under the cases of the write-up.

A rule's finding is filed under the rule's `cases:` (playbook data, most likely first) with its `evidence:`
strength. One kind is read more closely, because its reading says which case it is: an SMTP banner probe to the
next hop. Whatever its rule's `require:`, a probe that found

- no TCP connection (`unreachable`) points at case 1 (port 25 blocked on the way), or case 4 (the next hop is down);
- a connection but no banner, or no 220 line (`no_banner`, `not_220`) points at case 5; behind a router known to
  inspect SMTP (the host's `smtp_path_routers`) at case 9 first, and where only some router of the run is known to
  inspect SMTP, at case 9 second;
- a masked banner or a refused EHLO (`masked`, `ehlo_refused`) points at case 9 (KB 320027).

Symptom probes (event log, mail queues) are no evidence of a case: remediate/diagnose/symptoms.py reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from remediate.diagnose.model import Evidence
from remediate.engine.model import ItemStatus, PlanItem
from remediate.playbook import Catalog
from remediate.reports.values import item_lines, show

SYMPTOM_KINDS = frozenset({"event_log_probe", "mail_queue_probe"})
FINDINGS = frozenset({ItemStatus.DRIFT, ItemStatus.MANUAL, ItemStatus.FAILED})
Strength = Literal["direct", "indirect"]


@dataclass(frozen=True)
class RuleMeta:
    """What diagnose needs of a rule beyond the plan item: its cases and evidence strength, and its cause."""

    cases: tuple[int, ...]
    evidence: Strength
    cause: str


def rule_meta(catalog: Catalog) -> dict[str, RuleMeta]:
    """Rule id -> its diagnose data, from the catalog as written (the fields are plain YAML, validated when the rule
    is rendered for a host: remediate/playbook.py Rule)."""
    out = {}
    for src in catalog.rules:
        cases = src.data.get("cases") or []
        numbers = tuple(c for c in cases if isinstance(c, int) and not isinstance(c, bool) and 1 <= c <= 10) \
            if isinstance(cases, list) else ()
        strength: Strength = "indirect" if src.data.get("evidence") == "indirect" else "direct"
        out[src.id] = RuleMeta(numbers, strength, str(src.data.get("cause") or ""))
    return out


@dataclass(frozen=True)
class PathContext:
    """What the run knows of the routers between a host and its next hop."""

    inspecting_on_path: tuple[str, ...] = ()  # routers named by the host's smtp_path_routers that inspect SMTP
    inspecting_elsewhere: tuple[str, ...] = ()  # other routers of this run that inspect SMTP


@dataclass(frozen=True)
class Filed:
    """One finding (or one compliant, n/a or failed reading) and the cases it is filed under, most likely first."""

    item: PlanItem
    evidence: Evidence
    cases: tuple[int, ...]
    strength: Strength
    rule_cases: tuple[int, ...] = ()  # what the rule's `cases:` say, where a reading filed it elsewhere


def file_item(host: str, item: PlanItem, meta: RuleMeta | None, path: PathContext) -> Filed | None:
    """The item as evidence with its cases, or None for a symptom probe."""
    if item.kind in SYMPTOM_KINDS:
        return None
    meta = meta or RuleMeta((), "direct", "")
    cases = meta.cases
    if item.kind == "smtp_banner_probe" and item.status is ItemStatus.FAILED and isinstance(item.before, dict):
        cases = _banner_cases(str(item.before.get("classification")), path) or cases
    return Filed(item, to_evidence(host, item), cases, meta.evidence, meta.cases)


def _banner_cases(classification: str, path: PathContext) -> tuple[int, ...]:
    if classification == "unreachable":
        return (1, 4)
    if classification in ("masked", "ehlo_refused"):
        return (9,)
    if classification in ("no_banner", "not_220"):
        if path.inspecting_on_path:
            return (9, 5)
        return (5, 9) if path.inspecting_elsewhere else (5,)
    return ()


def to_evidence(host: str, item: PlanItem) -> Evidence:
    return Evidence(
        host=host, rule_id=item.rule_id,
        rule_title=item.rule_title, status=item.status.value, resource=item.description, detail=_detail(item),
        transcript=transcript(item), observed=item.before, desired=item.after,
        remedy=item.remedy, advice=item.advice if item.remedy == "manual" else None, source=item.source,
        defined_at=item.defined_at,
    )


def _detail(item: PlanItem) -> str:
    if item.status is ItemStatus.NOT_APPLICABLE:
        return "does not apply to this host"
    if item.kind == "smtp_banner_probe" and isinstance(item.before, dict) and item.status is not ItemStatus.ERROR:
        return banner_verdict(item.identity, item.before)
    if item.kind == "ios_config_line" and isinstance(item.before, dict) and item.status is not ItemStatus.ERROR:
        lines = item.before.get("lines") or []
        if item.status is ItemStatus.COMPLIANT:
            return "the running-config holds no such line" if not lines else "; ".join(map(str, lines))
        return "the running-config holds: " + "; ".join(map(str, lines))
    if item.status is ItemStatus.COMPLIANT:
        return f"as it should be: {show(item.before)}"
    if item.status in (ItemStatus.DRIFT, ItemStatus.MANUAL) and item.diff and not _registry_shaped(item.before):
        # The fields that differ, not two whole values to compare by eye.
        return "; ".join(f"{d.path}: {show(d.before)} -> {show(d.after)}" for d in item.diff)
    return "; ".join(item_lines(item))


def _registry_shaped(value: Any) -> bool:
    return isinstance(value, dict) and set(value) <= {"exists", "type", "data"}


def banner_verdict(identity: dict[str, Any], seen: dict[str, Any]) -> str:
    """The probe's reading in one sentence."""
    target = f"{identity.get('host')}:{identity.get('port')}"
    banner = seen.get("banner")
    ehlo = seen.get("ehlo") or []
    return {
        "unreachable": f"no TCP connection to {target}" + (f" ({seen['error']})" if seen.get("error") else ""),
        "no_banner": f"{target} accepted the connection and sent no banner before the timeout",
        "not_220": f"{target} greets without the 220 code: {banner}",
        "masked": f"{target}'s banner is masked by SMTP inspection on the path: {banner}",
        "ehlo_refused": f"{target} greets with 220 but EHLO is refused ({ehlo[0] if ehlo else 'no answer'}): "
                        "ESMTP filtered on the path",
        "ok": f"{target} answers: {banner}",
    }.get(str(seen.get("classification")), f"{target}: {show(seen)}")


def transcript(item: PlanItem) -> list[str]:
    """A probe's SMTP conversation as telnet would show it; a router's matching config lines."""
    seen = item.before if isinstance(item.before, dict) else None
    if seen is None or item.status in (ItemStatus.ERROR, ItemStatus.NOT_APPLICABLE):
        return []
    if item.kind == "smtp_banner_probe":
        host, port = item.identity.get("host"), item.identity.get("port")
        if not seen.get("connected"):
            return [f"connect {host}:{port}: failed" + (f": {seen['error']}" if seen.get("error") else "")]
        lines = [f"connect {host}:{port}: connected"]
        lines.append(f"<- {seen['banner']}" if seen.get("banner") else "<- (nothing before the timeout)")
        if seen.get("banner"):
            lines.append("-> EHLO probe.invalid")
            lines += [f"<- {line}" for line in seen.get("ehlo") or []] or ["<- (no answer)"]
        return lines
    if item.kind == "ios_config_line":
        return [str(line) for line in seen.get("lines") or []]
    return []
