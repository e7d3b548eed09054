"""Exchange Management Shell cmdlets (Exchange 2007-2019 snap-in) over the lab's Exchange state.

Microsoft's pages (learn.microsoft.com/powershell/module/exchange/...): get-sendconnector, set-sendconnector,
get-receiveconnector, set-receiveconnector, get-remotedomain, set-remotedomain, get-queue. The cmdlets exist in a
session only after `Add-PSSnapin` loaded the snap-in the host registers (`snapins.py`); before that they are not
recognized, as on a real server.

Objects (`machine.exchange`, remediate/lab/state/exchange.py; `machine.mail` for queues):
- Get-SendConnector: Name, Identity, DNSRoutingEnabled, SmartHosts (a MultiValuedProperty of SmartHost; an IP
  smart host's text is the bracketed literal the state keeps, "[10.0.0.25]": UNCONFIRMED against a real server,
  the agent accepts either form), Port, AddressSpaces, Enabled.
- Get-ReceiveConnector [-Server]: Identity "SERVER\\Name", Name, Server, Banner ($null = the default banner),
  DistinguishedName (where adsi_ldap keeps the connector) and OriginatingServer (the lab's DC).
- Get-RemoteDomain: Name, Identity, DomainName, TNEFEnabled ($true, $false or $null).
- Get-Queue: the Submission queue and the delivery queue to the host's next hop (Status, MessageCount,
  NextHopDomain, LastError), read from the Transport service: while MSExchangeTransport is not running it fails.

The Set- cmdlets take -Identity (the object or its name), the documented parameters the lab models and -Confirm,
and apply the state's rules (Set-SendConnector's SmartHosts/DNSRoutingEnabled rule, Set-ReceiveConnector's Banner
"must start with 220" rule, TNEFEnabled's three values). Exchange's own error texts for those rules are not in its
documentation: the words are the lab state's (UNCONFIRMED), the error is terminating, category InvalidArgument.
An identity that names no object is ManagementObjectNotFoundException ("The operation couldn't be performed because
object '<id>' couldn't be found on '<DC>'.", Exchange's wording as administrators report it).
"""

from __future__ import annotations

from typing import Any, ClassVar

from remediate.lab.state import InvalidArgument, StateError
from remediate.lab.state.exchange import SERVER_TOKEN
from remediate.lab.windows import adsi_ldap, clr, snapins
from remediate.lab.windows.adsi_ldap import computer_name
from remediate.lab.windows.refusal import NotModeled

ManagementObjectNotFoundException = clr.exception_type(
    "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException", clr.DotNetException)
DataValidationException = clr.exception_type("Microsoft.Exchange.Data.DataValidationException", clr.DotNetException)


def _shell_loaded(machine: Any) -> bool:
    return snapins.windows_powershell(machine) and snapins.is_loaded(machine, machine.exchange.shell)


# The snap-in's cmdlets exist once Add-PSSnapin loaded it (the module name is the 2013+ snap-in's).
_OPTIONS: dict[str, Any] = {"module": "Microsoft.Exchange.Management.PowerShell.SnapIn", "available": _shell_loaded,
                            "since": "1.0"}


@clr.register
class ExchangeIdentity(clr.DotNetObject):
    """Microsoft.Exchange.Data.Directory.ADObjectId as scripts see it: its text is the object's identity."""

    TYPE_NAME: ClassVar[str] = "Microsoft.Exchange.Data.Directory.ADObjectId"

    def __init__(self, text: str, dn: str = "") -> None:
        self._text = text
        self.DistinguishedName = dn
        self.Name = text.rsplit("\\", 1)[-1]

    def ToString(self) -> str:  # noqa: N802
        return self._text


