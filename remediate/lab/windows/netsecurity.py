"""Windows Firewall through the NetSecurity module (Windows Server 2012+).

learn.microsoft.com/powershell/module/netsecurity/get-netfirewallrule, new-netfirewallrule, set-netfirewallrule,
remove-netfirewallrule, get-netfirewallportfilter. The module exists on hosts whose firewall state has the
`netsecurity` API (remediate/lab/state/firewall.py); elsewhere its cmdlets are not recognized.

- A rule (MSFT_NetFirewallRule) has Name (its unique ID: New-NetFirewallRule without -Name makes a GUID; the lab
  derives a stable one from the rule's place), DisplayName, Direction (Inbound/Outbound), Action (Allow/Block) and
  Enabled, NetSecurity's own enum whose names are True and False. Protocol and ports live in its port filter
  (MSFT_NetProtocolPortFilter: Protocol "TCP"/"UDP"/"Any", LocalPort a string or string array, "Any" for all).
- New-NetFirewallRule -DisplayName (mandatory) with the documented defaults: Direction Inbound, Action Allow,
  Enabled True, Protocol Any, LocalPort Any; it writes the new rule. Ports need TCP or UDP (the filter refuses
  ports with another protocol, an InvalidArgument error; the exact text is UNCONFIRMED).
- Set-NetFirewallRule -InputObject <rule> changes the given fields of that rule; Remove-NetFirewallRule
  -InputObject removes it. A rule removed meanwhile is ObjectNotFound ("No MSFT_NetFirewallRule objects found with
  property 'InstanceID' equal to '<Name>'. Verify the value of the property and retry.").
- Display names are not unique in Windows, and the lab's state keeps them that way.

The COM API of the same firewall (HNetCfg.FwPolicy2, Windows Server 2008 and later) is firewall_com.py.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from remediate.lab.windows import clr
from remediate.lab.windows.refusal import NotModeled

_NS = "Microsoft.PowerShell.Cmdletization.GeneratedTypes.NetSecurity."
Direction = clr.register(clr.EnumType(_NS + "Direction", {"Inbound": 1, "Outbound": 2}))
Action = clr.register(clr.EnumType(_NS + "Action", {"NotConfigured": 0, "Allow": 2, "Block": 4}))
Enabled = clr.register(clr.EnumType(_NS + "Enabled", {"True": 1, "False": 2}))
CimException = clr.exception_type("Microsoft.Management.Infrastructure.CimException", clr.SystemException)
_PROTOCOLS = {"tcp": "TCP", "6": "TCP", "udp": "UDP", "17": "UDP", "any": "Any", "icmpv4": "ICMPv4", "1": "ICMPv4",
              "icmpv6": "ICMPv6", "58": "ICMPv6"}


def _netsecurity(machine: Any) -> bool:
    return machine.firewall.api == "netsecurity"


_OPTIONS: dict[str, Any] = {"module": "NetSecurity", "since": "3.0", "available": _netsecurity}


@clr.register
class FirewallRule(clr.DotNetObject):
    TYPE_NAME: ClassVar[str] = "Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2/" \
                               "MSFT_NetFirewallRule"

    def __init__(self, rule: dict[str, Any], index: int) -> None:
        self._rule = rule  # the state's own dict: Set/Remove find the rule by identity
        self._name = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"lab-firewall-rule/{index}/{rule['name']}")) + "}"

    @property
    def Name(self) -> str:  # noqa: N802
        return self._name

    @property
    def DisplayName(self) -> str:  # noqa: N802
        return str(self._rule["name"])

    @property
    def Direction(self) -> clr.EnumValue:  # noqa: N802
        return Direction.member("Inbound" if self._rule["direction"] == "in" else "Outbound")

    @property
    def Action(self) -> clr.EnumValue:  # noqa: N802
        return Action.member("Allow" if self._rule["action"] == "allow" else "Block")

    @property
    def Enabled(self) -> clr.EnumValue:  # noqa: N802
        return Enabled.member("True" if self._rule["enabled"] else "False")

    @property
    def Profile(self) -> str:  # noqa: N802
        return "Any"

    def ToString(self) -> str:  # noqa: N802
        return f"MSFT_NetFirewallRule (Name = \"{self._name}\")"


@clr.register
class PortFilter(clr.DotNetObject):
    TYPE_NAME: ClassVar[str] = "Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2/" \
                               "MSFT_NetProtocolPortFilter"

    def __init__(self, rule: dict[str, Any]) -> None:
        self.Protocol = str(rule["protocol"])
        ports = [p.strip() for p in str(rule["local_port"]).split(",")]
        self.LocalPort = ports[0] if len(ports) == 1 else clr.TypedArray("System.String", ports)
        self.RemotePort = "Any"


def _rules(machine: Any) -> list[FirewallRule]:
    with machine.firewall.lock:
        return [FirewallRule(rule, index) for index, rule in enumerate(machine.firewall.rules)]


def _not_found(rule: FirewallRule) -> clr.CmdletTerminatingError:
    error = CimException(f"No MSFT_NetFirewallRule objects found with property 'InstanceID' equal to '{rule.Name}'. "
                         "Verify the value of the property and retry.")
    return clr.CmdletTerminatingError(clr.ErrorRecord(error, "CmdletizationQuery_NotFound_InstanceID", "ObjectNotFound",
                                                      rule.Name))


def _invalid(message: str) -> clr.CmdletTerminatingError:
    return clr.CmdletTerminatingError(clr.ErrorRecord(CimException(message), "HRESULT 0x80070057", "InvalidArgument"))


@clr.cmdlet("Get-NetFirewallRule", clr.Param("Name", "System.String[]", position=0),
            clr.Param("DisplayName", "System.String[]"), **_OPTIONS)
def get_net_firewall_rule(ctx: Any, Name: Any = None, DisplayName: Any = None) -> list[Any]:  # noqa: N803
    if Name is not None or DisplayName is not None:
        # Both take wildcards and write "No MSFT_NetFirewallRule objects found" errors: not modelled yet.
        raise NotModeled("Get-NetFirewallRule -Name/-DisplayName", "the lab lists every rule")
    return list(_rules(ctx.machine))


@clr.cmdlet("Get-NetFirewallPortFilter", clr.Param("AssociatedNetFirewallRule", "System.Object", pipeline=True),
            **_OPTIONS)
def get_net_firewall_port_filter(ctx: Any, AssociatedNetFirewallRule: Any = None) -> list[Any]:  # noqa: N803
    if AssociatedNetFirewallRule is None:
        raise NotModeled("Get-NetFirewallPortFilter without -AssociatedNetFirewallRule")
    rules = AssociatedNetFirewallRule if isinstance(AssociatedNetFirewallRule, list) else [AssociatedNetFirewallRule]
    return [PortFilter(_live(ctx, rule)) for rule in rules]


def _live(ctx: Any, rule: Any) -> dict[str, Any]:
    if not isinstance(rule, FirewallRule):
        raise NotModeled("a NetSecurity rule argument that is not a rule object from Get-NetFirewallRule")
    if not any(r is rule._rule for r in ctx.machine.firewall.rules):
        raise _not_found(rule)
    return rule._rule


def _enum_name(enum: clr.EnumType, value: Any, parameter: str) -> str:
    if isinstance(value, clr.EnumValue):
        value = value.name
    member = enum.member(clr.to_str(value)) if not isinstance(value, int) else enum.from_value(value)
    if member is None or member.name not in enum.members:
        names = ", ".join(enum.members)
        raise clr.CmdletTerminatingError(clr.ErrorRecord(clr.ArgumentException(
            f"Cannot bind parameter '{parameter}'. Cannot convert value \"{clr.to_str(value)}\" to type "
            f"\"{enum.TYPE_NAME}\". Error: \"Unable to match the identifier name {clr.to_str(value)} to a valid "
            f"enumerator name.  Specify one of the following enumerator names and try again: {names}\""),
            "CannotConvertArgumentNoMessage", "InvalidArgument"))
    return member.name


def _fields(bound: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The state's rule fields after applying the bound parameters to `current`."""
    fields = dict(current)
    if "Direction" in bound:
        fields["direction"] = "in" if _enum_name(Direction, bound["Direction"], "Direction") == "Inbound" else "out"
    if "Action" in bound:
        action = _enum_name(Action, bound["Action"], "Action")
        if action == "NotConfigured":
            raise NotModeled("firewall rule Action NotConfigured")
        fields["action"] = action.lower()
    if "Enabled" in bound:
        fields["enabled"] = _enum_name(Enabled, bound["Enabled"], "Enabled") == "True"
    if "Protocol" in bound:
        text = clr.to_str(bound["Protocol"])
        protocol = _PROTOCOLS.get(text.casefold())
        if protocol is None:
            if not text.isdigit() or not 0 <= int(text) <= 255:
                raise _invalid(f"The protocol '{text}' is not valid: give a protocol name or a number from 0 to 255.")
            protocol = text
        fields["protocol"] = protocol
    if "LocalPort" in bound:
        ports = [clr.to_str(p) for p in (bound["LocalPort"] if isinstance(bound["LocalPort"], list)
                                          else [bound["LocalPort"]])]
        fields["local_port"] = "Any" if [p.casefold() for p in ports] == ["any"] else ",".join(ports)
    if fields["local_port"] != "Any" and fields["protocol"] not in ("TCP", "UDP"):
        raise _invalid("The port filter is invalid: local ports can be given only for the TCP and UDP protocols.")
    return fields


