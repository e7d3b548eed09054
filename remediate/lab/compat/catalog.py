"""The curated catalog behind the table: one lookup for every kind of thing the walk records."""

from __future__ import annotations

from remediate.lab.compat.catalog_cmdlets import CMDLETS, parameter
from remediate.lab.compat.catalog_dotnet import static_entry, type_entry
from remediate.lab.compat.catalog_language import COM, FEATURES
from remediate.lab.compat.catalog_members import MEMBERS
from remediate.lab.compat.entry import Entry
from remediate.lab.compat.walk import Use


def lookup(use: Use) -> Entry | None:
    """The catalog's entry for what `use` names, None when the catalog lacks it (a test fails then)."""
    if use.kind == "cmdlet":
        return CMDLETS.get(use.name.lower())
    if use.kind == "parameter":
        cmdlet, _, name = use.name.partition(" ")
        return parameter(cmdlet, name)
    if use.kind == "type":
        return type_entry(use.name)
    if use.kind == "member":
        if "::" in use.name:
            return static_entry(use.name)
        return MEMBERS.get(use.name[1:].lower())
    if use.kind == "feature":
        return FEATURES.get(use.name)
    if use.kind == "com":
        return COM.get(use.name.lower())
    return None
