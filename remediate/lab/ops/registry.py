"""Registry ops (templates/agent/registry.ps1) on `host.registry`, a `SimRegistry`."""

from __future__ import annotations

from typing import Any

from remediate.lab.ops.args import text_arg
from remediate.lab.state.registry import check_hive, normalize_data


def _location(args: Any) -> tuple[str, str, str]:
    hive = check_hive(text_arg(args, "hive"))
    return hive, text_arg(args, "key"), text_arg(args, "name")


def op_get(host: Any, args: Any) -> dict[str, Any]:
    return host.registry.get(*_location(args))


def op_set(host: Any, args: Any) -> None:
    hive, key, name = _location(args)
    type_ = text_arg(args, "type")
    data = normalize_data(type_, args.get("data"))  # before any key is created, as the agent does
    host.registry.set(hive, key, name, type_, data)


def op_remove(host: Any, args: Any) -> None:
    host.registry.remove(*_location(args))


OPS = {"registry.get": op_get, "registry.set": op_set, "registry.remove": op_remove}
WRITES = {"registry.set", "registry.remove"}
