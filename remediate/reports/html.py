"""One self-contained static HTML page of a check, for people: CI artifact, e-mail attachment, a phone, paper.

Contract:
- rendered from `templates/report.html.j2` (found through `asset_dir("templates")`) by Jinja2 with autoescape on
  and StrictUndefined: every value from a host or a playbook is escaped, a template typo fails loudly;
- self-contained: inline CSS only, no script, no external URL of any kind (no fonts, images, stylesheets or
  links out), so it renders the same offline, in a mail client and in an artifact browser;
- holds summary counts, the status of every host, a table of drift with live and desired value, errors, waivers
  (waived, expired, unused) and every rule's source; responsive (viewport meta) and printable (@media print).
This module prepares plain rows; the template only lays them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from remediate import __version__
from remediate.assets import asset_dir
from remediate.engine.model import ItemStatus, PlanItem
from remediate.reports.values import host_label, item_lines, show
from remediate.securefiles import write_private
from remediate.waivers import DEVIATIONS, Assessment

TEMPLATE = "report.html.j2"


@dataclass(frozen=True)
class Rule:
    """What the page says about a rule; built from `sarif.RuleInfo` or from the plan's items."""

    id: str
    title: str
    source: str
    cause: str | None
    where: str


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(asset_dir("templates"))), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(assessment: Assessment, rules: Mapping[str, Any] | None = None, title: str | None = None) -> str:
    """The page as a string. `rules` maps rule id -> an object with id/title/source/cause/file/line attributes."""
    context = _context(assessment, rules or {})
    context["title"] = title or "remediate check"
    return _environment().get_template(TEMPLATE).render(**context)


def write_html(assessment: Assessment, path: Path, rules: Mapping[str, Any] | None = None) -> None:
    write_private(path, render_html(assessment, rules), what="HTML report")


def _where(file: str | None, line: int | None) -> str:
    if not file:
        return ""
    return f"{file}:{line}" if line else file


def _context(assessment: Assessment, rules: Mapping[str, Any]) -> dict[str, Any]:
    plan = assessment.plan
    hosts: list[dict[str, Any]] = []
    drift: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    drifting_hosts: dict[str, set[str]] = {}
    for host in plan.hosts:
        failing = waived = 0
        counted: set[ItemStatus] = set()  # the statuses of unwaived deviations: the host's word (terminal's too)
        if host.error is not None:
            errors.append({"host": host.host, "what": f"host ({host.error.type})", "message": host.error.message})
        for n, item in enumerate(host.items):
            if item.status is ItemStatus.ERROR:
                errors.append({"host": host.host, "what": f"{item.rule_id}: {item.description}",
                               "message": item.error or "unknown error"})
                continue
            if item.status not in DEVIATIONS:
                continue
            row = _drift_row(assessment, host.host, n, item)
            drift.append(row)
            if row["state"] == "waived":
                waived += 1
            else:
                failing += 1
                counted.add(item.status)
                drifting_hosts.setdefault(item.rule_id, set()).add(host.host)
        has_error = host.error is not None or any(i.status is ItemStatus.ERROR for i in host.items)
        state = "error" if has_error else host_label(host, counted)
        hosts.append({"name": host.host, "endpoint": host.endpoint, "state": state, "failing": failing,
                      "waived": waived, "settings": len(host.items),
                      "compliant": sum(1 for i in host.items if i.status is ItemStatus.COMPLIANT)})
    rule_rows = [_rule_row(rule_id, info, drifting_hosts.get(rule_id, set())) for rule_id, info in
                 _all_rules(assessment, rules).items()]
    waivers = assessment.waiver_results()
    return {
        "version": __version__, "created_at": plan.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "inventory": plan.inventory, "playbooks": plan.playbooks, "verdict": assessment.verdict,
        "failed": assessment.failed, "fail_on": assessment.fail_on, "counts": assessment.counts(),
        "checked_on": assessment.today.isoformat(), "hosts": hosts, "drift": drift, "errors": errors,
        "rules": rule_rows, "waiver_file": waivers["file"], "unused": waivers["unused"],
        "has_waivers": bool(waivers["file"] or waivers["applied"] or waivers["unused"]),
    }


def _drift_row(assessment: Assessment, host: str, n: int, item: PlanItem) -> dict[str, Any]:
    waiver = assessment.waiver_for(host, n)
    state = item.status.value
    note = item.advice if item.status is ItemStatus.MANUAL and item.advice else ""
    if waiver is not None:
        w = waiver.entry.waiver
        if waiver.status == "waived":
            state = "waived"
            note = f"Waived until {w.expires.isoformat()}: {w.justification} ({waiver.entry.where})"
        else:
            state = "expired"
            note = (f"Waiver {waiver.entry.where} expired on {w.expires.isoformat()}; not waived. " + note).strip()
    where = _where(item.defined_at.file, item.defined_at.line) if item.defined_at else ""
    return {"host": host, "rule_id": item.rule_id, "rule_title": item.rule_title, "resource": item.description,
            "before": _live(item), "after": show(item.after), "state": state,
            "note": note, "source": item.source, "where": where}


def _live(item: PlanItem) -> str:
    """The live value, whole; a failed probe by what failed (a mail queue probe: its stuck queues)."""
    return "; ".join(item_lines(item)) if item.status is ItemStatus.FAILED else show(item.before)


def _all_rules(assessment: Assessment, rules: Mapping[str, Any]) -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    for rule_id, info in rules.items():
        out[rule_id] = Rule(rule_id, getattr(info, "title", rule_id), getattr(info, "source", ""),
                            getattr(info, "cause", None), _where(getattr(info, "file", None),
                                                                 getattr(info, "line", None)))
    for host in assessment.plan.hosts:
        for item in host.items:
            if item.rule_id not in out:
                where = _where(item.defined_at.file, None) if item.defined_at else ""
                out[item.rule_id] = Rule(item.rule_id, item.rule_title, item.source, None, where)
    return out


def _rule_row(rule_id: str, rule: Rule, drifting: set[str]) -> dict[str, Any]:
    return {"id": rule_id, "title": rule.title, "source": rule.source, "cause": rule.cause or "",
            "where": rule.where, "drifting": sorted(drifting)}
