"""Exchange 2003's Summary-TNEF cause on `host.directory` (a `SimDirectory`) and `host.registry`.

"stnef" while an Exchange 5.5 peer sits in the routing group (lab-only `legacy_peers`) and the store driver has not
been told to send TNEF. What that registry fix is, is UNCONFIRMED (KB 919091 Resolution 2): the lab checks its own
placeholder `LAB_TNEF_FIX`, which the lab scenarios' variables point the playbook at.
"""

from __future__ import annotations

from typing import Any

# LAB-ONLY placeholder for KB 919091 Resolution 2's registry fix (hive, key, name, type, data): NOT the real one.
LAB_TNEF_FIX = ("HKLM", "SOFTWARE\\RemediateLab\\UNCONFIRMED-KB919091-Resolution2", "LabForceTnef", "REG_DWORD", 1)


def active_causes(host: Any) -> list[str]:
    if not host.directory.legacy_peers:
        return []
    hive, key, name, type_, data = LAB_TNEF_FIX
    if host.registry.get(hive, key, name) == {"exists": True, "type": type_, "data": data}:
        return []
    return ["stnef"]
