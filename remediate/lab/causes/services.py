"""The services' event-4006 causes on `host.services`, a `remediate.lab.state.services.SimServices`."""

from __future__ import annotations

from typing import Any

# The service that answers SMTP on each platform: Exchange 2003's IIS SMTP service, Exchange 2013+'s front end.
SMTP_SERVICES = ("SMTPSVC", "MSExchangeFrontEndTransport", "MSExchangeTransport")


def active_causes(host: Any) -> list[str]:
    """`smtp-service-stopped` (event-4006 case 4): a service that answers SMTP is installed but not running.
    `smsmse-heuristics` (case 7): Symantec Mail Security for Exchange runs (the lab cannot see its heuristics
    setting, which lives in the product's console, so a running SMSMSE counts as the cause)."""
    causes = []
    states = [host.services.state_of(name) for name in SMTP_SERVICES]
    if any(state not in (None, "running") for state in states):
        causes.append("smtp-service-stopped")
    if host.services.state_of("SMSMSE") == "running":
        causes.append("smsmse-heuristics")
    return causes
