"""Cmdlets the agent calls and the parameters it passes, with the version that introduced each.

Sources: each cmdlet's Microsoft Learn page (the PowerShell-Docs reference for 2.0/3.0 where a parameter arrived
later, "What's New in Windows PowerShell 2.0" for 2.0's additions), the module pages of NetSecurity
("Applies to Windows Server 2012 and later"), Defender (ConfigDefender: Windows Server 2016 and later), CimCmdlets
(PowerShell 3.0), and the Exchange Server PowerShell reference (office-docs-powershell: "Applies to Exchange Server
2007" and later for the transport cmdlets). Common parameters (-ErrorAction, -ErrorVariable, -Confirm) are
PowerShell 1.0's (about_CommonParameters).
"""

from __future__ import annotations

from remediate.lab.compat.entry import LEARN, Entry, other, ps

_MGMT = LEARN + "powershell/module/microsoft.powershell.management/"
_UTIL = LEARN + "powershell/module/microsoft.powershell.utility/"
_CORE = LEARN + "powershell/module/microsoft.powershell.core/"
_EXCHANGE = LEARN + "powershell/module/exchange/"
_NETSEC = LEARN + "powershell/module/netsecurity/"
_DEFENDER = LEARN + "powershell/module/defender/"
_COMMON = _CORE + "about/about_commonparameters"
_WHATSNEW2 = LEARN + "previous-versions/windows/it-pro/windows-powershell-1.0/dd367858(v=technet.10)"


def _exchange(name: str) -> Entry:
    return other("Exchange 2007 Management Shell", _EXCHANGE + name.lower(), needs="exchange2007")


def _netsec(name: str) -> Entry:
    return ps("3.0", _NETSEC + name.lower(), needs="netsecurity", note="NetSecurity module, Windows Server 2012")


def _defender(name: str) -> Entry:
    return ps("3.0", _DEFENDER + name.lower(), needs="defender", note="Defender module, Windows Server 2016")


CMDLETS: dict[str, Entry] = {
    "new-object": ps("1.0", _UTIL + "new-object"),
    "get-command": ps("1.0", _CORE + "get-command"),
    "set-strictmode": ps("2.0", _CORE + "set-strictmode", note="-Version 2.0: what 2.0 added to 1.0's strict mode"),
    "get-service": ps("1.0", _MGMT + "get-service"),
    "set-service": ps("1.0", _MGMT + "set-service"),
    "start-service": ps("1.0", _MGMT + "start-service"),
    "stop-service": ps("1.0", _MGMT + "stop-service"),
    "get-wmiobject": ps("1.0", _MGMT + "get-wmiobject", note="removed in PowerShell 6"),
    "get-eventlog": ps("1.0", _MGMT + "get-eventlog", note="removed in PowerShell 6"),
    "get-pssnapin": ps("1.0", _CORE + "get-pssnapin", note="removed in PowerShell 6"),
    "add-pssnapin": ps("1.0", _CORE + "add-pssnapin", note="removed in PowerShell 6"),
    "get-winevent": ps("2.0", LEARN + "powershell/module/microsoft.powershell.diagnostics/get-winevent",
                       needs="vista", note="reads the Windows Event Log API of Vista / Server 2008 and later"),
    "get-ciminstance": ps("3.0", LEARN + "powershell/module/cimcmdlets/get-ciminstance", needs="cim"),
    "get-sendconnector": _exchange("Get-SendConnector"),
    "set-sendconnector": _exchange("Set-SendConnector"),
    "get-receiveconnector": _exchange("Get-ReceiveConnector"),
    "set-receiveconnector": _exchange("Set-ReceiveConnector"),
    "get-remotedomain": _exchange("Get-RemoteDomain"),
    "set-remotedomain": _exchange("Set-RemoteDomain"),
    "get-queue": _exchange("Get-Queue"),
    "get-netfirewallrule": _netsec("Get-NetFirewallRule"),
    "get-netfirewallportfilter": _netsec("Get-NetFirewallPortFilter"),
    "new-netfirewallrule": _netsec("New-NetFirewallRule"),
    "set-netfirewallrule": _netsec("Set-NetFirewallRule"),
    "remove-netfirewallrule": _netsec("Remove-NetFirewallRule"),
    "get-mppreference": _defender("Get-MpPreference"),
    "add-mppreference": _defender("Add-MpPreference"),
    "remove-mppreference": _defender("Remove-MpPreference"),
}

