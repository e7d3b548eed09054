"""Lab hosts for the tests of ADSI, Exchange, Defender, NetSecurity and sockets, built on lab state directly.

`Rt` stands for what the interpreter gives a static member, a constructor (`rt`) and a cmdlet (`ctx`): the errors a
cmdlet writes are collected in `errors`.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.host import SimHost
from remediate.lab.platforms import facts_for, platform_state
from remediate.lab.windows.machine import Machine


def make_host(platform: str = "win2019-ex2019", name: str = "lab1", **state: Any) -> SimHost:
    """A host of `platform` with its platform defaults, then `state` (domain -> load data), as the fleet makes it."""
    host = SimHost(name=name, facts=facts_for(platform, name, []))
    for domain, data in [*platform_state(platform).items(), *state.items()]:
        getattr(host, domain).load(data)
    return host


class Rt:
    def __init__(self, host: SimHost) -> None:
        self.machine = Machine(host)
        self.ps_version = self.machine.ps_version
        self.errors: list[Any] = []
        self.warnings: list[str] = []

    def write_error(self, record: Any) -> None:
        self.errors.append(record)

    def write_warning(self, message: str) -> None:
        self.warnings.append(message)


def rt_for(platform: str = "win2019-ex2019", **state: Any) -> Rt:
    return Rt(make_host(platform, **state))
