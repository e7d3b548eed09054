"""A stand-alone simulated host for the command line and the interpreter's tests: the lab's state domains with a
platform's defaults, without the WS-Management host above this layer (remediate.lab.host.SimHost is the lab's full
host; `windows.machine.Machine` takes either, duck-typed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from remediate.lab.platforms import facts_for, platform_state
from remediate.lab.state.defender import SimDefender
from remediate.lab.state.directory import SimDirectory
from remediate.lab.state.exchange import SimExchange
from remediate.lab.state.files import SimFiles
from remediate.lab.state.firewall import SimFirewall
from remediate.lab.state.lock import SimHostLock
from remediate.lab.state.mail import SimMail
from remediate.lab.state.metabase import SimMetabase
from remediate.lab.state.registry import SimRegistry
from remediate.lab.state.services import SimServices


@dataclass
class StateHost:
    name: str
    facts: dict[str, Any] = field(default_factory=dict)
    files: SimFiles = field(default_factory=SimFiles)  # the volume MetaBase.xml and the lock file live on
    registry: SimRegistry = field(default_factory=SimRegistry)
    exchange: SimExchange = field(default_factory=SimExchange)
    metabase: SimMetabase = field(default_factory=SimMetabase)
    directory: SimDirectory = field(default_factory=SimDirectory)
    services: SimServices = field(default_factory=SimServices)
    firewall: SimFirewall = field(default_factory=SimFirewall)
    defender: SimDefender = field(default_factory=SimDefender)
    mail: SimMail = field(default_factory=SimMail)
    host_lock: SimHostLock = field(default_factory=SimHostLock)

    def __post_init__(self) -> None:
        # As SimHost: one volume per host, shared by the domains that keep files on it.
        self.metabase.files.bind(self.files)
        self.host_lock.bind(self.files)


def make_machine(platform: str, name: str = "lab-host") -> Any:
    """A windows.machine.Machine over a StateHost of `platform` holding that platform's default state."""
    from remediate.lab.windows.machine import Machine
    host = StateHost(name=name, facts=facts_for(platform, name, []))
    for domain, data in platform_state(platform).items():
        getattr(host, domain).load(data)
    return Machine(host)
