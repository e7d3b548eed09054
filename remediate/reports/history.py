"""`remediate history` for people: runs with each host's outcome in words, and one run with every change.

Words are per command: an apply's host is "applied", "failed, reverted: nothing changed" (not a bare "reverted",
which read like success), "rolled back by RUN"; a rollback's host is "restored", "partly restored", "not restored:
reason", "rollback undone by RUN".
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from remediate.journal import SENDING, JournalHost, JournalRun
from remediate.reports.terminal import id_column, show
from remediate.safetext import markup

_APPLY_WORDS = {
    "applied": "applied", "no_changes": "compliant, nothing to do", "stale": "stale, nothing written",
    "untouched": "failed, untouched", "reverted": "failed, reverted: nothing changed",
    "revert_failed": "failed, revert incomplete (roll it back)", "unreachable": "unreachable, nothing written",
    "error": "error", "unknown": "state unknown (roll it back)", "not_attempted": "not attempted",
    "locked": "locked by another run, nothing written",
}
_ROLLBACK_WORDS = {
    "applied": "restored", "no_changes": "already as before", "partly_restored": "partly restored",
    "not_restored": "not restored", "stale": "refused (--atomic), nothing written",
    "reverted": "not restored: failed and reverted", "revert_failed": "not restored: revert incomplete",
    "unknown": "state unknown (roll this rollback back)",
}


def host_words(run: JournalRun, host: JournalHost, children: dict[str, JournalRun]) -> str:
    """How one host of one run ended, in words, with what later rollbacks did to it."""
    if host.status == SENDING:
        word = "in flight" if run.status == "running" else "interrupted after its snapshot (roll it back)"
    elif run.kind == "rollback":
        word = _ROLLBACK_WORDS.get(host.status, _APPLY_WORDS.get(host.status, host.status))
        if host.status in ("partly_restored", "not_restored"):
            reason = (host.result or {}).get("message")
            if reason:
                word += f": {reason}"
    else:
        word = _APPLY_WORDS.get(host.status, host.status)
    for child_id in run.undone_by:
        child = children.get(child_id)
        mine = next((h for h in child.hosts if h.host == host.host), None) if child else None
        if mine is None or mine.status in ("no_changes",) and not host.changes:
            continue
        what = "rollback undone" if run.kind == "rollback" else "rolled back"
        outcome = _ROLLBACK_WORDS.get(mine.status, mine.status)
        word += f"; {what} by {child_id} ({outcome.split(':')[0]})"
    return word


def print_history(runs: list[JournalRun], console: Console, children: dict[str, JournalRun],
                  fmt: str = "table") -> None:
    """`table` (a terminal) or `plain`: one line per run, never wrapped, for a pipe or a narrow terminal."""
    if fmt == "plain":
        for run in runs:
            kind = run.kind + (f" of {run.parent_run}" if run.parent_run else "")
            hosts = "; ".join(f"{h.host}: {host_words(run, h, children)}" for h in run.hosts) or "-"
            console.print(markup(f"{run.run_id} {kind} {run.status} started {run.started_at} by "
                                 f"{run.user}@{run.workstation}: {hosts}"))
        if not runs:
            console.print("No runs in the journal.")
        return
    console.print("[bold]runs (newest first)[/]")
    table = Table()
    id_column(table, "run", [markup(r.run_id) for r in runs])
    id_column(table, "kind", [markup(r.kind + (f" of {r.parent_run}" if r.parent_run else "")) for r in runs])
    for column in ("started", "status", "by", "hosts"):
        table.add_column(column, overflow="fold")
    for run in runs:
        hosts = "; ".join(f"{h.host}: {host_words(run, h, children)}" for h in run.hosts) or "-"
        kind = run.kind + (f" of {run.parent_run}" if run.parent_run else "")
        table.add_row(markup(run.run_id), markup(kind), markup(run.started_at), markup(run.status),
                      markup(f"{run.user}@{run.workstation}"), markup(hosts))
    console.print(table)


def print_run_detail(run: JournalRun, console: Console, children: dict[str, JournalRun]) -> None:
    """One run: who, when, why, and per host every change with its before, after and what became of it."""
    kind = run.kind + (f" of {run.parent_run}" if run.parent_run else "")
    console.print(f"[bold]{markup(run.run_id)}[/] {markup(kind)}, {markup(run.status)}; by {markup(run.user)}@"
                  f"{markup(run.workstation)}, {markup(run.started_at)} to {markup(run.finished_at or '-')}")
    console.print(f"  command: {markup(run.command)}")
    if run.reason:
        console.print(f"  reason: {markup(run.reason)}")
    if run.undone_by:
        console.print(f"  rolled back by: {markup(', '.join(run.undone_by))}")
    for host in run.hosts:
        console.print(f"[bold]{markup(host.host)}[/]: {markup(host_words(run, host, children))}")
        if host.integrity:
            console.print(f"  [red]integrity:[/] {markup(host.integrity)}")
        message = (host.result or {}).get("message")
        if message:
            console.print(f"  {markup(str(message))}")
        for change, row in _rows(run, host):
            status = row.get("status") or ("sent" if host.status == SENDING else "-")
            line = (f"  {markup(str(change.get('description')))} "
                    f"[dim](rule {markup(str(change.get('rule_id')))})[/]: "
                    f"{markup(show(change.get('before')))} -> {markup(show(change.get('after')))}: {markup(status)}")
            if row.get("error"):
                line += f" [red]{markup(str(row['error']))}[/]"
            console.print(line)


def _rows(run: JournalRun, host: JournalHost) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(change, its result) for every change of a host. An apply's results follow its changes in order; a
    rollback's results name every change of the run it undid (its snapshot holds only those it had to write)."""
    rows = [r for r in ((host.result or {}).get("changes") or []) if isinstance(r, dict)]
    if run.kind == "rollback" and rows:
        return [(r, r) for r in rows]
    return [(c, rows[i] if i < len(rows) else {}) for i, c in enumerate(host.changes)]
