"""Defender exclusion ops (templates/agent/defender.ps1) on `host.defender`, a `SimDefender`.

Arguments are checked in the agent's order and with its messages before Defender is asked.
"""

from __future__ import annotations

import re
from typing import Any

from remediate.lab.ops.args import text_arg
from remediate.lab.state import InvalidArgument

_BAD_VALUE = re.compile(r'[\x00-\x1f\x7f"<>|]')


def _request(args: Any) -> tuple[str, str]:
    type_ = text_arg(args, "type")
    value = text_arg(args, "value")
    if type_ not in ("path", "process"):
        raise InvalidArgument(f"unknown exclusion type '{type_}': expected path or process")
    if not value or _BAD_VALUE.search(value):
        raise InvalidArgument('an exclusion must be a non-empty path or name without control characters or " < > |')
    return type_, value


def op_get(host: Any, args: Any) -> dict[str, bool]:
    return host.defender.get(*_request(args))


def op_add(host: Any, args: Any) -> None:
    host.defender.add(*_request(args))


def op_remove(host: Any, args: Any) -> None:
    host.defender.remove(*_request(args))


OPS = {"defender.get": op_get, "defender.add": op_add, "defender.remove": op_remove}
WRITES = {"defender.add", "defender.remove"}
