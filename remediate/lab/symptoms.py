"""Causes produce symptoms: the event-4006 causes a simulated host shows drive its mail queue and event log.

`tick(host)` runs once per agent command, before the agent runs (SimHost.run_command calls it after every state
domain's `before_command`). It collects the host's active causes and lets one simulated minute
pass on `host.mail` (remediate/lab/state/mail.py): while any cause is active the outbound queue grows in Retry and,
on Exchange 2000/2003, event 4006 is logged; once none is, no event is logged and the queue drains.

Where causes come from:
- every lab op domain's `active_causes(host)` (remediate/lab/ops/<domain>.py: services, firewall, Defender,
  metabase, MetaBase.xml, Exchange 2003's directory and registry fix, Exchange 2007+ transport objects);
- the path to the host's next hop (`host.mail.next_hop`, a lab SMTP listener; remediate/lab/smtp.py): a listener
  that refuses connections (`next-hop-port25-blocked`, cause 1), says nothing or no 220 line (`next-hop-no-banner`,
  cause 5), or sits behind a router with classic SMTP inspection (`smtp-inspect-on-path`, cause 9);
- Symantec AntiVirus settings in the registry (`sav-exclusions-off`, `sav-internet-mail`, causes 3 and 8), read
  here only while the registry domain defines no `active_causes` of its own. Lab conventions, not product facts:
  RealTimeScan\\HaveExceptionDirs REG_DWORD 0 with OnOff 1 means the SMTP folders are scanned; a value OnOff of 1
  under the Internet E-mail Auto-Protect key the playbooks' lab variables name (UNCONFIRMED location) means the
  feature is on.

A domain whose `active_causes` raises is skipped for that tick and the error is kept in `host.mail.problems`: one
domain's bug must not take every host's commands down with it; tests assert the list stays empty.

Causes are read before the mail lock is taken: a domain may need the registry lock, which a concurrent request on
the same host holds while it waits for the mail lock in an op.
"""

from __future__ import annotations

import re
from typing import Any

from remediate.lab.platforms import has_exchange, is_legacy

SAV_KEY = "SOFTWARE\\INTEL\\LANDesk\\VirusProtect6\\CurrentVersion\\Storages"
SAV_FILESYSTEM = SAV_KEY + "\\Filesystem\\RealTimeScan"
SAV_INTERNET_MAIL = SAV_KEY + "\\InternetMail\\RealTimeScan"  # the reference's lead only: UNCONFIRMED
_REPLY_220 = re.compile(r"220(?:[ -]|$)")


def active_causes(host: Any) -> list[str]:
    """Every event-4006 cause the host shows now, sorted, each once."""
    from remediate.lab import ops

    found: set[str] = set()
    sources = [(m.__name__.rsplit(".", 1)[-1], getattr(m, "active_causes", None)) for m in ops._MODULES]
    sources += [("network path", path_causes)]
    if getattr(ops.registry, "active_causes", None) is None:
        sources.append(("registry (Symantec AntiVirus)", registry_causes))
    for name, fn in sources:
        if fn is None:
            continue
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
    causes = []
    if network.masked(name):
        causes.append("smtp-inspect-on-path")
    banner = listener.greeting().banner
    if not banner or not _REPLY_220.match(banner):
        causes.append("next-hop-no-banner")
    return causes


def registry_causes(host: Any) -> list[str]:
    registry = host.registry
    causes = []
    scan = registry.get("HKLM", SAV_FILESYSTEM, "OnOff")
    exceptions = registry.get("HKLM", SAV_FILESYSTEM, "HaveExceptionDirs")
    if scan.get("data") == 1 and exceptions.get("exists") and exceptions.get("data") == 0:
        causes.append("sav-exclusions-off")
    if registry.get("HKLM", SAV_INTERNET_MAIL, "OnOff").get("data") == 1:
        causes.append("sav-internet-mail")
    return causes


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
