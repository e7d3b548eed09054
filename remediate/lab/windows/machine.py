"""One simulated Windows host as .NET and the cmdlets see it: the lab host's state domains and its platform.

`host` is the lab's simulated server (`remediate.lab.host.SimHost`, duck-typed here so that this layer does not
import the one above it): its `facts` give the platform (`ps_version`, `os_version`), its fields the state domains
(`registry`, `services`, `metabase`, `directory`, `exchange`, `firewall`, `defender`, `mail`, `host_lock`).
"""

from __future__ import annotations

from typing import Any


class Machine:
    def __init__(self, host: Any) -> None:
        self.host = host
        facts = getattr(host, "facts", {}) or {}
        self.os_version: str = str(facts.get("os_version") or "10.0.17763")
        self.exchange_version: str | None = facts.get("exchange_version")
        ps = str(facts.get("ps_version") or "5.1")
        # Where Windows PowerShell 2.0 and 5.1 differ, the interpreter and the simulations follow the host.
        self.ps_version: int = 2 if ps.startswith("2") else 5
        # The newest .NET Framework each platform has out of the box: 2.0 with WMF 2.0 on Server 2003 (3.5 is an
        # optional install there), 4.5.1 on 2012 R2, 4.7.2 on 2019 (clr.available decides what a host can use).
        self.framework: str = {"5.2": "2.0", "6.3": "4.5.1"}.get(self.os_version[:3], "4.7.2")
        # %COMPUTERNAME% and Environment.MachineName are the NetBIOS name: the first label of the host's name, in
        # upper case, at most 15 characters ("Computer Names", learn.microsoft.com/troubleshoot/windows-server/
        # identity/naming-conventions-for-computer-domain-site-ou).
        name = str(facts.get("hostname") or getattr(host, "name", "") or "LAB")
        self.computer_name: str = name.split(".")[0].upper()[:15]

    def __getattr__(self, name: str) -> Any:
        # The state domains (machine.registry, machine.services, ...) are the host's.
        return getattr(self.__dict__["host"], name)
