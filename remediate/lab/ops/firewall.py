"""Firewall rule ops (templates/agent/firewall.ps1) on `host.firewall`, a `SimFirewall`.

Arguments are checked in the agent's order and with its messages: the name, then (for set) the rule's fields,
then what the host's firewall API allows.
"""

from __future__ import annotations

import re
from typing import Any

from remediate.lab.ops.args import text_arg
from remediate.lab.state import InvalidArgument

_PROTOCOL = re.compile(r"[A-Za-z0-9]+")
_PORTS = re.compile(r"[A-Za-z0-9-]+(,[A-Za-z0-9-]+)*")


def _name(args: Any) -> str:
    name = text_arg(args, "name")
    if not name:
        raise InvalidArgument("argument 'name' must not be empty")
    return name


def _fields(args: Any) -> dict[str, Any]:
    direction = text_arg(args, "direction")
    if direction not in ("in", "out"):
        raise InvalidArgument("argument 'direction' must be in or out")
    protocol = text_arg(args, "protocol")
    if not _PROTOCOL.fullmatch(protocol):
        raise InvalidArgument("argument 'protocol' must be a protocol name or number such as TCP")
    ports = text_arg(args, "local_port")
    if not _PORTS.fullmatch(ports):
        raise InvalidArgument("argument 'local_port' must be ports, ranges or keywords separated by commas")
    action = text_arg(args, "action")
    if action not in ("allow", "block"):
        raise InvalidArgument("argument 'action' must be allow or block")
    enabled = args.get("enabled")
    if not isinstance(enabled, bool):
        raise InvalidArgument("argument 'enabled' must be true or false")
    return {"direction": direction, "protocol": protocol, "local_port": ports, "action": action,
            "enabled": enabled}


def op_get(host: Any, args: Any) -> dict[str, Any]:
    return host.firewall.get(_name(args))


def op_set(host: Any, args: Any) -> None:
    name = _name(args)
    host.firewall.set(name, _fields(args))


def op_remove(host: Any, args: Any) -> None:
    host.firewall.remove(_name(args))


OPS = {"firewall.get": op_get, "firewall.set": op_set, "firewall.remove": op_remove}
WRITES = {"firewall.set", "firewall.remove"}
