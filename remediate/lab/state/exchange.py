"""Simulated Exchange 2007-2019 transport configuration, as the Exchange Management Shell cmdlets see it.

Three kinds of objects, each with the semantics of its Set- cmdlet (office-docs-powershell Set-SendConnector.md,
Set-ReceiveConnector.md, Set-RemoteDomain.md):

- send connectors (Name, AddressSpaces, DNSRoutingEnabled, SmartHosts, Port). Set-SendConnector refuses
  DNSRoutingEnabled $false unless SmartHosts is given in the same call, and refuses smart hosts on a connector that
  routes by DNS ("If you specify a SmartHosts parameter, the DNSRoutingEnabled parameter must be $false"). An IP
  smart host is kept as an IP literal in brackets (`[10.1.1.5]`), a host name as it was given.
- receive connectors (Identity `SERVER\\Name`, Banner). Banner $null is the default banner ("220 <Servername>
  Microsoft ESMTP MAIL service ready at ..."); Set-ReceiveConnector takes only a banner that starts with "220 ". A
  scenario may still load any text: a banner written past the cmdlet (ADSI Edit on msExchSmtpReceiveBanner) is how a
  modern Exchange server ends up answering without a 220 code. An empty banner loads as $null, since Active
  Directory stores no empty strings.
- remote domains (Name, DomainName, TNEFEnabled true/false/$null; $null = "not set", decided per recipient).

Identities of receive connectors hold the server's name, so the platform defaults write it as the token `{server}`
("{server}\\Default Frontend {server}"): it stands for whatever server name a lookup gives, the same one each time
it occurs. Names compare case-insensitively, as Exchange does.

Lab-only facts about the world around the server, for `causes()` (the symptoms the lab simulates): a smart host
under the reserved `.invalid` top-level domain (RFC 2606) never answers, and a remote domain may say
`peer_reads_tnef: false`.

`shell` names the registered Exchange snap-in (None on Exchange 2003 and plain Windows hosts: the snap-in layer,
remediate/lab/windows/snapins.py, then has none to load). Thread-safe: every public method holds
`lock`; `writes` counts successful Set- calls.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from remediate.lab.state import InvalidArgument, StateError
from remediate.lab.state import wintext

# The snap-ins the agent loads, newest first (templates/agent/exchange.ps1 holds the same constants).
SNAPIN_2013 = "Microsoft.Exchange.Management.PowerShell.SnapIn"
SNAPIN_2010 = "Microsoft.Exchange.Management.PowerShell.E2010"
SNAPIN_2007 = "Microsoft.Exchange.Management.PowerShell.Admin"
SNAPINS = (SNAPIN_2013, SNAPIN_2010, SNAPIN_2007)
SERVER_TOKEN = "{server}"
DEFAULT_FRONTEND = "Default Frontend "

# What the lab's Set- cmdlets answer to a value Exchange refuses (the lab's wording: Exchange's own texts are not
# quoted in its documentation; the agent reports whatever text the error carries).
SMART_HOSTS_REQUIRED = "Set-SendConnector: SmartHosts must be given, not empty, in the same call that sets " \
                       "DNSRoutingEnabled to $false"
DNS_ROUTING_MUST_BE_FALSE = "Set-SendConnector: a connector with SmartHosts must have DNSRoutingEnabled $false " \
                            "(clear SmartHosts in the same call that sets it to $true)"
CLEAR_NEEDS_DNS = "Set-SendConnector: clearing SmartHosts needs DNSRoutingEnabled $true in the same call"
PORT_INVALID = "Set-SendConnector: Port must be a whole number from 0 to 65535"
BANNER_INVALID = "Set-ReceiveConnector: Banner must be $null (the default banner) or one line that starts with '220 '"


# Set-SendConnector's SmartHosts (office-docs-powershell exchange/exchange-ps/exchange/Set-SendConnector.md):
# "one or more FQDNs, such as server.contoso.com, or one or more IP addresses ... If you enter an IP address, you must
# enter the IP address as a literal. For example, 10.10.1.1." An FQDN is a DNS host name as RFC 1123 section 2.1
# defines it on RFC 1035's syntax: labels of letters, digits and hyphens, neither first nor last a hyphen, 1-63
# characters each, at most 253 characters in all, and "the highest-level component label will be alphabetic" (a
# name is never all digits, so 10.1.1.300 is neither). Names are case-insensitive (RFC 4343): kept as given. The
# IP literal is IPv4 dotted decimal, as the page's example; Exchange shows it in brackets (`[10.1.1.5]`).
# IPv6 smart hosts are not modelled (refused with a message saying so).
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


def is_host_name(text: str) -> bool:
    """An FQDN as SmartHosts takes it (see above)."""
    labels = text.split(".")
    return (len(text) <= 253 and all(_LABEL.fullmatch(label) for label in labels)
            and not labels[-1].isdigit())


def smart_host_problem(text: str) -> str:
    return (f"smart host '{text}' must be a lowercase host name such as relay.contoso.com or an IPv4 literal "
            "in brackets such as [10.0.0.25]")


def same_name(left: str, right: str) -> bool:
    """Exchange compares object names as .NET's OrdinalIgnoreCase (remediate/lab/state/wintext.py)."""
    return wintext.same_name(left, right)


