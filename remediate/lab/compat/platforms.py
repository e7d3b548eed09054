"""What each lab platform offers the agent, as far as the compatibility table's guard evaluation needs it.

PowerShell and .NET versions: Windows Server 2003 runs Windows Management Framework 2.0 (PowerShell 2.0 on the
.NET Framework 2.0 CLR, which WMF 2.0 requires at 2.0 SP1: "Windows Management Framework (Windows PowerShell 2.0,
WinRM 2.0, and BITS 4.0)", KB968930); Windows Server 2012 R2 ships PowerShell 4.0 on .NET Framework 4.5.1; Windows
Server 2019 ships PowerShell 5.1 on .NET Framework 4.7.2 ("Windows PowerShell system requirements", Microsoft Learn).

Commands a platform has beyond PowerShell's own: the NetSecurity module comes with Windows Server 2012 ("NetSecurity
module", Microsoft Learn: Windows Server 2012 and later), the Defender module with Windows Server 2016 ("Defender
module": Windows Server 2016 and later; 2012 R2 lab hosts have no Defender), CimCmdlets with PowerShell 3.0. The
Exchange Management Shell cmdlets exist only once the snap-in is loaded: `Get-Command Get-SendConnector` is
undecided (None) where a snap-in is registered and False where none is (Exchange 2003 has no PowerShell snap-in).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from remediate.lab.platforms import PLATFORMS

NETSECURITY = frozenset({"Get-NetFirewallRule", "Get-NetFirewallPortFilter", "New-NetFirewallRule",
                         "Set-NetFirewallRule", "Remove-NetFirewallRule"})
DEFENDER = frozenset({"Get-MpPreference", "Add-MpPreference", "Remove-MpPreference"})
CIM = frozenset({"Get-CimInstance"})
EXCHANGE = frozenset({"Get-SendConnector", "Set-SendConnector", "Get-ReceiveConnector", "Set-ReceiveConnector",
                      "Get-RemoteDomain", "Set-RemoteDomain", "Get-Queue"})
EXCHANGE_SNAPIN_2013 = "Microsoft.Exchange.Management.PowerShell.SnapIn"


@dataclass(frozen=True)
class Platform:
    name: str
    ps: tuple[int, int]  # PowerShell version
    dotnet: tuple[int, int]  # .NET Framework version the PowerShell runs on
    os: tuple[int, int]  # [Environment]::OSVersion.Version Major, Minor
    commands: frozenset[str] = field(default_factory=frozenset)  # commands beyond PowerShell 2.0's own
    session_commands: frozenset[str] = field(default_factory=frozenset)  # present once a snap-in is added
    snapins: tuple[str, ...] = ()  # registered PowerShell snap-ins (Get-PSSnapin -Registered)
    capabilities: frozenset[str] = field(default_factory=frozenset)  # what catalog entries may `need`

    def has_command(self, name: str) -> bool | None:
        """What `Get-Command name -ErrorAction SilentlyContinue` says: True, False, or None (session-dependent)."""
        key = name.lower()
        if any(key == c.lower() for c in self.session_commands):
            return None
        if any(key == c.lower() for c in self.commands):
            return True
        if any(key == c.lower() for c in NETSECURITY | DEFENDER | CIM | EXCHANGE):
            return False
        return None  # PowerShell's own commands are not modelled here: undecided

    def has_snapin(self, name: str | None) -> bool | None:
        if not self.snapins:
            return False
        if name is None:
            return None
        return name.lower() in (s.lower() for s in self.snapins)


def _os(platform: str) -> tuple[int, int]:
    major, minor = PLATFORMS[platform]["os_version"].split(".")[:2]
    return int(major), int(minor)


TARGETS: dict[str, Platform] = {
    "win2003-ex2003": Platform("win2003-ex2003", (2, 0), (2, 0), _os("win2003-ex2003"),
                               capabilities=frozenset({"exchange2003"})),
    "win2012r2-ex2013": Platform("win2012r2-ex2013", (4, 0), (4, 5), _os("win2012r2-ex2013"),
                                 commands=NETSECURITY | CIM, session_commands=EXCHANGE,
                                 snapins=(EXCHANGE_SNAPIN_2013,), capabilities=frozenset(
                                     {"netsecurity", "cim", "exchange2007", "vista", "wmf3"})),
    "win2019-ex2019": Platform("win2019-ex2019", (5, 1), (4, 7), _os("win2019-ex2019"),
                               commands=NETSECURITY | CIM | DEFENDER, session_commands=EXCHANGE,
                               snapins=(EXCHANGE_SNAPIN_2013,), capabilities=frozenset(
                                   {"netsecurity", "cim", "exchange2007", "vista", "wmf3", "defender"})),
}
# What each capability means (the doc's legend): Windows Vista / Server 2008 APIs (Get-WinEvent's event log API,
# HNetCfg.FwPolicy2), the NetSecurity and Defender modules, CimCmdlets, an Exchange 2007+ Management Shell, and
# Exchange 2000/2003's WMI provider (root\MicrosoftExchangeV2), which only win2003-ex2003 has.
CAPABILITIES = {"vista": "Windows Vista / Server 2008 or later", "netsecurity": "NetSecurity module (Server 2012+)",
                "defender": "Defender module (Server 2016+)", "cim": "CimCmdlets (PowerShell 3.0+)",
                "exchange2007": "Exchange 2007+ Management Shell", "wmf3": "PowerShell 3.0+ host",
                "exchange2003": "Exchange 2000/2003 WMI provider"}
ALL = frozenset(TARGETS)
