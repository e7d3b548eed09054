"""Metabase property ops (templates/agent/metabase.ps1) on `host.metabase`, a `SimMetabase`.

`metabase.get` answers `{"local": false}` when the property is not set on that node (it inherits, or is set
nowhere) and `{"local": true, "type": "STRING"|"DWORD", "value": V}` when it is; `metabase.set` writes a local value
(ADSI Put + SetInfo); `metabase.clear` removes it (ADSI PutEx ADS_PROPERTY_CLEAR + SetInfo), so the parent's value
applies again. Arguments are checked in the agent's order with its messages.

`active_causes`: "smart-host-wrong" when /LM/SMTPSVC/1 always uses a smart host (SmartHostType 2) and none of
its smart hosts answers (the lab's convention, as in lab/state/exchange.py: a name under the reserved `.invalid`
top-level domain, RFC 2606, never answers); "no-banner" when a ConnectResponse is in effect that does not start
with a 220 reply. The lab sends a set ConnectResponse as the whole greeting line: whether the real service puts
"220 <FQDN>" in front of it is UNCONFIRMED (KB 281224), so the lab takes the case where it does not.
"""

from __future__ import annotations

import re
from typing import Any

from remediate.lab.ops.args import text_arg
from remediate.lab.state.metabase import check_path, check_property, check_value

INSTANCE = "/LM/SMTPSVC/1"
_REPLY_220 = re.compile(r"220(?:[ -]|$)")


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


def active_causes(host: Any) -> list[str]:
    metabase = host.metabase
    if not metabase.exists(INSTANCE):
        return []
    causes = []
    if metabase.effective(INSTANCE, "SmartHostType") == 2:
        listed = [h.strip().lower() for h in (metabase.effective(INSTANCE, "SmartHost") or "").split(";")]
        if not any(h and not h.endswith(".invalid") for h in listed):
            causes.append("smart-host-wrong")
    banner = metabase.effective(INSTANCE, "ConnectResponse")
    if banner and not _REPLY_220.match(banner):
        causes.append("no-banner")
    return causes
