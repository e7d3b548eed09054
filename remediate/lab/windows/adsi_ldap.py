"""The ADSI LDAP provider over the lab's Active Directory: `LDAP://` paths, RootDSE and the Exchange objects.

ADsPath (learn.microsoft.com/windows/win32/adsi/ldap-adspath): `LDAP://[server[:port]/]DN` or `LDAP://[server/]
RootDSE`; a `/` inside the DN is written `\\/`. DNs compare without regard to case or the spaces around `,` and `=`
(RFC 4514). The server may be left out (the domain's DC answers) or name the lab's domain controller, `DC01` in the
host's domain (a lab convention: the lab has one DC), or the domain's DNS name; another server is
ERROR_DS_SERVER_DOWN, as an unreachable one is.

What the directory holds (built from the host's state at each bind, so writes elsewhere show at once):
- the domain head, `CN=Configuration`, `CN=Services`, `CN=Microsoft Exchange` and the organisation, from
  `machine.directory.layout` (organisation, administrative group, domain);
- on an Exchange 2000/2003 host (`machine.directory` holds SMTP virtual servers): the server object
  (msExchExchangeServer, named by the computer name) under the layout's administrative group, and below
  `CN=SMTP,CN=Protocols` one protocolCfgSMTPServer per virtual server whose attributes are the directory's
  (remediate/lab/state/directory.py: msExchSmtpSmartHost, ...);
- on an Exchange 2007-2019 host: the server object under "Exchange Administrative Group (FYDIBOHF23SPDLT)" (the
  administrative group Exchange 2007 and later create) and its receive connectors (msExchSmtpReceiveConnector,
  below `CN=SMTP Receive Connectors,CN=Protocols`), whose msExchSmtpReceiveBanner is the connector's Banner in
  `machine.exchange`.
The object classes of the containers between them are UNCONFIRMED (`container` where the Exchange schema
documentation was not found); the agent's filters use msExchExchangeServer and protocolCfgSMTPServer only.

Writes (CommitChanges/SetInfo): the modelled attributes of the VS objects and of receive connectors; clearing an
attribute that is not set fails as AD does (LDAP noSuchAttribute, 0x8007200A); a value the attribute's syntax or
range refuses is a constraint violation (0x8007202F); any other write is refused as not modelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from remediate.lab.state import InvalidArgument
from remediate.lab.state.directory import ATTRIBUTES as VS_ATTRIBUTES
from remediate.lab.state.exchange import SERVER_TOKEN
from remediate.lab.windows import adsi, clr
from remediate.lab.windows.refusal import NotModeled

DC_NAME = "DC01"  # the lab's domain controller (see the module docstring)
MODERN_ADMIN_GROUP = "Exchange Administrative Group (FYDIBOHF23SPDLT)"
BANNER = "msExchSmtpReceiveBanner"


def computer_name(machine: Any) -> str:
    """%COMPUTERNAME%: the host's name as Windows gives it (upper case)."""
    return str(machine.computer_name)


def dns_domain(domain_dn: str) -> str:
    return ".".join(value for _, value in split_dn(domain_dn))


def split_dn(dn: str) -> list[tuple[str, str]]:
    """[(type, value)] of a DN (RFC 4514): commas escaped with a backslash stay in the value; no '=' is an error."""
    parts: list[tuple[str, str]] = []
    for rdn in re.split(r"(?<!\\),", dn):
        kind, sep, value = rdn.partition("=")
        if not sep or not kind.strip() or not value.strip():
            raise adsi.ads_error(adsi.E_ADS_BAD_PATHNAME)
        parts.append((kind.strip(), value.strip()))
    return parts


def dn_key(dn: str) -> str:
    return ",".join(f"{kind.casefold()}={value.casefold()}" for kind, value in split_dn(dn))


@dataclass
class _Node:
    dn: str
    classes: list[str]
    attrs: dict[str, list[Any]] = field(default_factory=dict)  # spelling -> values (besides the naming ones)
    writer: Callable[[str, list[Any]], None] | None = None  # (attribute, values; [] clears)