@clr.register
class MultiValuedProperty(clr.DotNetObject):
    """Microsoft.Exchange.Data.MultiValuedProperty<T>: enumerable, Count, indexer."""

    TYPE_NAME: ClassVar[str] = "Microsoft.Exchange.Data.MultiValuedProperty"

    def __init__(self, items: list[Any]) -> None:
        self._items = list(items)

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._items)

    def __iter__(self) -> Any:
        return iter(list(self._items))

    def __getitem__(self, index: Any) -> Any:
        return self._items[clr.to_int(index)]

    def ToString(self) -> str:  # noqa: N802
        return "{" + ", ".join(clr.to_str(i) for i in self._items) + "}"


@clr.register
class SmartHost(clr.DotNetObject):
    TYPE_NAME: ClassVar[str] = "Microsoft.Exchange.Data.SmartHost"

    def __init__(self, text: str) -> None:
        self._text = text
        self.IsIPAddress = text.startswith("[")
        self.Domain = None if self.IsIPAddress else text
        self.Address = text[1:-1] if self.IsIPAddress else None

    def ToString(self) -> str:  # noqa: N802
        return self._text


class _Record(clr.DotNetObject):
    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def ToString(self) -> str:  # noqa: N802
        return clr.to_str(self.__dict__.get("Identity") or self.__dict__.get("Name"))


@clr.register
class SendConnector(_Record):
    TYPE_NAME: ClassVar[str] = "Microsoft.Exchange.Data.Directory.SystemConfiguration.SmtpSendConnectorConfig"


@clr.register
class ReceiveConnector(_Record):
    TYPE_NAME: ClassVar[str] = "Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector"


@clr.register
class RemoteDomain(_Record):
    TYPE_NAME: ClassVar[str] = "Microsoft.Exchange.Data.Directory.SystemConfiguration.DomainContentConfig"


@clr.register
class ExtensibleQueueInfo(_Record):
    TYPE_NAME: ClassVar[str] = "Microsoft.Exchange.Data.QueueViewer.ExtensibleQueueInfo"


def _dc(machine: Any) -> str:
    return f"{adsi_ldap.DC_NAME}.{adsi_ldap.dns_domain(machine.directory.layout['domain'])}"


def _not_found(ctx: Any, identity: str) -> clr.CmdletTerminatingError:
    error = ManagementObjectNotFoundException(
        f"The operation couldn't be performed because object '{identity}' couldn't be found on '{_dc(ctx.machine)}'.")
    return clr.CmdletTerminatingError(clr.ErrorRecord(error, "ManagementObjectNotFoundException", "NotSpecified",
                                                      identity))


def _invalid(message: str, target: Any) -> clr.CmdletTerminatingError:
    return clr.CmdletTerminatingError(clr.ErrorRecord(DataValidationException(message), "DataValidationException",
                                                      "InvalidArgument", target))


def _identity_text(value: Any) -> str:
    return clr.to_str(value)


# ---- send connectors -------------------------------------------------------------------------------------------

def _send_connector(machine: Any, name: str) -> SendConnector:
    data = machine.exchange.send_connector(name)
    return SendConnector(Name=data["name"], Identity=ExchangeIdentity(data["name"]),
                         DNSRoutingEnabled=bool(data["dns_routing_enabled"]),
                         SmartHosts=MultiValuedProperty([SmartHost(h) for h in data["smart_hosts"]]),
                         Port=int(data["port"]), AddressSpaces=MultiValuedProperty(list(data["address_spaces"])),
                         Enabled=True)


@clr.cmdlet("Get-SendConnector", clr.Param("Identity", "System.Object", position=0, pipeline=True), **_OPTIONS)
def get_send_connector(ctx: Any, Identity: Any = None) -> list[Any]:  # noqa: N803
    names = list(ctx.machine.exchange.snapshot()["send_connectors"])
    if Identity is not None:
        wanted = _identity_text(Identity)
        names = [n for n in names if n.casefold() == wanted.casefold()]
        if not names:
            raise _not_found(ctx, wanted)
    return [_send_connector(ctx.machine, name) for name in names]


