"""Exchange 2007+'s event-4006 causes on `host.exchange`, a `remediate.lab.state.exchange.SimExchange`."""

from __future__ import annotations

from typing import Any


def active_causes(host: Any) -> list[str]:
    """Event-4006 causes this host's Exchange configuration shows (lab conventions in remediate/lab/state/exchange.py):
    "smart-host-wrong" and "no-banner", the ids the Exchange 2003 domain gives the same causes, and
    "tnef-not-understood" (TNEF to a peer that cannot read it; Exchange 2003's Summary-TNEF cause is "stnef")."""
    return list(host.exchange.causes())
