"""Metabase property ops (templates/agent/metabase.ps1) on `host.metabase`, a `SimMetabase`.

`metabase.get` answers `{"local": false}` when the property is not set on that node (it inherits, or is set
nowhere) and `{"local": true, "type": "STRING"|"DWORD", "value": V}` when it is; `metabase.set` writes a local value
(ADSI Put + SetInfo); `metabase.clear` removes it (ADSI PutEx ADS_PROPERTY_CLEAR + SetInfo), so the parent's value
applies again. Arguments are checked in the agent's order with its messages.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.ops.args import text_arg
from remediate.lab.state.metabase import check_path, check_property, check_value


def _where(args: Any) -> tuple[str, str]:
    path = check_path(text_arg(args, "path"))
    return path, check_property(text_arg(args, "property"))


def op_get(host: Any, args: Any) -> dict[str, Any]:
    path, prop = _where(args)
    return host.metabase.local(path, prop)


def op_set(host: Any, args: Any) -> None:
    path, prop = _where(args)
    type_ = text_arg(args, "type")
    value = check_value(type_, args.get("value"))
    host.metabase.set(path, prop, type_, value)


def op_clear(host: Any, args: Any) -> None:
    path, prop = _where(args)
    host.metabase.clear(path, prop)


OPS = {"metabase.get": op_get, "metabase.set": op_set, "metabase.clear": op_clear}
WRITES = {"metabase.set", "metabase.clear"}
