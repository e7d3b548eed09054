"""JUnit XML for CI test-report viewers (GitLab `reports: junit`, Jenkins, Azure DevOps, GitHub report actions).

Contract (the shape those viewers read: `testsuites > testsuite > testcase`):
- one `testsuite` per host; one `testcase` per host and rule, `classname` = host, `name` = rule id (a rule with
  several resources is one test case; its message lists each resource);
- unwaived drift, manual drift or a failed probe -> `<failure type="drift|manual|probe">` whose message names
  each resource, its live value and its desired value; the element text adds rule title, source and playbook
  location;
- an item that could not be read -> `<error type="item">` (wins over a failure on the same test case, and its
  text still lists the drift);
- a host that could not be read at all has no rules to report: one test case `name="(host)"` carrying
  `<error type="unreachable|authentication|transport|agent">`;
- not applicable, or every deviation waived -> `<skipped>`; a waived message says `waived:` and the
  justification; an expired waiver skips nothing and the failure message names it.
Drift under `--fail-on error` is still a failure here: the XML says what is wrong; the exit code says whether the
pipeline stops. Strings are cleaned of characters XML 1.0 cannot carry, so every viewer can parse the file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from remediate.engine.model import HostPlan, ItemStatus, PlanItem
from remediate.reports.values import show
from remediate.securefiles import open_private
from remediate.waivers import Assessment, ItemWaiver

HOST_CASE = "(host)"
# XML 1.0 allows tab, newline, carriage return and everything from U+0020 except surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    """`text` with characters XML 1.0 cannot represent shown as \\xNN, so a hostile value cannot break the file."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def build_junit(assessment: Assessment) -> ET.Element:
    plan = assessment.plan
    root = ET.Element("testsuites", name="remediate check")
    totals: Counter[str] = Counter()
    for host in plan.hosts:
        suite = ET.SubElement(root, "testsuite", name=clean(host.host), timestamp=plan.created_at.strftime(
            "%Y-%m-%dT%H:%M:%S"), time="0")
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="endpoint", value=clean(host.endpoint))
        ET.SubElement(props, "property", name="status", value=host.status.value)
        counts: Counter[str] = Counter()
        if host.error is not None:
            case = ET.SubElement(suite, "testcase", classname=clean(host.host), name=HOST_CASE, time="0")
            error = ET.SubElement(case, "error", type=clean(host.error.type),
                                  message=clean(f"{host.host}: {host.error.message}"))
            error.text = clean(f"{host.error.type}: {host.error.message}\nendpoint: {host.endpoint}")
            counts["tests"] += 1
            counts["errors"] += 1
        for rule_id, items in _by_rule(host).items():
            counts["tests"] += 1
            counts[_testcase(suite, assessment, host, rule_id, items)] += 1
        for key in ("tests", "failures", "errors", "skipped"):
            suite.set(key, str(counts[key]))
            totals[key] += counts[key]
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(totals[key]))
    root.set("time", "0")
    return root


def write_junit(assessment: Assessment, path: Path) -> None:
    tree = ET.ElementTree(build_junit(assessment))
    ET.indent(tree)
    with open_private(path, "replace", what="JUnit report", binary=True) as fh:
        tree.write(fh, encoding="utf-8", xml_declaration=True)


def _by_rule(host: HostPlan) -> dict[str, list[tuple[int, PlanItem]]]:
    groups: dict[str, list[tuple[int, PlanItem]]] = {}
    for index, item in enumerate(host.items):
        groups.setdefault(item.rule_id, []).append((index, item))
    return groups


def _testcase(suite: ET.Element, assessment: Assessment, host: HostPlan, rule_id: str,
              items: list[tuple[int, PlanItem]]) -> str:
    """Add one test case; return which counter it adds to ("failures", "errors", "skipped" or "passed")."""
    first = items[0][1]
    case = ET.SubElement(suite, "testcase", classname=clean(host.host), name=clean(rule_id), time="0")
    if first.defined_at is not None:
        case.set("file", clean(_relative(first.defined_at.file)))
        if first.defined_at.line:
            case.set("line", str(first.defined_at.line))
    errors = [item for _, item in items if item.status is ItemStatus.ERROR]
    failing = [(n, item) for n, item in items if assessment.is_failing_drift(host.host, n, item)]
    waived = [(item, assessment.waiver_for(host.host, n)) for n, item in items if assessment.is_waived(host.host, n)]
    context = f"rule {rule_id}: {first.rule_title}\nsource: {first.source}" + _where(first)
    if errors:
        message = "; ".join(f"{item.description}: could not be read: {item.error}" for item in errors)
        element = ET.SubElement(case, "error", type="item", message=clean(message))
        element.text = clean("\n".join([message, *(_drift_line(host.host, n, i, assessment) for n, i in failing),
                                        context]))
        return "errors"
    if failing:
        kinds = {item.status for _, item in failing}
        kind = "drift" if len(kinds) > 1 else {ItemStatus.MANUAL: "manual", ItemStatus.FAILED: "probe"}.get(
            kinds.pop(), "drift")
        lines = [_drift_line(host.host, n, item, assessment) for n, item in failing]
        element = ET.SubElement(case, "failure", type=kind, message=clean("; ".join(lines)))
        extra = [f"{item.description}: manual fix: {item.advice}" for _, item in failing
                 if item.status is ItemStatus.MANUAL and item.advice]
        extra += [f"{item.description}: {_waived_text(w)}" for item, w in waived if w is not None]
        element.text = clean("\n".join([*lines, *extra, context]))
        return "failures"
    if waived:
        message = "; ".join(f"{_waived_text(w)} for {', '.join(resources)}" for w, resources in _by_waiver(waived))
        ET.SubElement(case, "skipped", message=clean(message)).text = clean(message + "\n" + context)
        return "skipped"
    if all(item.status is ItemStatus.NOT_APPLICABLE for _, item in items):
        message = "not applicable on this host (the rule's when: condition is false)"
        ET.SubElement(case, "skipped", message=message)
        return "skipped"
    return "passed"


def _drift_line(host: str, index: int, item: PlanItem, assessment: Assessment) -> str:
    line = f"{item.description}: live {show(item.before)}, desired {show(item.after)}"
    waiver = assessment.waiver_for(host, index)
    if waiver is not None and waiver.status == "expired":
        line += (f" (waiver {waiver.entry.where} expired on {waiver.entry.waiver.expires.isoformat()}; "
                 f"not waived)")
    return line


def _by_waiver(waived: list[tuple[PlanItem, ItemWaiver | None]]) -> list[tuple[ItemWaiver, list[str]]]:
    groups: dict[int, tuple[ItemWaiver, list[str]]] = {}
    for item, waiver in waived:
        if waiver is not None:
            groups.setdefault(id(waiver.entry), (waiver, []))[1].append(item.description)
    return list(groups.values())


def _waived_text(waiver: ItemWaiver) -> str:
    w = waiver.entry.waiver
    return f"waived: {w.justification} (waiver {waiver.entry.where}, expires {w.expires.isoformat()})"


def _relative(file: str) -> str:
    # Viewers show `file` next to the test and link it into the repository when it is relative to the checkout.
    path = Path(file)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return file


def _where(item: PlanItem) -> str:
    if item.defined_at is None:
        return ""
    line = f":{item.defined_at.line}" if item.defined_at.line else ""
    return f"\nplaybook: {item.defined_at.file}{line}"
