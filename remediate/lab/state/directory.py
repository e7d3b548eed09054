"""Exchange 2003's Active Directory copy of the SMTP virtual servers, and DS2MB, which copies it into the metabase.

On Exchange 2000/2003 the SMTP virtual server settings are mastered in AD, on the object
`CN=<n>,CN=SMTP,CN=Protocols,CN=<Server>,CN=Servers,CN=<AdminGroup>,CN=Administrative Groups,CN=<Org>,
CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=...` (objectClass protocolCfgSMTPServer; CN=n is metabase
instance /LM/SMTPSVC/n). The DS2MB process of the System Attendant copies them one way into the metabase, so a
metabase-only write to one of them is undone (KB 321757; ExBPA dee368b2).

The lab holds the VS objects of the host's own Exchange server (its CN is the host's computer name, known only at
run time, so the objects are keyed by instance) and runs DS2MB before every agent command (`before_command`):
the real service runs on AD change notifications and on a timer; "before the next command" is the lab's moment.

`DS2MB` maps attribute -> metabase property. KB 321757 lists msExchSmtpSmartHost, msExchSmtpSmartHostType,
msExchSmtpOutgoingPort and msExchSmtpInboundCommandSupportOptions among the copied attributes. An attribute that
is absent in AD clears the property on the instance (AD is the whole truth). ConnectResponse is not in KB 321757's
list, so the lab treats it as metabase-mastered: UNCONFIRMED.

`legacy_peers` (lab-only): Exchange 5.5 servers in this server's routing group, which cannot read Summary-TNEF.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from remediate.lab.state import InvalidArgument

DS2MB: dict[str, str] = {
    "msExchSmtpSmartHost": "SmartHost",
    "msExchSmtpSmartHostType": "SmartHostType",
    "msExchSmtpOutgoingPort": "RemoteSmtpPort",
    "msExchSmtpInboundCommandSupportOptions": "SmtpInboundCommandSupportOptions",
}
# Attribute syntaxes: Unicode string or integer (the AD schema's; an integer is 32-bit signed in AD, the values
# used here are small).
ATTRIBUTES: dict[str, type] = {
    "msExchSmtpSmartHost": str,
    "msExchSmtpSmartHostType": int,
    "msExchSmtpOutgoingPort": int,
    "msExchSmtpInboundCommandSupportOptions": int,
}
_BY_LOWER = {name.lower(): name for name in ATTRIBUTES}
_LAYOUT_KEYS = ("organization", "administrative_group", "domain")


def check_attribute_value(name: str, value: Any) -> Any:
    kind = ATTRIBUTES[name]
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0x7FFFFFFF:
            raise InvalidArgument(f"{name} must be an integer from 0 to 2147483647")
        return int(value)
    if not isinstance(value, str) or value == "" or "\0" in value:
        raise InvalidArgument(f"{name} must be a non-empty string without NUL characters")
    return str(value)


class SimDirectory:
    """The configuration-partition objects of one Exchange 2003 server, as far as the lab needs them."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.layout = {"organization": "Contoso", "administrative_group": "First Administrative Group",
                       "domain": "DC=contoso,DC=com"}
        self._vs: dict[int, dict[str, Any]] = {}  # instance -> attribute name -> value (absent = not set)
        self.legacy_peers: list[str] = []
        self.writes = 0
        self.syncs = 0

    # -------------------------------------------------------------------------------------------- protocol

    def instances(self) -> list[int]:
        """The VS instance numbers of this server; empty on a host that is no Exchange 2000/2003 server."""
        with self.lock:
            return sorted(self._vs)

    def get(self, instance: int, attribute: str) -> Any | None:
        with self.lock:
            return copy.deepcopy(self._vs[instance].get(attribute))

    def put(self, instance: int, attribute: str, value: Any | None) -> None:
        """Sets an attribute, or clears it with None (ADS_PROPERTY_CLEAR)."""
        with self.lock:
            attrs = self._vs[instance]
            if value is None:
                attrs.pop(attribute, None)
            else:
                attrs[attribute] = check_attribute_value(attribute, value)
            self.writes += 1

    # ----------------------------------------------------------------------------------------------- DS2MB

    def sync(self, metabase: Any) -> None:
        """DS2MB: every mastered attribute of every VS object, copied into /LM/SMTPSVC/<n> of `metabase`."""
        with self.lock, metabase.lock:
            for instance, attrs in self._vs.items():
                path = f"/LM/SMTPSVC/{instance}"
                if not metabase.exists(path):
                    continue
                for attribute, prop in DS2MB.items():
                    value = attrs.get(attribute)
                    current = metabase.local(path, prop)
                    if value is None:
                        if current["local"]:
                            metabase.clear(path, prop)
                    elif current.get("value") != value:
                        metabase.set(path, prop, "STRING" if isinstance(value, str) else "DWORD", value)
            self.syncs += 1

    def before_command(self, host: Any) -> None:
        """Called by SimHost before each agent command: DS2MB runs. Holds the host's request lock (the registry's,
        which the executor holds for a whole request) so a sync never lands inside an apply."""
        with host.registry.lock:
            if self._vs:
                self.sync(host.metabase)

    # ------------------------------------------------------------------------------------ scenario/test API

    def load(self, data: dict[str, Any] | None) -> None:
        """Adds a scenario's objects:

        ```yaml
        organization: Contoso                    # optional, the DN's parts
        administrative_group: First Administrative Group
        domain: DC=contoso,DC=com
        smtp_virtual_servers:                    # this server's VS objects by instance; null removes an attribute
          1: {msExchSmtpSmartHost: '[10.0.0.25]', msExchSmtpSmartHostType: 2, msExchSmtpOutgoingPort: 25}
        legacy_peers: [EX55]                     # lab-only: Exchange 5.5 servers in the routing group
        ```
        """
        with self.lock:
            data = data or {}
            unknown = set(data) - {*_LAYOUT_KEYS, "smtp_virtual_servers", "legacy_peers"}
            if unknown:
                raise InvalidArgument(f"directory: unknown key(s) {sorted(unknown)}")
            for key in _LAYOUT_KEYS:
                if key in data:
                    self.layout[key] = str(data[key])
            for instance, attrs in (data.get("smtp_virtual_servers") or {}).items():
                number = int(instance)
                if number < 1:
                    raise InvalidArgument("an SMTP virtual server instance is a number from 1")
                target = self._vs.setdefault(number, {})
                for name, value in (attrs or {}).items():
                    attribute = _BY_LOWER.get(str(name).lower())
                    if attribute is None:
                        raise InvalidArgument(f"directory: unknown attribute {name!r}; known: {sorted(ATTRIBUTES)}")
                    if value is None:
                        target.pop(attribute, None)
                    else:
                        target[attribute] = check_attribute_value(attribute, value)
            if "legacy_peers" in data:
                self.legacy_peers = [str(p) for p in data.get("legacy_peers") or []]

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                **self.layout,
                "smtp_virtual_servers": {n: dict(sorted(attrs.items())) for n, attrs in sorted(self._vs.items())},
                "legacy_peers": list(self.legacy_peers),
            }


def platform_defaults() -> dict[str, Any]:
    """A healthy Exchange 2003 server's SMTP VS 1 as ESM leaves it: no smart host, KB 321757's defaults."""
    return {"smtp_virtual_servers": {1: {"msExchSmtpSmartHostType": 0, "msExchSmtpOutgoingPort": 25,
                                         "msExchSmtpInboundCommandSupportOptions": 7697601}}}