def banner_ok(banner: Any) -> bool:
    """What Set-ReceiveConnector takes: $null, or one line starting with "220 "."""
    if banner is None:
        return True
    return isinstance(banner, str) and banner.startswith("220 ") and not re.search(r"[\r\n\x00]", banner)


def _template_regex(identity: str) -> re.Pattern[str]:
    """`{server}\\Default Frontend {server}` -> a pattern where both tokens must be the same server name."""
    parts = identity.split(SERVER_TOKEN)
    pattern = re.escape(parts[0])
    for index, part in enumerate(parts[1:]):
        pattern += (r"(?P<server>[^\\\s]+)" if index == 0 else "(?P=server)") + re.escape(part)
    return re.compile(pattern, re.IGNORECASE)


@dataclass
class _SendConnector:
    name: str
    address_spaces: list[str] = field(default_factory=lambda: ["SMTP:*;1"])
    dns_routing_enabled: bool = True
    smart_hosts: list[str] = field(default_factory=list)
    port: int = 25


@dataclass
class _ReceiveConnector:
    identity: str
    banner: str | None = None


@dataclass
class _RemoteDomain:
    name: str
    domain_name: str = "*"
    tnef_enabled: bool | None = None
    peer_reads_tnef: bool = True


_UNSET: Any = object()


