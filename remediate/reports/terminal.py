"""Terminal output: what a person reads. Machine output is the JSON of the same models (`--json`) or TSV
(remediate/reports/tsv.py).

Two shapes for people: `table` (rich tables, for a terminal) and `plain` (one line per host or run, for a pipe, a
log or a narrow terminal). In both, an id (run id, host name) is never broken across lines: table columns that hold
ids do not wrap, and plain lines are never wrapped at all (the console is soft-wrapping).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.table import Table

from remediate.engine.model import HostOutcome, HostPlan, HostStatus, ItemStatus, Plan, PlanItem, RunResult
from remediate.reports.values import host_label, item_lines, show
from remediate.safetext import markup

_OUTCOME_STYLE = {HostOutcome.APPLIED: "green", HostOutcome.NO_CHANGES: "green", HostOutcome.STALE: "yellow",
                  HostOutcome.NOT_ATTEMPTED: "yellow", HostOutcome.LOCKED: "yellow"}
# What each outcome means to the person reading the summary, in the order the summary line counts them.
OUTCOME_LABELS = {
    HostOutcome.NO_CHANGES: "compliant", HostOutcome.APPLIED: "changed", HostOutcome.REVERTED: "failed and reverted",
    HostOutcome.REVERT_FAILED: "failed, revert incomplete", HostOutcome.UNTOUCHED: "failed, untouched",
    HostOutcome.UNKNOWN: "failed, state unknown", HostOutcome.ERROR: "error", HostOutcome.STALE: "stale",
    HostOutcome.LOCKED: "locked", HostOutcome.UNREACHABLE: "unreachable", HostOutcome.NOT_ATTEMPTED: "not attempted",
    HostOutcome.PARTIAL: "partly restored", HostOutcome.NOT_RESTORED: "not restored",
}
# A rollback's words where they differ: "changed" would read as if the rollback had made a new change.
ROLLBACK_LABELS = {HostOutcome.APPLIED: "restored", HostOutcome.NO_CHANGES: "already as before",
                   HostOutcome.STALE: "refused (--atomic)"}


def outcome_label(kind: str, outcome: HostOutcome) -> str:
    if kind == "rollback" and outcome in ROLLBACK_LABELS:
        return ROLLBACK_LABELS[outcome]
    return OUTCOME_LABELS.get(outcome, outcome.value)


# What a caller may add to an item (check adds waivers): its label in place of its status, and lines under it.
Annotate = Callable[[int, PlanItem], tuple[str, list[str]]]
_LABEL_STYLE = {"drift": "yellow", "manual": "cyan", "failed": "red", "symptoms": "red", "error": "red",
                "waived": "green", "compliant": "green"}


def print_plan(plan: Plan, console: Console) -> None:
    """Per host: its status, what the catalog found (counts), then every item that needs a person's eyes.

    Compliant and not-applicable items are only counted: with the whole catalog most rules do not apply to a
    given platform, and listing them would bury the few lines that matter. `--json` has every item.
    """
    for host in plan.hosts:
        print_host(host, console)
    changes = plan.change_count
    errors = sum(1 for h in plan.hosts if h.status is HostStatus.ERROR)
    console.print(f"\nPlan: {changes} change{'s' if changes != 1 else ''} on "
                  f"{sum(1 for h in plan.hosts if h.changes)} of {len(plan.hosts)} host(s)"
                  + (f", {errors} host(s) with errors" if errors else "") + ".")


def print_host(host: HostPlan, console: Console, state: str | None = None, annotate: Annotate | None = None) -> None:
    """One host as plan and check show it; `state` overrides the host's status word (check judges waivers)."""
    state = state or host_label(host)
    console.print(f"[bold]{markup(host.host)}[/] [{_LABEL_STYLE.get(state, 'yellow')}]{state}[/] "
                  f"({markup(host.endpoint)})" + (f" [dim]{_counts(host.items)}[/]" if host.items else ""))
    if host.error:
        console.print(f"  [red]error[/] {markup(host.error.type)}: {markup(host.error.message)}")
    _print_findings(host.items, console, annotate)


