"""PowerShell's default output formatting (Out-Default) for what a script writes to the pipeline, as far as the
lab's command line needs it: strings as they are, numbers culture-invariant, booleans True/False, $null as nothing,
hashtables as the Name/Value table, other objects by ToString() (about_Format.ps1xml; the 2.0 console host)."""

from __future__ import annotations

from typing import Any

from remediate.lab.pwsh import ops_bridge as ops
from remediate.lab.windows import clr


def format_objects(objects: list[Any], rt: Any) -> str:
    lines: list[str] = []
    for value in objects:
        if value is None or value is clr.VOID:
            continue
        if isinstance(value, clr.Hashtable):
            lines.extend(_table(value, rt))
        else:
            lines.append(ops.to_string(value, rt))
    return "".join(line + "\n" for line in lines)


def _table(table: clr.Hashtable, rt: Any) -> list[str]:
    rows = [(ops.to_string(k, rt), ops.to_string(v, rt) if not isinstance(v, list) else
             "{" + ", ".join(ops.to_string(i, rt) for i in v) + "}") for k, v in table.items()]
    width = max([4] + [len(name) for name, _ in rows])
    width = max(width, 30) if width <= 30 else width
    out = ["", f"{'Name'.ljust(width)} Value", f"{'----'.ljust(width)} -----"]
    out.extend(f"{name.ljust(width)} {value}".rstrip() for name, value in rows)
    out.append("")
    return out
