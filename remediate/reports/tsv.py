"""Tab-separated output (`--format tsv`), for scripts: one header line, then one line per row.

Contract: every row has exactly the header's number of fields; a field never holds a tab, a line break or another
control character: `\\`, `\\t`, `\\n` and `\\r` are written as backslash escapes (as PostgreSQL's text format
does), any other control or bidi character as `\\xNN` / `\\uNNNN` (remediate/safetext.py). Values are the same
words `--json` uses (outcome `not_attempted`, status `not_applicable`); structured values (a registry value, a
list) are compact JSON. Human text (summaries, notes) goes to stderr, so stdout is the table alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from remediate.engine.model import Plan, PlanItem, RunResult
from remediate.journal import JournalRun
from remediate.safetext import clean


def field(value: Any) -> str:
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value
    elif isinstance(value, bool) or isinstance(value, (int, float)):
        text = json.dumps(value)
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # Backslashes first, so that the escapes below stay unambiguous; then the one sanitiser (tabs and line breaks
    # become \t and \n, other controls and bidi marks \xNN and \uNNNN).
    return clean(text.replace("\\", "\\\\"))


def write_rows(out: TextIO, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
    out.write("\t".join(header) + "\n")
    for row in rows:
        out.write("\t".join(field(v) for v in row) + "\n")
    out.flush()


RUN_HEADER = ("run_id", "kind", "host", "outcome", "changes", "message")


def write_run(result: RunResult, out: TextIO) -> None:
    write_rows(out, RUN_HEADER, ((result.run_id, result.kind, h.host, h.outcome.value, len(h.changes), h.message)
                                 for h in result.hosts))


HISTORY_HEADER = ("run_id", "kind", "parent_run", "started_at", "finished_at", "status", "user", "workstation",
                  "host", "host_status")


def write_history(runs: list[JournalRun], out: TextIO) -> None:
    """One row per host of each run (a run without hosts: one row with empty host fields)."""
    rows = []
    for run in runs:
        base = (run.run_id, run.kind, run.parent_run, run.started_at, run.finished_at, run.status, run.user,
                run.workstation)
        rows += [(*base, h.host, h.status) for h in run.hosts] or [(*base, None, None)]
    write_rows(out, HISTORY_HEADER, rows)


PLAN_HEADER = ("host", "host_status", "status", "rule_id", "kind", "resource", "before", "after", "error",
               "defined_at")

# What a caller may put in place of an item's status (check: `waived`).
Label = Callable[[str, int, PlanItem], str]


def write_plan(plan: Plan, out: TextIO, label: Label | None = None) -> None:
    """Every item of every host (compliant and not applicable too: filter with awk); a host that could not be read
    is one row with status `error` and its error."""
    rows = []
    for host in plan.hosts:
        if host.error is not None:
            rows.append((host.host, host.status.value, "error", None, None, None, None, None,
                         f"{host.error.type}: {host.error.message}", None))
        for index, item in enumerate(host.items):
            status = label(host.host, index, item) if label else item.status.value
            where = f"{item.defined_at.file}:{item.defined_at.line}" if item.defined_at else None
            rows.append((host.host, host.status.value, status, item.rule_id, item.kind, item.description,
                         item.before, item.after, item.error, where))
    write_rows(out, PLAN_HEADER, rows)