def _smart_hosts(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else list(value) if isinstance(value, MultiValuedProperty) else [value]
    return [clr.to_str(item) for item in items if item is not None]


@clr.cmdlet("Set-SendConnector", clr.Param("Identity", "System.Object", position=0, mandatory=True, pipeline=True),
            clr.Param("DNSRoutingEnabled", "System.Boolean"), clr.Param("SmartHosts", "System.Object"),
            clr.Param("Port", "System.Int32"), clr.Param("Confirm", "System.Management.Automation.SwitchParameter"),
            **_OPTIONS)
def set_send_connector(ctx: Any, Identity: Any, **bound: Any) -> list[Any]:  # noqa: N803
    name = _identity_text(Identity)
    exchange = ctx.machine.exchange
    changes: dict[str, Any] = {}
    if "DNSRoutingEnabled" in bound:
        changes["dns_routing_enabled"] = bool(bound["DNSRoutingEnabled"])
    if "SmartHosts" in bound:
        changes["smart_hosts"] = _smart_hosts(bound["SmartHosts"])
    if "Port" in bound:
        changes["port"] = bound["Port"]
    try:
        exchange.set_send_connector(name, **changes)
    except InvalidArgument as error:
        raise _invalid(str(error), name) from None
    except StateError:
        raise _not_found(ctx, name) from None
    return []


# ---- receive connectors ----------------------------------------------------------------------------------------

def _receive_connectors(machine: Any) -> list[ReceiveConnector]:
    server = computer_name(machine)
    domain = machine.directory.layout
    out = []
    for template in machine.exchange.snapshot()["receive_connectors"]:
        identity = template.replace(SERVER_TOKEN, server)
        name = identity.split("\\", 1)[1]
        dn = (f"CN={name},CN=SMTP Receive Connectors,CN=Protocols,CN={server},CN=Servers,"
              f"CN={adsi_ldap.MODERN_ADMIN_GROUP},CN=Administrative Groups,CN={domain['organization']},"
              f"CN=Microsoft Exchange,CN=Services,CN=Configuration,{domain['domain']}")
        out.append(ReceiveConnector(Identity=ExchangeIdentity(identity, dn), Name=name, Server=server,
                                    Banner=machine.exchange.receive_connector_banner(identity),
                                    DistinguishedName=dn, OriginatingServer=_dc(machine), Enabled=True))
    return out


@clr.cmdlet("Get-ReceiveConnector", clr.Param("Identity", "System.Object", position=0, pipeline=True),
            clr.Param("Server", "System.Object"), **_OPTIONS)
def get_receive_connector(ctx: Any, Identity: Any = None, Server: Any = None) -> list[Any]:  # noqa: N803
    connectors = _receive_connectors(ctx.machine)
    if Server is not None:
        wanted_server = clr.to_str(Server)
        if wanted_server.casefold() != computer_name(ctx.machine).casefold():
            # Another Exchange server of the organisation: the lab models only this one.
            raise clr.CmdletTerminatingError(clr.ErrorRecord(ManagementObjectNotFoundException(
                f"The operation couldn't be performed because object '{wanted_server}' couldn't be found on "
                f"'{_dc(ctx.machine)}'."), "ManagementObjectNotFoundException", "NotSpecified", wanted_server))
    if Identity is not None:
        connectors = [_match_receive(ctx, connectors, _identity_text(Identity))]
    return connectors


def _match_receive(ctx: Any, connectors: list[ReceiveConnector], identity: str) -> ReceiveConnector:
    """`SERVER\\Name` matches the whole identity, a bare `Name` the name (Exchange compares without case)."""
    for connector in connectors:
        text = clr.to_str(connector.Identity) if "\\" in identity else connector.Name  # type: ignore[attr-defined]
        if text.casefold() == identity.casefold():
            return connector
    raise _not_found(ctx, identity)


@clr.cmdlet("Set-ReceiveConnector", clr.Param("Identity", "System.Object", position=0, mandatory=True,
                                              pipeline=True),
            clr.Param("Banner", "System.String"), clr.Param("Confirm", "System.Management.Automation.SwitchParameter"),
            **_OPTIONS)
def set_receive_connector(ctx: Any, Identity: Any, **bound: Any) -> list[Any]:  # noqa: N803
    connector = _match_receive(ctx, _receive_connectors(ctx.machine), _identity_text(Identity))
    if "Banner" in bound:
        banner = bound["Banner"]
        # A [string] parameter binds $null as ""; Exchange keeps no empty banner: both restore the default.
        banner = None if banner is None or banner == "" else clr.to_str(banner)
        try:
            ctx.machine.exchange.set_receive_connector_banner(clr.to_str(connector.Identity), banner)
        except InvalidArgument as error:
            raise _invalid(str(error), Identity) from None
    return []


# ---- remote domains --------------------------------------------------------------------------------------------

def _remote_domains(machine: Any) -> list[RemoteDomain]:
    out = []
    for name, fields in machine.exchange.snapshot()["remote_domains"].items():
        out.append(RemoteDomain(Name=name, Identity=ExchangeIdentity(name), DomainName=fields["domain_name"],
                                TNEFEnabled=fields["tnef_enabled"]))
    return out


@clr.cmdlet("Get-RemoteDomain", clr.Param("Identity", "System.Object", position=0, pipeline=True), **_OPTIONS)
def get_remote_domain(ctx: Any, Identity: Any = None) -> list[Any]:  # noqa: N803
    domains = _remote_domains(ctx.machine)
    if Identity is None:
        return domains
    wanted = _identity_text(Identity)
    found = [d for d in domains if d.Name.casefold() == wanted.casefold()]  # type: ignore[attr-defined]
    if not found:
        raise _not_found(ctx, wanted)
    return found


@clr.cmdlet("Set-RemoteDomain", clr.Param("Identity", "System.Object", position=0, mandatory=True, pipeline=True),
            clr.Param("TNEFEnabled", "System.Object"),
            clr.Param("Confirm", "System.Management.Automation.SwitchParameter"), **_OPTIONS)
def set_remote_domain(ctx: Any, Identity: Any, **bound: Any) -> list[Any]:  # noqa: N803
    name = _identity_text(Identity)
    if "TNEFEnabled" in bound:
        value = bound["TNEFEnabled"]  # Nullable<bool>: $true, $false or $null
        if value is not None and not isinstance(value, bool):
            raise _invalid("Set-RemoteDomain: TNEFEnabled must be $true, $false or $null", name)
        try:
            ctx.machine.exchange.set_remote_domain_tnef(name, value)
        except StateError:
            raise _not_found(ctx, name) from None
    return []


# ---- queues ----------------------------------------------------------------------------------------------------

@clr.cmdlet("Get-Queue", clr.Param("Identity", "System.Object", position=0), clr.Param("Server", "System.Object"),
            **_OPTIONS)
def get_queue(ctx: Any, Identity: Any = None, Server: Any = None) -> list[Any]:  # noqa: N803
    machine = ctx.machine
    if Identity is not None or Server is not None:
        raise NotModeled("Get-Queue -Identity/-Server", "the lab lists this server's queues")
    if machine.services.state_of("MSExchangeTransport") != "running":
        # Get-Queue asks the Transport service over RPC (its documentation: "the Microsoft Exchange Transport
        # service must be running"); the exact error text is UNCONFIRMED.
        raise clr.CmdletTerminatingError(clr.ErrorRecord(clr.InvalidOperationException(
            f"Couldn't connect to the Microsoft Exchange Transport service on computer {computer_name(machine)}."),
            "QueueViewerException", "ConnectionError", None))
    server = computer_name(machine)
    queue = machine.mail.queue()
    remote = machine.mail.remote_host()["fqdn"]
    return [
        ExtensibleQueueInfo(Identity=f"{server}\\Submission", Status="Ready", MessageCount=0,
                            NextHopDomain="Submission", LastError=None, DeliveryType="Undefined"),
        ExtensibleQueueInfo(Identity=f"{server}\\3", Status=queue["status"], MessageCount=int(queue["messages"]),
                            NextHopDomain=remote, LastError=queue["last_error"], DeliveryType="SmartHostConnectorDelivery"),
    ]