def _directory(machine: Any) -> dict[str, _Node]:
    """Every object, by dn_key, as the host's state has it now."""
    layout = dict(machine.directory.layout)
    domain = layout["domain"]
    config = f"CN=Configuration,{domain}"
    exchange = f"CN=Microsoft Exchange,CN=Services,{config}"
    org = f"CN={layout['organization']},{exchange}"
    nodes = [
        _Node(domain, ["top", "domain", "domainDNS"]),
        _Node(config, ["top", "configuration"]),
        _Node(f"CN=Services,{config}", ["top", "container"]),
        _Node(exchange, ["top", "container", "msExchConfigurationContainer"]),
        _Node(org, ["top", "container", "msExchOrganizationContainer"]),
        _Node(f"CN=Administrative Groups,{org}", ["top", "container", "msExchAdminGroupContainer"]),
    ]
    server = computer_name(machine)
    instances = machine.directory.instances()
    version = str(getattr(machine, "exchange_version", None) or "")
    if instances:
        group = layout["administrative_group"]
    elif version and not version.startswith(("5.", "6.")):
        group = MODERN_ADMIN_GROUP
    else:
        group = None
    if group is not None:
        group_dn = f"CN={group},CN=Administrative Groups,{org}"
        server_dn = f"CN={server},CN=Servers,{group_dn}"
        nodes += [_Node(group_dn, ["top", "msExchAdminGroup"]),
                  _Node(f"CN=Servers,{group_dn}", ["top", "container", "msExchServersContainer"]),
                  _Node(server_dn, ["top", "server", "msExchExchangeServer"]),
                  _Node(f"CN=Protocols,{server_dn}", ["top", "container"])]
        if instances:
            nodes.append(_Node(f"CN=SMTP,CN=Protocols,{server_dn}", ["top", "container"]))
            nodes += [_vs_node(machine, f"CN={n},CN=SMTP,CN=Protocols,{server_dn}", n) for n in instances]
        else:
            container = f"CN=SMTP Receive Connectors,CN=Protocols,{server_dn}"
            nodes.append(_Node(container, ["top", "container"]))
            for identity in receive_connector_identities(machine, server):
                name = identity.split("\\", 1)[1]
                nodes.append(_receive_node(machine, f"CN={_escape_rdn(name)},{container}", identity))
    return {dn_key(node.dn): node for node in nodes}


def receive_connector_identities(machine: Any, server: str) -> list[str]:
    """`SERVER\\Name` of every receive connector of the host (the state's `{server}` token is this server)."""
    return [identity.replace(SERVER_TOKEN, server) for identity in machine.exchange.snapshot()["receive_connectors"]]


def _escape_rdn(value: str) -> str:
    return re.sub(r'([,+"\\<>;=])', r"\\\1", value)


def _vs_node(machine: Any, dn: str, instance: int) -> _Node:
    directory = machine.directory
    attrs = {name: [directory.get(instance, name)] for name in VS_ATTRIBUTES
             if directory.get(instance, name) is not None}

    def write(attribute: str, values: list[Any]) -> None:
        name = next((n for n in VS_ATTRIBUTES if n.casefold() == attribute.casefold()), None)
        if name is None:
            raise NotModeled(f"writing the LDAP attribute {attribute} of an SMTP virtual server object")
        if not values:
            if directory.get(instance, name) is None:
                raise adsi.ads_error(adsi.ERROR_DS_NO_ATTRIBUTE_OR_VALUE, ds=True)
            directory.put(instance, name, None)
            return
        value = _single(values)
        if VS_ATTRIBUTES[name] is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise clr.com_error(0x8000500C, "The directory datatype cannot be converted to/from a native DS "
                                    "datatype (Exception from HRESULT: 0x8000500C)")
            value = int(value)
        else:
            value = clr.to_str(value)
        try:
            directory.put(instance, name, value)
        except InvalidArgument:
            raise adsi.ads_error(adsi.ERROR_DS_CONSTRAINT_VIOLATION, ds=True) from None

    return _Node(dn, ["top", "protocolCfg", "protocolCfgSMTP", "protocolCfgSMTPServer"], attrs, write)


def _receive_node(machine: Any, dn: str, identity: str) -> _Node:
    exchange = machine.exchange
    banner = exchange.receive_connector_banner(identity)
    attrs = {BANNER: [banner]} if banner else {}

    def write(attribute: str, values: list[Any]) -> None:
        if attribute.casefold() != BANNER.casefold():
            raise NotModeled(f"writing the LDAP attribute {attribute} of a receive connector")
        if not values:
            if exchange.receive_connector_banner(identity) is None:
                raise adsi.ads_error(adsi.ERROR_DS_NO_ATTRIBUTE_OR_VALUE, ds=True)
            exchange.set_receive_connector_ad_banner(identity, None)
            return
        text = clr.to_str(_single(values))
        if text == "":
            raise adsi.ads_error(adsi.ERROR_DS_CONSTRAINT_VIOLATION, ds=True)
        exchange.set_receive_connector_ad_banner(identity, text)

    return _Node(dn, ["top", "msExchSmtpReceiveConnector"], attrs, write)


def _single(values: list[Any]) -> Any:
    if len(values) != 1:  # every modelled attribute is single-valued
        raise adsi.ads_error(adsi.ERROR_DS_CONSTRAINT_VIOLATION, ds=True)
    return values[0]


