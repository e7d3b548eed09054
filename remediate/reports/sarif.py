"""SARIF 2.1.0 for code-scanning viewers (GitHub code scanning, VS Code SARIF viewer, Azure DevOps).

Contract:
- one run; `tool.driver.name` is `remediate`; `tool.driver.rules` holds every playbook rule (shortDescription =
  title, fullDescription = cause, `properties.source` = the rule's source; `helpUri` only when the source holds an
  http(s) URL);
- one result per drifting, manual, failed (probe) or erroring item: `ruleId`, `level` `error` when the item
  fails the check under `--fail-on` and `warning` when it does not, a message naming host, resource, live and
  desired value, and a location in the playbook (`uri` relative to the current directory under `%SRCROOT%` when
  the file is below it, else an absolute file URI; `region.startLine` = the item's `defined_at.line`);
- waived results carry `suppressions: [{kind: external, status: accepted, justification}]`, so viewers list them
  as suppressed rather than open; an expired waiver suppresses nothing and the message says it expired;
- host-level errors (unreachable, authentication) have no rule or location: they are tool execution
  notifications, and `invocations[0].executionSuccessful` is false.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from remediate import __version__
from remediate.engine.model import ItemStatus, PlanItem
from remediate.playbook import Catalog
from remediate.reports.values import show
from remediate.securefiles import write_private
from remediate.waivers import DEVIATIONS, Assessment

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_URL = re.compile(r"https?://[^\s)\]>\"']+")
_REPORTED = DEVIATIONS | {ItemStatus.ERROR}


@dataclass(frozen=True)
class RuleInfo:
    """What reports say about a rule. `cause` is only known from the playbooks, not from a saved plan."""

    id: str
    title: str
    source: str
    cause: str | None = None
    file: str | None = None
    line: int | None = None


def rule_infos(assessment: Assessment, catalog: Catalog | None = None) -> dict[str, RuleInfo]:
    """Every rule of the catalog (as written, unrendered) plus any rule that only appears in the plan."""
    rules: dict[str, RuleInfo] = {}
    if catalog is not None:
        for src in catalog.rules:
            data = src.data
            rules[src.id] = RuleInfo(src.id, str(data.get("title", src.id)), str(data.get("source", "")),
                                     str(data["cause"]) if data.get("cause") else None, src.file, src.line)
    for host in assessment.plan.hosts:
        for item in host.items:
            if item.rule_id not in rules:
                where = item.defined_at
                rules[item.rule_id] = RuleInfo(item.rule_id, item.rule_title, item.source, None,
                                               where.file if where else None, None)
    return rules


def artifact_location(file: str, base: Path | None = None) -> dict[str, str]:
    """The playbook as SARIF wants it: relative to `base` (default: the current directory) under %SRCROOT%."""
    path = Path(file)
    root = (base or Path.cwd()).resolve()
    try:
        relative = path.resolve().relative_to(root)
    except ValueError:
        return {"uri": path.resolve().as_uri()}
    return {"uri": relative.as_posix(), "uriBaseId": "%SRCROOT%"}


def build_sarif(assessment: Assessment, rules: Mapping[str, RuleInfo] | None = None,
                base: Path | None = None) -> dict[str, Any]:
    rules = dict(rules or rule_infos(assessment))
    index = {rule_id: n for n, rule_id in enumerate(rules)}
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for host in assessment.plan.hosts:
        if host.error is not None:
            notifications.append({"level": "error", "message": {
                "text": f"{host.host}: {host.error.type}: {host.error.message}"}})
        for n, item in enumerate(host.items):
            if item.status in _REPORTED:
                results.append(_result(assessment, host.host, n, item, index, base))
    driver: dict[str, Any] = {"name": "remediate", "version": __version__, "semanticVersion": __version__,
                              "rules": [_descriptor(rule, base) for rule in rules.values()]}
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [{"executionSuccessful": not notifications,
                         "toolExecutionNotifications": notifications}],
        "originalUriBaseIds": {"%SRCROOT%": {"uri": (base or Path.cwd()).resolve().as_uri() + "/"}},
        "results": results,
        "properties": {"fail_on": assessment.fail_on, "verdict": assessment.verdict,
                       "plan_fingerprint": assessment.plan.fingerprint},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def write_sarif(assessment: Assessment, path: Path, rules: Mapping[str, RuleInfo] | None = None) -> None:
    write_private(path, json.dumps(build_sarif(assessment, rules), indent=2, ensure_ascii=False) + "\n",
                  what="SARIF report")


def _descriptor(rule: RuleInfo, base: Path | None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": rule.id, "name": rule.id, "shortDescription": {"text": rule.title or rule.id}}
    if rule.cause:
        out["fullDescription"] = {"text": rule.cause}
    url = _URL.search(rule.source or "")
    if url:
        out["helpUri"] = url.group(0).rstrip(".,;")
    props: dict[str, Any] = {"source": rule.source}
    if rule.file:
        props["playbook"] = artifact_location(rule.file, base)["uri"]
        if rule.line:
            props["line"] = rule.line
    out["properties"] = props
    return out


def _result(assessment: Assessment, host: str, n: int, item: PlanItem, index: Mapping[str, int],
            base: Path | None) -> dict[str, Any]:
    waiver = assessment.waiver_for(host, n)
    if item.status is ItemStatus.ERROR:
        text = f"{host}: {item.description} could not be read: {item.error or 'unknown error'}"
    else:
        text = (f"{host}: {item.description} is {show(item.before)}, desired {show(item.after)} "
                f"(rule {item.rule_id}: {item.rule_title})")
        if item.status is ItemStatus.MANUAL and item.advice:
            text += f". Manual fix: {item.advice}"
    if waiver is not None and waiver.status == "expired":
        text += (f". Waiver {waiver.entry.where} expired on {waiver.entry.waiver.expires.isoformat()} "
                 f"and no longer waives this")
    result: dict[str, Any] = {
        "ruleId": item.rule_id,
        # What would fail the check is an error; drift under --fail-on error is a warning. A waived result keeps
        # its level and is suppressed, so viewers show it as accepted rather than quietly downgraded.
        "level": "error" if item.status is ItemStatus.ERROR or assessment.fail_on == "drift" else "warning",
        "message": {"text": text},
        "locations": [_location(host, item, base)],
        "partialFingerprints": {"remediateItem/v1": _fingerprint(host, item)},
        "properties": {"host": host, "status": item.status.value, "kind": item.kind, "before": item.before,
                       "after": item.after},
    }
    if item.rule_id in index:
        result["ruleIndex"] = index[item.rule_id]
    if waiver is not None and waiver.status == "waived":
        w = waiver.entry.waiver
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": f"{w.justification} (waiver {waiver.entry.where}, expires "
                                                    f"{w.expires.isoformat()})"}]
    return result


def _location(host: str, item: PlanItem, base: Path | None) -> dict[str, Any]:
    location: dict[str, Any] = {"logicalLocations": [{"name": item.description, "kind": "resource",
                                                      "fullyQualifiedName": f"{host}/{item.description}"}]}
    if item.defined_at is not None:
        physical: dict[str, Any] = {"artifactLocation": artifact_location(item.defined_at.file, base)}
        if item.defined_at.line:
            physical["region"] = {"startLine": item.defined_at.line}
        location["physicalLocation"] = physical
    return location


def _fingerprint(host: str, item: PlanItem) -> str:
    # Several hosts drift on one playbook line; viewers that key alerts on location alone would merge them, so
    # each result carries its own identity: host, rule and resource.
    identity = json.dumps([host, item.rule_id, item.kind, item.identity], sort_keys=True, default=str)
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]

