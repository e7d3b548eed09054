"""`exchange_send_connector`: how one Exchange 2007-2019 send connector routes mail (Set-SendConnector).

MUST give `name`, the connector's Name (compared without regard to case; see exchange_names.py). MAY give:
- `smart_hosts`: host names or IPv4 addresses, as a list or one string with `,` or `;` between them (the Exchange
  2003 form; spaces around each host are ignored, any other character is part of it). An address may be written `10.0.0.25` or `[10.0.0.25]`; names are DNS names (letters, digits,
  hyphens, dots). Given in any case, kept lowercase: DNS ignores case.
- `dns_routing_enabled`: true (deliver by MX lookup) or false (deliver to the smart hosts).
- `port`: 0..65535, the port of the next hop (Exchange's default is 25).
A field left out is not managed: the read op reads only the managed fields and the set op writes only those.
`smart_hosts` and `dns_routing_enabled` are one setting to Exchange, so they are given together or not at all:
false with at least one smart host, or true with `[]`. Set-SendConnector takes SmartHosts in the same call that
sets DNSRoutingEnabled $false and refuses smart hosts on a connector that routes by DNS (Set-SendConnector.md).

Smart hosts compare as a set: Exchange spreads outbound connections over all of them and uses the others when one
fails (a single connector with several smart hosts is how Exchange load-balances outbound mail), so their order
means nothing. The wire form is sorted, lowercase, each IPv4 address as `[a.b.c.d]`. IPv6 smart hosts are refused
(not validated against any Exchange version here).

Rollback replays every managed field of the before-value in one Set-SendConnector call (DNSRoutingEnabled,
SmartHosts and Port together). The connector must exist: this kind changes a connector, it never creates one, and
a missing connector is an error. Send connectors are organisation-wide Active Directory objects: every Exchange
server of the organisation reads and writes the same one.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from remediate.resources.base import Op, ResourceKind, WritePath
from remediate.resources.exchange_names import object_name

FIELDS = ("dns_routing_enabled", "port", "smart_hosts")
# The same patterns are in templates/agent/exchange.ps1 (Test-ExchangeSmartHost) and serve the lab.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
FQDN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


def is_wire_smart_host(text: str) -> bool:
    """The wire form of one smart host: a lowercase DNS name (not all digits, at most 253 characters) or `[a.b.c.d]`."""
    if text.startswith("[") and text.endswith("]") and len(text) > 2:
        return IPV4.fullmatch(text[1:-1]) is not None
    return len(text) <= 253 and FQDN.fullmatch(text) is not None and not re.fullmatch(r"[0-9.]+", text)


def smart_host(text: str) -> str:
    """One smart host as a playbook gives it -> the wire form (lowercase; an IPv4 address as `[a.b.c.d]`)."""
    value = text.strip(" ").lower()
    if IPV4.fullmatch(value):
        value = f"[{value}]"
    if not is_wire_smart_host(value):
        raise ValueError(f"smart host {text!r} must be a DNS name such as relay.contoso.com or an IPv4 address "
                         "such as 10.0.0.25 or [10.0.0.25]")
    return value


class ExchangeSendConnectorSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["exchange_send_connector"]
    name: str
    smart_hosts: list[str] | None = None
    dns_routing_enabled: bool | None = None
    port: int | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return object_name(value, "send connector name")

    @field_validator("smart_hosts", mode="before")
    @classmethod
    def _smart_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part for part in re.split(r"[,;]", value) if part.strip(" ")]
        if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
            return value  # pydantic reports the type
        hosts = [smart_host(h) for h in value]
        if len(set(hosts)) != len(hosts):
            raise ValueError("smart_hosts lists a smart host twice")
        return sorted(hosts)

    @field_validator("port", mode="before")
    @classmethod
    def _port(cls, value: Any) -> Any:
        if isinstance(value, str) and re.fullmatch(r"\s*[0-9]+\s*", value):
            value = int(value)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535):
            raise ValueError("port must be a whole number from 0 to 65535")
        return value

    @model_validator(mode="after")
    def _routing(self) -> ExchangeSendConnectorSpec:
        if (self.smart_hosts is None) != (self.dns_routing_enabled is None):
            raise ValueError("give smart_hosts and dns_routing_enabled together: Set-SendConnector needs both in "
                             "one call (dns_routing_enabled: false with the smart hosts, or true with [])")
        if self.dns_routing_enabled is False and not self.smart_hosts:
            raise ValueError("dns_routing_enabled: false needs at least one smart host")
        if self.dns_routing_enabled is True and self.smart_hosts:
            raise ValueError("dns_routing_enabled: true takes smart_hosts: [] (Exchange refuses smart hosts on a "
                             "connector that routes by DNS)")
        if self.dns_routing_enabled is None and self.port is None:
            raise ValueError("nothing to manage: give smart_hosts with dns_routing_enabled, and/or port")
        return self


class ExchangeSendConnector(ResourceKind[ExchangeSendConnectorSpec]):
    kind: ClassVar[str] = "exchange_send_connector"
    spec_model: ClassVar[type[BaseModel]] = ExchangeSendConnectorSpec

    def identity(self, spec: ExchangeSendConnectorSpec) -> dict[str, Any]:
        # The managed fields are part of what the resource is: the read op reads exactly those.
        return {"name": spec.name, "fields": [f for f in FIELDS if getattr(spec, f) is not None]}

    def key(self, identity: dict[str, Any]) -> str:
        # The connector alone: two rules managing one connector must agree on everything they manage.
        return str(identity["name"]).lower()

    def describe(self, identity: dict[str, Any]) -> str:
        return f"send connector '{identity['name']}'"

    def read_op(self, identity: dict[str, Any]) -> Op:
        return Op("exchange.sendconnector.get", {"name": identity["name"], "fields": list(identity["fields"])})

    def desired(self, spec: ExchangeSendConnectorSpec) -> Any:
        return {f: getattr(spec, f) for f in FIELDS if getattr(spec, f) is not None}

    def set_op(self, identity: dict[str, Any], value: Any) -> Op:
        return Op("exchange.sendconnector.set", {"name": identity["name"],
                                                 **{f: value[f] for f in identity["fields"]}})

    def write_path(self, identity: dict[str, Any], value: Any, facts: dict[str, Any] | None = None) -> WritePath:
        """Set-SendConnector refuses DNSRoutingEnabled $false without smart hosts (and smart hosts with $true) in
        one call: a connector left that way (by ADSI Edit) cannot be put back by the cmdlet, and remediate knows no
        documented other path for it."""
        if isinstance(value, dict):
            dns, hosts = value.get("dns_routing_enabled"), value.get("smart_hosts")
            if "dns_routing_enabled" in identity["fields"] and "smart_hosts" in identity["fields"] and (
                    (dns is False and not hosts) or (dns is True and hosts)):
                return WritePath(None, irreversible="Set-SendConnector refuses DNSRoutingEnabled "
                                 f"{'$false without' if dns is False else '$true with'} smart hosts")
            if isinstance(hosts, list) and not all(isinstance(h, str) and is_wire_smart_host(h) for h in hosts):
                return WritePath(None, irreversible="a smart host is not a name or IPv4 literal Set-SendConnector "
                                                    "takes")
        return WritePath(self.set_op(identity, value))