def _print_findings(items: list[PlanItem], console: Console, annotate: Annotate | None) -> None:
    """Items that need attention, grouped by rule: the rule's title, source and advice once, then its resources."""
    groups: dict[str, list[tuple[PlanItem, str, list[str]]]] = {}
    for index, item in enumerate(items):
        if item.status in (ItemStatus.COMPLIANT, ItemStatus.NOT_APPLICABLE):
            continue
        label, notes = annotate(index, item) if annotate else (item.status.value, [])
        groups.setdefault(item.rule_id, []).append((item, label, notes))
    for rule_id, found in groups.items():
        first = found[0][0]
        labels = sorted({label for _, label, _ in found})
        console.print(f"  [{_LABEL_STYLE.get(labels[0], 'yellow')}]{'/'.join(labels)}[/] [bold]{markup(rule_id)}[/]: "
                      f"{markup(first.rule_title)}")
        console.print(f"      [dim]source: {markup(first.source)}[/]")
        if first.remedy == "manual" and first.advice and any(i.status is ItemStatus.MANUAL for i, _, _ in found):
            console.print(f"      [cyan]manual:[/] {markup(first.advice)}")
        for item, _, notes in found:
            lines = item_lines(item)  # whole values: the datum that decides is never cut
            style = "red" if item.status is ItemStatus.ERROR else ""
            if len(lines) == 1:
                console.print(f"      {markup(item.description)}: " + (f"[{style}]{markup(lines[0])}[/]" if style
                                                                        else markup(lines[0])))
            else:
                console.print(f"      {markup(item.description)}:")
                for line in lines:
                    console.print(f"        {markup(line)}")
            if item.status is not ItemStatus.ERROR:
                if item.irreversible is not None and item.status is ItemStatus.DRIFT:
                    console.print(f"        [magenta]irreversible:[/] {markup(item.irreversible.reason)}; rollback "
                                  f"restores it {markup(item.irreversible.restore)}")
            for note in notes:
                console.print(f"        {note}")


def _counts(items: list[Any]) -> str:
    counted: dict[str, int] = {}
    for item in items:
        label = item.status.value.replace("_", " ")
        counted[label] = counted.get(label, 0) + 1
    return "(" + ", ".join(f"{n} {label}" for label, n in sorted(counted.items())) + ")"


def id_column(table: Table, name: str, values: list[str]) -> None:
    """A column that holds ids: as wide as its longest value and never wrapped, whatever the terminal's width."""
    table.add_column(name, no_wrap=True, min_width=max([len(name), *(len(v) for v in values)]))


def print_run(result: RunResult, console: Console, fmt: str = "table") -> None:
    if fmt == "plain":
        _print_run_plain(result, console)
    else:
        console.print(f"[bold]{result.kind} run {markup(result.run_id)}[/]")
        table = Table(show_lines=False)
        id_column(table, "host", [markup(h.host) for h in result.hosts])
        table.add_column("outcome", no_wrap=True)
        table.add_column("changes", justify="right")
        table.add_column("detail", overflow="fold")
        for host in result.hosts:
            style = _OUTCOME_STYLE.get(host.outcome, "red")
            label = outcome_label(result.kind, host.outcome)
            table.add_row(markup(host.host), f"[{style}]{markup(label)}[/]", str(len(host.changes)),
                          markup(host.message or ""))
        console.print(table)
    for host in result.hosts:
        for change in host.changes:
            if change.status == "not_restored":
                console.print(f"  {markup(host.host)}: {markup(change.description)}: [red]not restored:[/] "
                              f"{markup(change.error or '')}; to restore it by hand, set it to "
                              f"{markup(show(change.after))}")
            elif change.error:
                console.print(f"  {markup(host.host)}: {markup(change.description)}: [red]{markup(change.error)}[/]")
    if result.stopped:
        console.print(f"[yellow]Stopped:[/] {markup(result.stopped)}")
    if result.interrupted:
        console.print(f"[yellow]Interrupted ({markup(result.interrupted)}):[/] {len(result.not_started)} host(s) "
                      "not started; the hosts in flight finished or reverted.")
    console.print(markup(run_summary(result)))


def _print_run_plain(result: RunResult, console: Console) -> None:
    console.print(f"{result.kind} run {markup(result.run_id)}")
    for host in result.hosts:
        label = outcome_label(result.kind, host.outcome)
        detail = f": {host.message}" if host.message else ""
        console.print(markup(f"  {host.host} {label} ({len(host.changes)} change(s)){detail}"))


def run_summary(result: RunResult) -> str:
    """`apply run RUN: 40 changed, 5 compliant, ... of 50 host(s).`: every outcome that occurred, counted."""
    counts = {outcome_label(result.kind, o): 0 for o in OUTCOME_LABELS}
    for host in result.hosts:
        label = outcome_label(result.kind, host.outcome)
        counts[label] = counts.get(label, 0) + 1
    parts = [f"{n} {label}" for label, n in counts.items() if n]
    return f"{result.kind} run {result.run_id}: {', '.join(parts) or 'no hosts'} of {len(result.hosts)} host(s)."
