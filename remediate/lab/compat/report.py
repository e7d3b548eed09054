"""The table's rows and findings from a walk of the agent: what is used where, and what a platform lacks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from remediate.lab.compat.catalog import lookup
from remediate.lab.compat.entry import Entry
from remediate.lab.compat.platforms import TARGETS
from remediate.lab.compat.walk import Use, Walk

REVIEW = ".Count on a value not proven a collection"
KIND_ORDER = ("cmdlet", "parameter", "type", "member", "feature", "com")


@dataclass
class Row:
    kind: str
    name: str
    entry: Entry | None
    reached: set[str] = field(default_factory=set)  # platforms on whose paths it runs
    probed: set[str] = field(default_factory=set)  # platforms that only try it (one-statement try, no rethrow)
    functions: set[str] = field(default_factory=set)
    lines: set[int] = field(default_factory=set)


def rows(walk: Walk) -> list[Row]:
    table: dict[tuple[str, str], Row] = {}
    for use in walk.uses:
        key = (use.kind, _display(use))
        row = table.get(key)
        if row is None:
            row = table[key] = Row(use.kind, key[1], lookup(use))
        (row.probed if use.probe else row.reached).update(use.platforms)
        row.functions.add(use.function or "(top level)")
        row.lines.add(use.line)
    for row in table.values():
        row.probed -= row.reached
    return sorted(table.values(), key=lambda r: (KIND_ORDER.index(r.kind), r.name.lower()))


def _display(use: Use) -> str:
    if use.kind == "type":
        from remediate.lab.compat.catalog_dotnet import full_type

        return full_type(use.name)
    if use.kind == "member" and "::" in use.name:
        from remediate.lab.compat.catalog_dotnet import full_type

        type_text, _, member = use.name.partition("::")
        return f"{full_type(type_text)}::{member}"
    return use.name


def too_new(entry: Entry, platform: str) -> bool:
    target = TARGETS[platform]
    return bool((entry.ps and entry.ps > target.ps) or (entry.dotnet and entry.dotnet > target.dotnet))


def violations(table: list[Row], platform: str) -> list[Row]:
    """Rows newer than the platform's PowerShell/.NET on a path that runs there (probes and review rows apart)."""
    return [r for r in table if r.entry is not None and r.name != REVIEW and platform in r.reached
            and too_new(r.entry, platform)]


def absent(table: list[Row], platform: str) -> list[Row]:
    """Rows needing something the platform lacks (a module, Exchange 2007+, Vista APIs) on a path that runs there."""
    return [r for r in table if r.entry is not None and r.entry.needs and platform in r.reached
            and r.entry.needs not in TARGETS[platform].capabilities]


def uncatalogued(table: list[Row]) -> list[Row]:
    return [r for r in table if r.entry is None]


def function_platforms(walk: Walk) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for name in walk.functions:
        out[name] |= set(walk.entry.get(name, frozenset()))
    return out
