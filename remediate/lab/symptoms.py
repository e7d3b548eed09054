"""Causes produce symptoms: the event-4006 causes a simulated host shows drive its mail queue and event log.

`tick(host)` runs once per agent command, before the agent runs (SimHost.run_command calls it after every state
domain's `before_command`). It collects the host's active causes and lets one simulated minute
pass on `host.mail` (remediate/lab/state/mail.py): while any cause is active the outbound queue grows in Retry and,
on Exchange 2000/2003, event 4006 is logged; once none is, no event is logged and the queue drains.

Where causes come from:
- every domain of `remediate.lab.causes` (remediate/lab/causes/<domain>.py: services, firewall, Defender,
  metabase, MetaBase.xml, Exchange 2003's directory and registry fix, Exchange 2007+ transport objects, Symantec
  AntiVirus settings in the registry), each reading the host's state only;
- the path to the host's next hop (`host.mail.next_hop`, a lab SMTP listener; remediate/lab/smtp.py): a listener
  that refuses connections (`next-hop-port25-blocked`, cause 1), says nothing or no 220 line (`next-hop-no-banner`,
  cause 5), or sits behind a router with classic SMTP inspection (`smtp-inspect-on-path`, cause 9).

A domain whose `active_causes` raises is skipped for that tick and the error is kept in `host.mail.problems`: one
domain's bug must not take every host's commands down with it; tests assert the list stays empty.

Causes are read before the mail lock is taken: a domain may need the registry lock, which a concurrent request on
the same host holds while it waits for the mail lock in an op.
"""

from __future__ import annotations

from typing import Any

from remediate.lab import causes
from remediate.lab.causes.metabase import REPLY_220
from remediate.lab.platforms import has_exchange, is_legacy


def active_causes(host: Any) -> list[str]:
    """Every event-4006 cause the host shows now, sorted, each once."""
    found: set[str] = set()
    sources = [(name, module.active_causes) for name, module in causes.DOMAINS.items()]
    sources.append(("network path", path_causes))
    for name, fn in sources:
        try:
            found.update(str(c) for c in fn(host))
        except Exception as exc:  # noqa: BLE001 - see the module docstring
            with host.mail.lock:
                host.mail.problems.append(f"{name}: {type(exc).__name__}: {exc}")
    return sorted(found)


def path_causes(host: Any) -> list[str]:
    """What the path to `host.mail.next_hop` does to an SMTP session, as the lab's network shows it."""
    name = host.mail.next_hop
    network = getattr(host, "network", None)
    if not name or network is None:
        return []
    listener = network.listeners.get(name)
    if listener is None:
        raise LookupError(f"next_hop {name!r} is no SMTP listener of this lab")
    if not listener.running():
        return ["next-hop-port25-blocked"]
    found = []
    if network.masked(name):
        found.append("smtp-inspect-on-path")
    banner = listener.greeting().banner
    if not banner or not REPLY_220.match(banner):
        found.append("next-hop-no-banner")
    return found


def tick(host: Any) -> None:
    """One agent command on this host: one simulated minute with the causes it shows now."""
    if not has_exchange(host):
        host.mail.step([], 1, False, command=True)  # the clock runs; there is no transport to be broken
        return
    host.mail.step(active_causes(host), 1, is_legacy(host), command=True)


def advance(host: Any, minutes: int) -> None:
    """Let `minutes` pass on the host with no command run (for tests and the lab's users). What the host does on
    its own runs first (the other domains' `before_command`, such as Exchange 2003's DS2MB copying AD into the
    metabase); then nothing changes its settings, so the causes are read once."""
    if minutes < 0:
        raise ValueError("time only moves forward")
    for domain in host.state_domains():
        hook = getattr(getattr(host, domain), "before_command", None)
        if domain != "mail" and hook is not None:
            hook(host)
    causes = active_causes(host) if has_exchange(host) else []
    host.mail.step(causes, minutes, is_legacy(host))
