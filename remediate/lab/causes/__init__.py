"""The lab's scenario knowledge: which event-4006 causes a simulated host's state shows, one module per domain.

Each module has `active_causes(host) -> list[str]`, read from the host's state (`remediate.lab.state`) only: what
is wrong on the host, whatever executes the agent against it. `remediate.lab.symptoms` turns the causes into a mail
queue and event-log entries; `remediate.lab.smtp` asks single domains (one at a time, see its `domain_causes`) what
the host's SMTP service answers. The causes on the network path (a next hop that refuses or says nothing) are not
the host's state: `remediate.lab.symptoms.path_causes` reads them from the lab's network.

Cause ids are the lab's names for the cases of the event-4006 write-up (tests/e2e/test_diagnose.py maps them).
"""

from __future__ import annotations

from types import ModuleType

from remediate.lab.causes import defender, directory, exchange, firewall, metabase, metabasefile, registry, services

# name -> module with `active_causes`: what symptoms.active_causes walks (looked up at call time, so a test can
# replace one domain's function).
DOMAINS: dict[str, ModuleType] = {
    "exchange": exchange,
    "directory": directory,  # Exchange 2003: AD and the registry fix for Summary-TNEF
    "metabase": metabase,
    "metabasefile": metabasefile,
    "defender": defender,
    "firewall": firewall,
    "services": services,
    "registry": registry,  # Symantec AntiVirus settings
}
