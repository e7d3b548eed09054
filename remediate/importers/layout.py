"""Laying out an imported inventory: values shared by every host go to the top, values shared by every member of
a group go to that group, the rest stays on the host.

Why that cannot change any host's settings: a value is moved to a group only when every member of the group has
that same value, so whatever order remediate merges a host's groups in, each of them that sets the key sets it to
the host's own value. Addresses, `spn` and `validate_cert` stay per host (the last must: remediate refuses
`validate_cert: false` above host level).
"""

from __future__ import annotations

import re
from typing import Any

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_PER_HOST = ("address", "validate_cert", "spn")


def hoist(per_host: dict[str, dict[str, dict[str, Any]]], members: dict[str, list[str]]) -> dict[str, Any]:
    """Move values every host shares to the top, values every member of a group shares to the group."""
    document: dict[str, Any] = {}
    top: dict[str, dict[str, Any]] = {"connection": {}, "vars": {}}
    for section in ("connection", "vars"):
        for key, value in _common([per_host[h][section] for h in per_host]).items():
            if section == "connection" and key in _PER_HOST:
                continue  # per host by nature (validate_cert: false is refused above host level)
            top[section][key] = value
            for host in per_host.values():
                del host[section][key]
    groups: dict[str, dict[str, Any]] = {}
    for group, hosts in sorted(members.items(), key=lambda item: (-len(item[1]), item[0])):
        if not hosts or not _NAME.match(group):
            continue
        entry: dict[str, Any] = {"hosts": hosts}
        for section in ("connection", "vars"):
            shared = _common([per_host[h][section] for h in hosts]) if len(hosts) > 1 else {}
            shared = {k: v for k, v in shared.items() if k not in _PER_HOST}
            if shared:
                entry[section] = shared
                for host in hosts:
                    for key in shared:
                        del per_host[host][section][key]
        groups[group] = entry
    for section in ("vars", "connection"):
        if top[section]:
            document[section] = top[section]
    if groups:
        document["groups"] = groups
    document["hosts"] = {name: {k: v for k, v in spec.items() if v} or None for name, spec in per_host.items()}
    return document


_MISSING = object()


def _common(mappings: list[dict[str, Any]]) -> dict[str, Any]:
    if not mappings:
        return {}
    first = mappings[0]
    return {k: v for k, v in first.items() if all(m.get(k, _MISSING) == v for m in mappings[1:])}
