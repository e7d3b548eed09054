"""Service ops (templates/agent/services.ps1) on `host.services`, a `SimServices`.

Arguments are checked in the agent's order and with its messages before the service is looked up.
"""

from __future__ import annotations

import re
from typing import Any

from remediate.lab.ops.args import text_arg
from remediate.lab.state import InvalidArgument

_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\*?\[\]]")


def _name(args: Any) -> str:
    name = text_arg(args, "name")
    if not name or _BAD_NAME.search(name):
        raise InvalidArgument("argument 'name' must be a service name without / \\ * ? [ ] or control characters")
    return name


def _option(args: Any, name: str, allowed: tuple[str, ...]) -> str | None:
    value = args.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise InvalidArgument(f"argument '{name}' must be one of {', '.join(allowed)}")
    return value


def op_get(host: Any, args: Any) -> dict[str, Any]:
    name = _name(args)
    fields = args.get("fields")
    if not isinstance(fields, list) or not all(isinstance(f, str) and f in ("state", "start_mode") for f in fields):
        raise InvalidArgument("argument 'fields' must be a list of 'state' and 'start_mode'")
    return host.services.get(name, fields)


def op_set(host: Any, args: Any) -> None:
    name = _name(args)
    exists = args.get("exists")
    if not isinstance(exists, bool):
        raise InvalidArgument("argument 'exists' must be true or false")
    state = _option(args, "state", ("running", "stopped"))
    start_mode = _option(args, "start_mode", ("auto", "manual", "disabled"))
    host.services.set(name, exists, state, start_mode)


OPS = {"service.get": op_get, "service.set": op_set}
WRITES = {"service.set"}