_RULE_PARAMS = (clr.Param("Direction", "System.Object"), clr.Param("Action", "System.Object"),
                clr.Param("Enabled", "System.Object"), clr.Param("Protocol", "System.String"),
                clr.Param("LocalPort", "System.String[]"))


@clr.cmdlet("New-NetFirewallRule", clr.Param("DisplayName", "System.String", mandatory=True), *_RULE_PARAMS,
            **_OPTIONS)
def new_net_firewall_rule(ctx: Any, DisplayName: str, **bound: Any) -> list[Any]:  # noqa: N803
    defaults = {"name": DisplayName, "direction": "in", "protocol": "Any", "local_port": "Any", "action": "allow",
                "enabled": True}
    rule = _fields(bound, defaults)
    firewall = ctx.machine.firewall
    with firewall.lock:
        firewall.rules.append(rule)
        firewall.writes += 1
        return [FirewallRule(rule, len(firewall.rules) - 1)]


@clr.cmdlet("Set-NetFirewallRule", clr.Param("InputObject", "System.Object", mandatory=True, pipeline=True),
            *_RULE_PARAMS, clr.Param("NewDisplayName", "System.String"),
            clr.Param("PassThru", "System.Management.Automation.SwitchParameter"), **_OPTIONS)
def set_net_firewall_rule(ctx: Any, InputObject: Any, PassThru: bool = False, **bound: Any) -> list[Any]:  # noqa: N803
    firewall = ctx.machine.firewall
    with firewall.lock:
        rule = _live(ctx, InputObject)
        fields = _fields(bound, rule)
        if "NewDisplayName" in bound:
            fields["name"] = clr.to_str(bound["NewDisplayName"])
        rule.update(fields)
        firewall.writes += 1
    return [InputObject] if PassThru else []


@clr.cmdlet("Remove-NetFirewallRule", clr.Param("InputObject", "System.Object", mandatory=True, pipeline=True),
            **_OPTIONS)
def remove_net_firewall_rule(ctx: Any, InputObject: Any) -> list[Any]:  # noqa: N803
    firewall = ctx.machine.firewall
    with firewall.lock:
        rule = _live(ctx, InputObject)
        firewall.rules[:] = [r for r in firewall.rules if r is not rule]
        firewall.writes += 1
    return []
