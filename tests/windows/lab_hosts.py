"""Lab hosts for the tests of the simulated Windows, built on lab state without the interpreter.

`Ctx` stands for what the interpreter gives a cmdlet (`ctx`: `machine`, `ps_version`, `write_error`) and a static
member or constructor (`rt`): the errors a cmdlet writes are collected in `errors`.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.host import SimHost
from remediate.lab.platforms import PLATFORMS, facts_for, platform_state
from remediate.lab.windows.machine import Machine


def make_host(platform: str = "win2019-ex2019", name: str = "lab1", **state: Any) -> SimHost:
    """A host of `platform` with its platform defaults, then `state` (domain -> load data), as the fleet makes it."""
    host = SimHost(name=name, facts=facts_for(platform, name, []))
    for domain, data in [*platform_state(platform).items(), *state.items()]:
        getattr(host, domain).load(data)
    return host


class Ctx:
    def __init__(self, host: SimHost) -> None:
        self.machine = Machine(host)
        self.ps_version = self.machine.ps_version
        self.errors: list[Any] = []
        self.warnings: list[str] = []

    def write_error(self, record: Any) -> None:
        self.errors.append(record)

    def write_warning(self, message: str) -> None:
        self.warnings.append(message)


def ctx_for(platform: str = "win2019-ex2019", **state: Any) -> Ctx:
    return Ctx(make_host(platform, **state))


ALL_PLATFORMS = sorted(PLATFORMS)
