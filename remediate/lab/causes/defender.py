"""Defender's event-4006 cause on `host.defender`, a `remediate.lab.state.defender.SimDefender`."""

from __future__ import annotations

from typing import Any

# The transport's queue folder and worker process: what a Defender scan on the SMTP path touches first.
QUEUE_FOLDER = "\\TransportRoles\\Data\\Queue"
WORKER_PROCESS = "EdgeTransport.exe"


def active_causes(host: Any) -> list[str]:
    """`av-scanning-transport`: Defender runs and scans the transport queue or its worker process (event-4006
    case 8, modern equivalent)."""
    defender = host.defender
    if defender.installed and not (defender.excludes("path", QUEUE_FOLDER)
                                   and defender.excludes("process", WORKER_PROCESS)):
        return ["av-scanning-transport"]
    return []