class SimExchange:
    """One host's view of its Exchange organisation: send connectors, receive connectors, remote domains."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.shell: str | None = None
        self.writes = 0
        self._send: list[_SendConnector] = []
        self._receive: list[_ReceiveConnector] = []
        self._remote: list[_RemoteDomain] = []

    # ------------------------------------------------------------------------------------------ send connectors

    def send_connector(self, name: str) -> dict[str, Any]:
        """Get-SendConnector: the connector's fields (SmartHosts as Exchange keeps them)."""
        with self.lock:
            return asdict(self._find_send(name))

    def set_send_connector(self, name: str, *, dns_routing_enabled: Any = _UNSET, smart_hosts: Any = _UNSET,
                           port: Any = _UNSET) -> None:
        """Set-SendConnector with the given parameters only; `smart_hosts=[]` is `-SmartHosts $null`."""
        with self.lock:
            connector = self._find_send(name)
            if port is not _UNSET and (isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535):
                raise InvalidArgument(PORT_INVALID)
            if dns_routing_enabled is False and (smart_hosts is _UNSET or not smart_hosts):
                raise InvalidArgument(SMART_HOSTS_REQUIRED)
            dns = connector.dns_routing_enabled if dns_routing_enabled is _UNSET else bool(dns_routing_enabled)
            hosts = connector.smart_hosts if smart_hosts is _UNSET else [_parse_smart_host(h) for h in smart_hosts]
            if hosts and dns:
                raise InvalidArgument(DNS_ROUTING_MUST_BE_FALSE)
            if not hosts and not dns:
                raise InvalidArgument(CLEAR_NEEDS_DNS)
            connector.dns_routing_enabled = dns
            connector.smart_hosts = hosts
            if port is not _UNSET:
                connector.port = int(port)
            self.writes += 1

    def _find_send(self, name: str) -> _SendConnector:
        return _found(_named(self._send, "name", name), "send connector", name)

    # --------------------------------------------------------------------------------------- receive connectors

    def receive_connector_banner(self, identity: str) -> str | None:
        """Get-ReceiveConnector `SERVER\\Name`: its Banner ($null = the default banner)."""
        with self.lock:
            return self._find_receive(identity).banner

    def set_receive_connector_banner(self, identity: str, banner: str | None) -> None:
        with self.lock:
            if not banner_ok(banner):
                raise InvalidArgument(BANNER_INVALID)
            self._find_receive(identity).banner = banner
            self.writes += 1

    def set_receive_connector_ad_banner(self, identity: str, banner: str | None) -> None:
        """The connector's AD attribute msExchSmtpReceiveBanner written directly (ADSI): no cmdlet check; AD keeps
        no empty string, so "" clears it like null."""
        with self.lock:
            self._find_receive(identity).banner = banner or None
            self.writes += 1

    def receive_banner(self, connector_identity: str | None = None) -> str | None:
        """The configured Banner of a receive connector, None for the default banner.

        For the lab's SMTP listener. `connector_identity` is `SERVER\\Name` or a bare Name; None means the
        anonymous Internet connector of Exchange 2013+, "Default Frontend <SERVER>" (None too when there is none,
        e.g. on an Exchange 2003 host). An identity that names no connector raises StateError.
        """
        with self.lock:
            if connector_identity is None:
                for connector in self._receive:
                    name = connector.identity.split("\\", 1)[-1]
                    if name.lower().startswith(DEFAULT_FRONTEND.lower()):
                        return connector.banner
                return None
            return self._find_receive(connector_identity).banner

    def _find_receive(self, identity: str) -> _ReceiveConnector:
        """`SERVER\\Name` matches the whole identity; a bare `Name` matches the name part."""
        whole = "\\" in identity
        found = next((c for c in self._receive
                      if _names_match(c.identity if whole else c.identity.split("\\", 1)[-1], identity)), None)
        return _found(found, "receive connector", identity)

    # --------------------------------------------------------------------------------------------- remote domains

    def set_remote_domain_tnef(self, name: str, tnef_enabled: bool | None) -> None:
        with self.lock:
            domain = self._find_remote(name)
            if tnef_enabled is not None and not isinstance(tnef_enabled, bool):
                raise InvalidArgument("Set-RemoteDomain: TNEFEnabled must be $true, $false or $null")
            domain.tnef_enabled = tnef_enabled
            self.writes += 1

    def _find_remote(self, name: str) -> _RemoteDomain:
        return _found(_named(self._remote, "name", name), "remote domain", name)

    # ----------------------------------------------------------------------------------------- lab causes

    def causes(self) -> list[str]:
        """The event-4006 causes this configuration shows (see the module docstring for the lab's conventions)."""
        with self.lock:
            found = []
            if any(not c.dns_routing_enabled and any(h.lower().endswith(".invalid") for h in c.smart_hosts)
                   for c in self._send):
                found.append("smart-host-wrong")
            if any(c.banner is not None and not banner_ok(c.banner) for c in self._receive):
                found.append("no-banner")
            if any(not d.peer_reads_tnef and d.tnef_enabled is not False for d in self._remote):
                found.append("tnef-not-understood")
            return found

    # ---------------------------------------------------------------------------------------- scenario API

    def load(self, data: dict[str, Any] | None) -> None:
        """Adds a scenario's Exchange objects; an object that exists (same name) gets only the fields given.

        ```yaml
        shell: Microsoft.Exchange.Management.PowerShell.SnapIn
        send_connectors: {Internet: {dns_routing_enabled: false, smart_hosts: [relay.contoso.com], port: 25}}
        receive_connectors: {'{server}\\Default Frontend {server}': {banner: '220 mail.contoso.com'}}
        remote_domains: {Fabrikam: {domain_name: fabrikam.com, tnef_enabled: true, peer_reads_tnef: false}}
        ```
        Bypasses the cmdlets' checks (this is how the host was, however it got there) and counts no writes.
        """
        data = data or {}
        unknown = set(data) - {"shell", "send_connectors", "receive_connectors", "remote_domains"}
        if unknown:
            raise InvalidArgument(f"exchange: unknown keys {sorted(unknown)}")
        with self.lock:
            if "shell" in data:
                self.shell = None if data["shell"] is None else str(data["shell"])
            for name, spec in (data.get("send_connectors") or {}).items():
                self._load_send(str(name), spec or {})
            for identity, spec in (data.get("receive_connectors") or {}).items():
                self._load_receive(str(identity), spec or {})
            for name, spec in (data.get("remote_domains") or {}).items():
                self._load_remote(str(name), spec or {})

    def snapshot(self) -> dict[str, Any]:
        """A deep plain copy in `load`'s shape: `load(snapshot())` into an empty SimExchange gives it back."""
        with self.lock:
            return {
                "shell": self.shell,
                "send_connectors": {c.name: _fields(c, "name") for c in self._send},
                "receive_connectors": {c.identity: _fields(c, "identity") for c in self._receive},
                "remote_domains": {d.name: _fields(d, "name") for d in self._remote},
            }

    def _load_send(self, name: str, spec: dict[str, Any]) -> None:
        _only(spec, {"address_spaces", "dns_routing_enabled", "smart_hosts", "port"}, f"send connector {name}")
        connector = _named(self._send, "name", name)
        if connector is None:
            connector = _SendConnector(name)
            self._send.append(connector)
        if "address_spaces" in spec:
            connector.address_spaces = [str(s) for s in spec["address_spaces"] or []]
        if "dns_routing_enabled" in spec:
            connector.dns_routing_enabled = _bool(spec["dns_routing_enabled"], f"send connector {name}")
        if "smart_hosts" in spec:
            connector.smart_hosts = [_parse_smart_host(str(h)) for h in spec["smart_hosts"] or []]
        if "port" in spec:
            connector.port = int(spec["port"])

    def _load_receive(self, identity: str, spec: dict[str, Any]) -> None:
        _only(spec, {"banner"}, f"receive connector {identity}")
        if identity.count("\\") != 1:
            raise InvalidArgument(f"receive connector identity '{identity}' must be SERVER\\Name")
        connector = _named(self._receive, "identity", identity)
        if connector is None:
            connector = _ReceiveConnector(identity)
            self._receive.append(connector)
        if "banner" in spec:
            banner = spec["banner"]
            connector.banner = None if banner is None or banner == "" else str(banner)

    def _load_remote(self, name: str, spec: dict[str, Any]) -> None:
        _only(spec, {"domain_name", "tnef_enabled", "peer_reads_tnef"}, f"remote domain {name}")
        domain = _named(self._remote, "name", name)
        if domain is None:
            domain = _RemoteDomain(name)
            self._remote.append(domain)
        if "domain_name" in spec:
            domain.domain_name = str(spec["domain_name"])
        if "tnef_enabled" in spec:
            value = spec["tnef_enabled"]
            domain.tnef_enabled = None if value is None else _bool(value, f"remote domain {name}")
        if "peer_reads_tnef" in spec:
            domain.peer_reads_tnef = _bool(spec["peer_reads_tnef"], f"remote domain {name}")