# Parameters: as old as their cmdlet unless listed here with their own entry.
_LATER: dict[str, Entry] = {
    "get-eventlog -after": ps("2.0", _WHATSNEW2, note="1.0's Get-EventLog had -LogName, -Newest, -List only"),
    "get-eventlog -source": ps("2.0", _WHATSNEW2, note="1.0's Get-EventLog had -LogName, -Newest, -List only"),
    "get-winevent -filterhashtable": ps("2.0", LEARN + "powershell/module/microsoft.powershell.diagnostics/"
                                        "get-winevent", needs="vista"),
    "new-object -property": ps("2.0", _UTIL + "new-object"),
    "set-service -status": ps("2.0", _MGMT + "set-service"),
}
_COMMON_NAMES = {"-erroraction", "-errorvariable", "-confirm", "-whatif", "-verbose", "-debug", "-warningaction"}
PARAMETERS: dict[str, set[str]] = {
    "new-object": {"-comobject", "-typename", "-argumentlist"},
    "get-command": {"-name"},
    "set-strictmode": {"-version"},
    "get-service": {"-name"},
    "set-service": {"-name", "-startuptype"},
    "start-service": {"-name", "-inputobject"},
    "stop-service": {"-name", "-inputobject", "-force"},
    "get-wmiobject": {"-class", "-namespace", "-filter"},
    "get-eventlog": {"-logname"},
    "get-pssnapin": {"-name", "-registered"},
    "add-pssnapin": {"-name"},
    "get-winevent": set(),
    "get-ciminstance": {"-classname", "-namespace"},
    "get-sendconnector": {"-identity"},
    "set-sendconnector": {"-identity", "-dnsroutingenabled", "-smarthosts", "-port"},
    "get-receiveconnector": {"-identity", "-server"},
    "set-receiveconnector": {"-identity", "-banner"},
    "get-remotedomain": {"-identity"},
    "set-remotedomain": {"-identity", "-tnefenabled"},
    "get-queue": {"-server", "-filter"},
    "get-netfirewallrule": {"-displayname"},
    "get-netfirewallportfilter": {"-associatednetfirewallrule"},
    "new-netfirewallrule": {"-displayname", "-direction", "-protocol", "-localport", "-action", "-enabled"},
    "set-netfirewallrule": {"-inputobject", "-displayname", "-direction", "-protocol", "-localport", "-action", "-enabled"},
    "remove-netfirewallrule": {"-inputobject"},
    "get-mppreference": set(),
    "add-mppreference": {"-exclusionpath", "-exclusionprocess"},
    "remove-mppreference": {"-exclusionpath", "-exclusionprocess"},
}


def parameter(cmdlet: str, name: str) -> Entry | None:
    """The entry of `Cmdlet -Param` (None when neither the cmdlet's list nor the common parameters have it)."""
    key = f"{cmdlet.lower()} {name.lower()}"
    if name == "-(computed)" and cmdlet.lower() in CMDLETS:
        return CMDLETS[cmdlet.lower()]  # a splatted key the agent picks at run time from its own constants
    if key in _LATER:
        return _LATER[key]
    if name.lower() in _COMMON_NAMES:
        return ps("1.0", _COMMON)
    if name.lower() in PARAMETERS.get(cmdlet.lower(), set()):
        return CMDLETS[cmdlet.lower()]
    return None
