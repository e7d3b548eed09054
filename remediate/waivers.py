"""Waivers: accepted, dated exceptions to drift, and a plan judged under them (what `remediate check` reports).

```yaml
waivers:
  - host: 'ex2003-*'                 # glob over inventory host names, case-sensitive like --limit
    rule: sav-exclude-smtp-folders   # a rule id, exactly
    justification: AV vendor ticket 4711; exclusions pushed from the console instead
    expires: 2027-03-31              # YYYY-MM-DD; the waiver holds through that day
```

Contracts:
- A waiver applies to `drift`, `manual` and `failed` (probe) items of its rule on the hosts its glob matches.
  It never hides an `error` (a value that could not be read is not known to be an accepted deviation) nor a
  host-level error.
- An active waiver turns that drift into `waived`: reported, but not failing. An expired waiver waives nothing:
  the drift still fails and the result names the expired waiver.
- A waiver that matches no drifting item is `unused`: a warning (it can probably be deleted), never a failure.
- Every field is required; a bad file raises `InputError` naming file, line and field.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from remediate.engine.model import HostStatus, ItemStatus, Plan, PlanItem
from remediate.validation import validate
from remediate.yamlsrc import load

FailOn = Literal["drift", "error"]
Verdict = Literal["compliant", "drift", "error"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Everything that is "not as the playbook wants" and was read: drift, drift a human must fix, a failed probe.
DEVIATIONS = frozenset({ItemStatus.DRIFT, ItemStatus.MANUAL, ItemStatus.FAILED})


class Waiver(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    host: str = Field(min_length=1)
    rule: str = Field(min_length=1)
    justification: str = Field(min_length=1)
    expires: date

    @field_validator("expires", mode="before")
    @classmethod
    def _calendar_date(cls, value: Any) -> Any:
        # pydantic alone would also take timestamps and datetimes; a waiver expires on a day, written as one.
        if isinstance(value, date) or (isinstance(value, str) and _DATE.match(value)):
            return value
        raise ValueError("expected a date written YYYY-MM-DD")

    @field_validator("justification")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the justification must say why the drift is accepted")
        return value.strip()


class WaiverFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    waivers: list[Waiver]


@dataclass(frozen=True)
class WaiverEntry:
    """One waiver and where it was written, so every message can point at it."""

    waiver: Waiver
    file: str
    line: int | None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def expired(self, today: date) -> bool:
        return today > self.waiver.expires

    def matches(self, host: str, rule_id: str) -> bool:
        return rule_id == self.waiver.rule and fnmatch.fnmatchcase(host, self.waiver.host)

    def to_json(self) -> dict[str, Any]:
        w = self.waiver
        return {"file": self.file, "line": self.line, "host": w.host, "rule": w.rule,
                "justification": w.justification, "expires": w.expires.isoformat()}


def load_waivers(path: Path) -> list[WaiverEntry]:
    """Read and validate a waiver file. Raises InputError (file, line, field) on anything malformed."""
    source = load(path)  # dates stay text until the model parses them, so 2030-02-30 is a field error with a line
    if source.data is None:
        raise source.lines.error((), "the waiver file is empty; expected 'waivers:' with a list")
    if not isinstance(source.data, dict):
        raise source.lines.error((), f"expected a mapping with 'waivers:', found {type(source.data).__name__}")
    spec = validate(WaiverFile, source.data, source.lines)
    return [WaiverEntry(w, str(path), source.lines.line_of(("waivers", i))) for i, w in enumerate(spec.waivers)]


@dataclass(frozen=True)
class ItemWaiver:
    """What a waiver did to one item: `waived` (active) or `expired` (matched, but no longer waives)."""

    status: Literal["waived", "expired"]
    entry: WaiverEntry


@dataclass(frozen=True)
class UnusedWaiver:
    entry: WaiverEntry
    reason: str


@dataclass
class Assessment:
    """A plan judged for CI: which items fail the check, which are waived, which waivers went unused.

    Items are addressed by (host name, index in that host's items); host names are unique in a plan.
    `fail_on` says what fails the check: "drift" (unwaived drift or any error) or "error" (errors only).
    """

    plan: Plan
    fail_on: FailOn = "drift"
    waiver_file: str | None = None
    today: date = field(default_factory=date.today)
    by_item: dict[tuple[str, int], ItemWaiver] = field(default_factory=dict)
    unused: list[UnusedWaiver] = field(default_factory=list)

    def waiver_for(self, host: str, index: int) -> ItemWaiver | None:
        return self.by_item.get((host, index))

    def is_waived(self, host: str, index: int) -> bool:
        found = self.by_item.get((host, index))
        return found is not None and found.status == "waived"

    def is_failing_drift(self, host: str, index: int, item: PlanItem) -> bool:
        """Drift that counts against the check (whatever --fail-on says): non-compliant and not waived."""
        return item.status in DEVIATIONS and not self.is_waived(host, index)

    def fails(self, host: str, index: int, item: PlanItem) -> bool:
        """Whether this item, on its own, makes the check fail under `fail_on`."""
        if item.status is ItemStatus.ERROR:
            return True
        return self.fail_on == "drift" and self.is_failing_drift(host, index, item)

    def counts(self) -> dict[str, int]:
        """Item and host counts for summaries; `drift` counts every unwaived deviation (drift, manual, failed)."""
        out = {"hosts": len(self.plan.hosts), "hosts_compliant": 0, "hosts_drift": 0, "hosts_error": 0,
               "compliant": 0, "drift": 0, "waived": 0, "expired_waivers": 0, "not_applicable": 0,
               "errors": 0, "unused_waivers": len(self.unused)}
        for host in self.plan.hosts:
            drifting = False
            for index, item in enumerate(host.items):
                waiver = self.waiver_for(host.host, index)
                if waiver is not None and waiver.status == "expired":
                    out["expired_waivers"] += 1
                if item.status is ItemStatus.COMPLIANT:
                    out["compliant"] += 1
                elif item.status is ItemStatus.NOT_APPLICABLE:
                    out["not_applicable"] += 1
                elif item.status is ItemStatus.ERROR:
                    out["errors"] += 1
                elif self.is_waived(host.host, index):
                    out["waived"] += 1
                else:
                    out["drift"] += 1
                    drifting = True
            if host.status is HostStatus.ERROR:
                out["hosts_error"] += 1
                if host.error is not None:
                    out["errors"] += 1
            elif drifting:
                out["hosts_drift"] += 1
            else:
                out["hosts_compliant"] += 1
        return out

    @property
    def verdict(self) -> Verdict:
        """`error` if anything could not be read, else `drift` if unwaived drift remains, else `compliant`."""
        counts = self.counts()
        if counts["errors"] or counts["hosts_error"]:
            return "error"
        return "drift" if counts["drift"] else "compliant"

    @property
    def failed(self) -> bool:
        verdict = self.verdict
        return verdict == "error" or (verdict == "drift" and self.fail_on == "drift")

    def waiver_results(self) -> dict[str, Any]:
        """The `check.waivers` block of the JSON report (docs/plan-format.md)."""
        applied = []
        for host in self.plan.hosts:
            for index, item in enumerate(host.items):
                found = self.waiver_for(host.host, index)
                if found is not None:
                    applied.append({"host": host.host, "rule_id": item.rule_id, "description": item.description,
                                    "status": found.status, "waiver": found.entry.to_json()})
        return {"file": self.waiver_file, "applied": applied,
                "unused": [{**u.entry.to_json(), "reason": u.reason} for u in self.unused]}


def assess(plan: Plan, waivers: list[WaiverEntry] | None = None, *, fail_on: FailOn = "drift",
           today: date | None = None, waiver_file: str | None = None,
           known_rules: set[str] | None = None) -> Assessment:
    """Judge `plan` under `waivers` as of `today` (default: the local date).

    Where several waivers match one item, an active one wins over expired ones, and among expired ones the
    latest expiry is named. `known_rules` (the playbooks' rule ids) only sharpens the reason given for an unused
    waiver ("no such rule" rather than "no drift").
    """
    result = Assessment(plan=plan, fail_on=fail_on, waiver_file=waiver_file, today=today or date.today())
    entries = list(waivers or [])
    used: set[int] = set()
    for host in plan.hosts:
        for index, item in enumerate(host.items):
            if item.status not in DEVIATIONS:
                continue
            matching = [(n, e) for n, e in enumerate(entries) if e.matches(host.host, item.rule_id)]
            if not matching:
                continue
            used.update(n for n, _ in matching)
            active = [e for _, e in matching if not e.expired(result.today)]
            if active:
                result.by_item[(host.host, index)] = ItemWaiver("waived", active[0])
            else:
                latest = max((e for _, e in matching), key=lambda e: e.waiver.expires)
                result.by_item[(host.host, index)] = ItemWaiver("expired", latest)
    for n, entry in enumerate(entries):
        if n not in used:
            result.unused.append(UnusedWaiver(entry, _unused_reason(entry, plan, known_rules, result.today)))
    return result


def _unused_reason(entry: WaiverEntry, plan: Plan, known_rules: set[str] | None, today: date) -> str:
    w = entry.waiver
    suffix = f" (and it expired on {w.expires.isoformat()})" if entry.expired(today) else ""
    rules_in_plan = {item.rule_id for host in plan.hosts for item in host.items}
    if known_rules is not None and w.rule not in known_rules:
        return f"no rule {w.rule!r} in the playbooks" + suffix
    hosts = [h for h in plan.hosts if fnmatch.fnmatchcase(h.host, w.host)]
    if not hosts:
        return f"no checked host matches {w.host!r}" + suffix
    unread = [h.host for h in hosts if h.status is HostStatus.ERROR and h.error is not None]
    if unread and len(unread) == len(hosts):
        return f"host(s) {', '.join(unread)} could not be read, so nothing was waived" + suffix
    if known_rules is None and w.rule not in rules_in_plan:
        return f"rule {w.rule!r} was not checked on any host" + suffix
    return f"rule {w.rule!r} shows no drift on the matching host(s); the waiver can go" + suffix
