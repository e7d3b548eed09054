"""Windows Firewall with Advanced Security through its COM API: HNetCfg.FwPolicy2 (INetFwPolicy2).

learn.microsoft.com/windows/win32/api/netfw/nn-netfw-inetfwpolicy2 (Rules), nn-netfw-inetfwrules (Count, an
enumeration of INetFwRule) and nn-netfw-inetfwrule (Name, Direction, Protocol, LocalPorts, Action, Enabled).
The class is registered from Windows Vista / Server 2008: on a 5.x host, or one whose firewall state has no
advanced firewall (`api: none`), `New-Object -ComObject HNetCfg.FwPolicy2` fails as for any class that is not
registered (REGDB_E_CLASSNOTREG, 0x80040154). Through COM interop PowerShell sees the enumerations as Int32:
NET_FW_RULE_DIRECTION (1 in, 2 out), NET_FW_IP_PROTOCOL (6 TCP, 17 UDP, 256 any), NET_FW_ACTION (0 block,
1 allow); Enabled is a VARIANT_BOOL (System.Boolean); LocalPorts is "*" for all ports.

What is modelled: reading the rules of the host's firewall state (remediate/lab/state/firewall.py), as they are
when the property is read. Writing through COM (property setters, INetFwRules.Add/Remove) and the policy's other
members are refused as not modelled.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from remediate.lab.windows import clr
from remediate.lab.windows.refusal import NotModeled

_DIRECTION = {"in": 1, "out": 2}
_PROTOCOL = {"tcp": 6, "udp": 17, "any": 256}
_ACTION = {"block": 0, "allow": 1}


class FwRule(clr.DotNetObject):
    """INetFwRule over one rule dict of the firewall state (read when a property is read)."""

    TYPE_NAME: ClassVar[str] = "System.__ComObject#{af230d27-baba-4e42-aced-f524f22cfce2}"

    def __init__(self, firewall: Any, rule: dict[str, Any]) -> None:
        self._firewall = firewall
        self._rule = rule

    def _field(self, name: str) -> Any:
        with self._firewall.lock:
            return self._rule[name]

    @property
    def Name(self) -> str:  # noqa: N802
        return str(self._field("name"))

    @property
    def Direction(self) -> int:  # noqa: N802
        return _DIRECTION[str(self._field("direction")).lower()]

    @property
    def Protocol(self) -> int:  # noqa: N802
        text = str(self._field("protocol")).lower()
        if text not in _PROTOCOL:
            raise NotModeled(f"INetFwRule.Protocol for the protocol '{text}'", "the lab models TCP, UDP and Any")
        return _PROTOCOL[text]

    @property
    def LocalPorts(self) -> str:  # noqa: N802
        ports = str(self._field("local_port"))
        return "*" if ports.lower() == "any" else ports

    @property
    def Action(self) -> int:  # noqa: N802
        return _ACTION[str(self._field("action")).lower()]

    @property
    def Enabled(self) -> bool:  # noqa: N802
        return bool(self._field("enabled"))

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_"):
            raise NotModeled(f"setting INetFwRule.{name} (a change through the firewall's COM API)")
        super().__setattr__(name, value)


class FwRules(clr.DotNetObject):
    """INetFwRules: the rules as they are now; enumerable, with Count."""

    TYPE_NAME: ClassVar[str] = "System.__ComObject#{9c4c6277-5027-441e-afae-ca1f542da009}"

    def __init__(self, firewall: Any) -> None:
        self._firewall = firewall

    def _rules(self) -> list[dict[str, Any]]:
        with self._firewall.lock:
            return list(self._firewall.rules)

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._rules())

    def __iter__(self) -> Iterator[FwRule]:
        return iter([FwRule(self._firewall, rule) for rule in self._rules()])

    def Item(self, name: Any) -> Any:  # noqa: N802
        raise NotModeled("INetFwRules.Item (a rule by name)", "enumerate the rules")

    def Add(self, rule: Any) -> Any:  # noqa: N802
        raise NotModeled("INetFwRules.Add (a change through the firewall's COM API)")

    def Remove(self, name: Any) -> Any:  # noqa: N802
        raise NotModeled("INetFwRules.Remove (a change through the firewall's COM API)")


class FwPolicy2(clr.DotNetObject):
    """INetFwPolicy2: only Rules is modelled."""

    TYPE_NAME: ClassVar[str] = "System.__ComObject#{98325047-c671-4174-8d81-defcd3f03186}"

    def __init__(self, firewall: Any) -> None:
        self._firewall = firewall

    @property
    def Rules(self) -> FwRules:  # noqa: N802
        return FwRules(self._firewall)


def _fw_policy2(rt: Any) -> Any:
    machine = rt.machine
    if str(machine.os_version).startswith("5.") or machine.firewall.api == "none":
        raise clr.com_error(0x80040154, "Retrieving the COM class factory for component with CLSID "
                            "{E2B3C97F-6AE1-41AC-817A-F6F92166D7DD} failed due to the following error: 80040154.")
    return FwPolicy2(machine.firewall)


clr.COM_CLASSES["hnetcfg.fwpolicy2"] = _fw_policy2
