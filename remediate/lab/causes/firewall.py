"""The host firewall's event-4006 cause on `host.firewall` (a `SimFirewall`) and, on 2003, `host.services`."""

from __future__ import annotations

from typing import Any


def active_causes(host: Any) -> list[str]:
    """`port25-blocked` (event-4006 case 1): the host firewall drops inbound TCP 25. On Windows Server 2003, which
    has no advanced firewall, the lab's Windows Firewall is the SharedAccess service and opens no ports."""
    if host.firewall.api == "none":
        blocked = host.services.state_of("SharedAccess") == "running"
    else:
        blocked = not host.firewall.allows(25, "TCP")
    return ["port25-blocked"] if blocked else []