class LdapObject:
    """An object of the lab's directory bound through `LDAP://` (adsi.AdsObject)."""

    def __init__(self, machine: Any, path: str, server: str, node: _Node | None) -> None:
        self.machine = machine
        self.path = path
        self.server = server  # "" or "server/" as the path gave it: paths built from this object keep it
        self.node = node  # None for RootDSE
        self.name = "" if node is None else "{}={}".format(*split_dn(node.dn)[0])
        self.schema_class = "" if node is None else node.classes[-1]

    @property
    def dn(self) -> str:
        return "" if self.node is None else self.node.dn

    def ads_path(self, dn: str) -> str:
        return f"LDAP://{self.server}{dn.replace('/', chr(92) + '/')}"

    def parent_path(self) -> str:
        if self.node is None:
            return "LDAP:"
        return self.ads_path(self.node.dn.split(",", 1)[1]) if "," in self.node.dn else "LDAP:"

    def load(self) -> dict[str, tuple[str, list[Any]]]:
        """GetInfo: the object's attributes as the directory holds them now."""
        if self.node is not None:
            fresh = _directory(self.machine).get(dn_key(self.node.dn))
            if fresh is None:
                raise adsi.ads_error(adsi.ERROR_DS_NO_SUCH_OBJECT, ds=True)
            self.node = fresh
        return {name.casefold(): (name, list(values)) for name, values in attributes(self.machine, self.node).items()}

    def get(self, name: str, cache: dict[str, tuple[str, list[Any]]]) -> list[Any]:
        return list(cache.get(name.casefold(), (name, []))[1])

    def commit(self, changes: list[tuple[int, str, list[Any]]]) -> None:
        if self.node is None or self.node.writer is None:
            raise NotModeled(f"writing the LDAP object {self.dn or 'RootDSE'}")
        with self.machine.directory.lock, self.machine.exchange.lock:
            for control, name, values in changes:
                self.node.writer(name, [] if control == adsi.ADS_PROPERTY_CLEAR else values)

    def children(self) -> list[str]:
        if self.node is None:
            return []
        key = dn_key(self.node.dn)
        return [self.ads_path(node.dn) for k, node in _directory(self.machine).items()
                if k.split(",", 1)[-1] == key and "," in k]

    def invoke(self, method: str, args: tuple[Any, ...]) -> Any:
        raise NotModeled(f"ADSI method {method} of an LDAP object")

    def subtree(self, scope: str) -> list[_Node]:
        """The objects a search from here sees: Base (this one), OneLevel (children), Subtree (this and below)."""
        if self.node is None:
            raise NotModeled("searching from RootDSE")
        key = dn_key(self.node.dn)
        found = []
        for k, node in _directory(self.machine).items():
            if scope == "Base":
                hit = k == key
            elif scope == "OneLevel":
                hit = k.endswith("," + key) and k.count(",") == key.count(",") + 1
            else:
                hit = k == key or k.endswith("," + key)
            if hit:
                found.append(node)
        return found


def attributes(machine: Any, node: _Node | None) -> dict[str, list[Any]]:
    """An object's attributes as a search or the property cache returns them (RootDSE's operational ones)."""
    if node is None:
        domain = machine.directory.layout["domain"]
        config = f"CN=Configuration,{domain}"
        return {
            "defaultNamingContext": [domain], "configurationNamingContext": [config],
            "schemaNamingContext": [f"CN=Schema,{config}"], "rootDomainNamingContext": [domain],
            "namingContexts": [domain, config, f"CN=Schema,{config}"],
            "dnsHostName": [f"{DC_NAME}.{dns_domain(domain)}"], "supportedLDAPVersion": ["3", "2"],
        }
    first_kind, first_value = split_dn(node.dn)[0]
    out: dict[str, list[Any]] = {"objectClass": list(node.classes)}
    if first_kind.casefold() == "cn":
        out["cn"] = [first_value.replace("\\", "")]
    out["distinguishedName"] = [node.dn]
    out["name"] = [first_value.replace("\\", "")]
    out.update({name: list(values) for name, values in node.attrs.items()})
    return out


def bind(machine: Any, path: str) -> LdapObject:
    rest = path[len("LDAP://"):] if path[:7].casefold() == "ldap://" else None
    if rest is None or rest == "":
        raise adsi.ads_error(adsi.E_ADS_BAD_PATHNAME)
    server = ""
    slash = re.search(r"(?<!\\)/", rest)
    if slash is not None:
        server, rest = rest[:slash.start()], rest[slash.end():]
        _check_server(machine, server)
        server += "/"
    elif "=" not in rest and rest.casefold() != "rootdse":
        _check_server(machine, rest)  # LDAP://server: that server's domain head
        server, rest = rest + "/", machine.directory.layout["domain"]
    if rest.casefold() == "rootdse":
        return LdapObject(machine, path, server, None)
    node = _directory(machine).get(dn_key(rest.replace("\\/", "/")))
    if node is None:
        raise adsi.ads_error(adsi.ERROR_DS_NO_SUCH_OBJECT, ds=True)
    return LdapObject(machine, path, server, node)


def _check_server(machine: Any, server: str) -> None:
    name = server.rsplit(":", 1)[0] if re.fullmatch(r".*:\d+", server) else server
    domain = dns_domain(machine.directory.layout["domain"])
    if name.casefold() not in {DC_NAME.casefold(), f"{DC_NAME}.{domain}".casefold(), domain.casefold()}:
        raise adsi.ads_error(adsi.ERROR_DS_SERVER_DOWN, ds=True)


adsi.PROVIDERS["ldap:"] = bind
