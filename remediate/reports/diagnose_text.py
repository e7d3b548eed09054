"""`remediate diagnose` on a terminal: per host its verdict, the symptoms (stuck queues first), the ten cases of the
write-up in order, the ranked causes with what fixes each, and what to check next; then a line for the fleet.

Nothing is cut: a long queue error or banner wraps (the console soft-wraps) instead of ending in "...", because it
is the datum that decides. Every host and playbook value goes through `remediate.safetext.markup` (controls
shown escaped, rich markup kept literal).
"""

from __future__ import annotations

from rich.console import Console

from remediate.diagnose.model import CaseResult, CaseStatus, Diagnosis, Evidence, HostDiagnosis, Verdict
from remediate.reports.values import queue_line
from remediate.safetext import markup

_VERDICT = {Verdict.CAUSES: ("red", "cause found"), Verdict.SYMPTOMS: ("yellow", "symptoms, no case found"),
            Verdict.FINDINGS: ("yellow", "findings"), Verdict.HEALTHY: ("green", "healthy"),
            Verdict.UNKNOWN: ("yellow", "symptoms unknown"), Verdict.UNREADABLE: ("red", "unreadable")}
_CASE = {CaseStatus.FOUND: ("red", "FOUND"), CaseStatus.NOT_FOUND: ("green", "not found"),
         CaseStatus.NOT_APPLICABLE: ("dim", "not applicable"), CaseStatus.COULD_NOT_TELL: ("yellow", "could not tell")}
_FIX = {"remediate": "remediate can fix it", "person": "needs a person", "both": "remediate fixes part, a person the rest"}


def print_diagnosis(diagnosis: Diagnosis, console: Console) -> None:
    for host in diagnosis.hosts:
        print_host(host, console)
        console.print()
    s = diagnosis.summary
    parts = [f"{s.causes} with a cause found", f"{s.symptoms} with symptoms and no case found"]
    parts += [f"{s.findings} with other findings"] if s.findings else []
    parts += [f"{s.healthy} healthy"] + ([f"{s.unknown} with symptoms unknown"] if s.unknown else [])
    console.print(f"Diagnose: {s.hosts} host(s): {', '.join(parts)}, {s.unreadable} unreadable.")


def print_host(host: HostDiagnosis, console: Console) -> None:
    # One print per host: rich's cost is per call (about 1 ms), and a fleet has thousands of lines.
    out: list[str] = []
    style, word = _VERDICT[host.verdict]
    out.append(f"[bold]{markup(host.host)}[/] [{style}]{word}[/]: {markup(host.headline)}")
    out.append(f"  [dim]{markup(_about(host))}[/]")
    if host.role != "network_device" or host.symptoms.state != "not_applicable":
        _symptoms(host, out)
    if host.on_path_of:
        out.append(f"  On the mail path of: {markup(', '.join(host.on_path_of))}")
    if host.verdict is not Verdict.UNREADABLE:
        out.append("  [bold]The ten cases of the write-up[/]")
        for case in host.cases:
            _case(case, out)
    if host.causes:
        out.append("  [bold]Likely causes, most likely first[/]")
        for cause in host.causes:
            also = f" (also case {', '.join(map(str, cause.also_cases))})" if cause.also_cases else ""
            changes = f", apply changes {cause.changes} value{'s' if cause.changes != 1 else ''}" if cause.changes \
                else ""
            out.append(f"    {cause.rank}. case {cause.case} {markup(cause.title)}{markup(also)}: "
                       f"{_FIX[cause.fix]}{changes} [dim](score {cause.score})[/]")
            for reason in cause.reasons:
                out.append(f"         - {markup(reason)}")
            for advice in cause.advice:
                out.append(f"         [cyan]manual[/] ({markup(advice.rule_id)}): {markup(advice.text)}")
    if host.other_findings:
        out.append("  [bold]Other findings[/] (rules filed under no case)")
        for ev in host.other_findings:
            _evidence(ev, out, "    ")
    if host.next_checks:
        out.append("  [bold]Next[/]")
        for check in host.next_checks:
            out.append(f"    - {markup(check)}")
    console.print("\n".join(out))


def _about(host: HostDiagnosis) -> str:
    facts = host.facts
    parts = [host.endpoint]
    if facts.get("exchange_version"):
        parts.append(f"Exchange {facts['exchange_version']}")
    if facts.get("os_caption") or facts.get("os_version"):
        parts.append(f"{facts.get('os_caption') or 'OS'} ({facts.get('os_version', '?')})")
    if host.role != "network_device" and "antivirus" in facts:
        parts.append("antivirus: " + (", ".join(facts["antivirus"]) or "none"))
    return " | ".join(parts)


def _symptoms(host: HostDiagnosis, out: list[str]) -> None:
    symptoms = host.symptoms
    style = {"present": "red", "absent": "green"}.get(symptoms.state, "yellow")
    out.append(f"  [bold]Symptoms[/]: [{style}]{markup(symptoms.summary)}[/]")
    for queue in symptoms.queues:  # stuck ones first (symptoms.py sorts them)
        if queue.stuck:
            out.append(f"    [red]stuck[/] {markup(queue_line(queue.model_dump()))}")
    if symptoms.queues_unavailable:
        out.append(f"    [red]queues unreadable[/]: {markup(symptoms.queues_unavailable)}")
    for error in symptoms.errors:
        out.append(f"    [yellow]could not read[/] {markup(error)}")


def _case(case: CaseResult, out: list[str]) -> None:
    style, word = _CASE[case.status]
    out.append(f"    {case.case:>2} [{style}]{word:<14}[/] {markup(case.title)}: [dim]{markup(case.reason)}[/]")
    if case.evidence_of:
        return  # the same evidence is listed under the case it points at first
    if case.status in (CaseStatus.FOUND, CaseStatus.COULD_NOT_TELL):
        for ev in case.evidence:
            _evidence(ev, out, "         ")
        out.append(f"         [dim]sources: {markup(' | '.join(case.sources))}[/]")


def _evidence(ev: Evidence, out: list[str], indent: str) -> None:
    where = f"{ev.host}: " if ev.status == "inferred" or ev.rule_id == "cisco-inspect-smtp" else ""
    rule = ev.rule_id or "inferred"
    out.append(f"{indent}{markup(where + rule)} {markup(f'[{ev.status}]')} {markup(ev.resource)}: "
               f"{markup(ev.detail)}")
    for line in ev.transcript:
        out.append(f"{indent}  [dim]|[/] {markup(line)}")