_T = TypeVar("_T")


def _named(items: list[_T], attribute: str, name: str) -> _T | None:
    """The item whose `attribute` is `name` as Exchange compares names (without regard to case), else None."""
    return next((item for item in items if same_name(getattr(item, attribute), name)), None)


def _found(item: _T | None, what: str, name: str) -> _T:
    if item is None:
        raise StateError(f"{what} '{name}' was not found")
    return item


def _names_match(template: str, identity: str) -> bool:
    """The regex matched case-insensitively; confirm with .NET's rule on the parts that are not the token."""
    match = _template_regex(template).fullmatch(identity)
    if match is None:
        return False
    server = match.groupdict().get("server")
    expanded = template.replace(SERVER_TOKEN, server) if server is not None else template
    return same_name(expanded, identity)


def _parse_smart_host(text: str) -> str:
    """What Exchange keeps of a smart host given to the cmdlet: an IP as a bracketed literal, a name as given."""
    if IPV4.fullmatch(text):
        return f"[{text}]"
    if text.startswith("[") and text.endswith("]") and IPV4.fullmatch(text[1:-1]):
        return text  # as Get-SendConnector shows it, so a scenario may load what a snapshot wrote
    if ":" in text:
        raise InvalidArgument(f"smart host '{text}': IPv6 smart hosts are not modelled by the lab")
    if not is_host_name(text):
        raise InvalidArgument(smart_host_problem(text))
    return text


def _fields(obj: Any, key: str) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in asdict(obj).items() if k != key}


def _only(spec: Any, allowed: set[str], what: str) -> None:
    if not isinstance(spec, dict):
        raise InvalidArgument(f"exchange: {what} must be a mapping")
    unknown = set(spec) - allowed
    if unknown:
        raise InvalidArgument(f"exchange: {what}: unknown keys {sorted(unknown)}")


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"exchange: {what}: expected true or false, got {value!r}")
    return value


def platform_defaults() -> dict[str, Any]:
    """What setup leaves on an Exchange 2013-2019 Mailbox server, as `load` data (lab/platforms.py PLATFORM_STATE).

    The five receive connectors setup creates (Front End Transport: Default Frontend on 25, Outbound Proxy Frontend
    on 717, Client Frontend on 587; Transport: Default on 2525, Client Proxy on 465), all with the default banner;
    the Default remote domain (`*`, TNEFEnabled not set). Setup creates no send connector: mail to the Internet
    needs one made by an administrator, so scenarios add theirs.
    """
    names = ("Default Frontend", "Outbound Proxy Frontend", "Client Frontend", "Default", "Client Proxy")
    return {
        "shell": SNAPIN_2013,
        "receive_connectors": {f"{SERVER_TOKEN}\\{name} {SERVER_TOKEN}": {"banner": None} for name in names},
        "remote_domains": {"Default": {"domain_name": "*", "tnef_enabled": None}},
    }
