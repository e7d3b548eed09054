"""`exchange_receive_connector`: the SMTP banner of one Exchange 2007-2019 receive connector (Set-ReceiveConnector).

MUST give `banner`: the text the connector answers a new connection with, or null for Exchange's default banner
("220 <Servername> Microsoft ESMTP MAIL service ready at <date>"). `banner` is required so that null ("the default
banner") can never be mistaken for "not managed". A text banner starts with `220 ` followed by at least one visible
character (Set-ReceiveConnector refuses anything else), is one line of printable ASCII (SMTP replies are ASCII,
RFC 5321 section 2.4) and at most 510 characters (an SMTP reply line is at most 512 octets with its CRLF). Within
that, quotes, backticks, `$(...)`, `;`, `|` and `#>` arrive verbatim: the agent passes the banner as a value.

MAY give `identity`: `SERVER\\Name` or `Name` of a connector on the server the rule runs on. Omitted (or null) it
is that server's "Default Frontend <SERVER>", the connector Exchange 2013-2019 sets up for anonymous mail from the
Internet on port 25 (TechNet bb124740); on Exchange 2007/2010 give the identity (their Internet connector is
usually "Default <SERVER>"). The agent manages connectors of its own server only: another server's identity is
refused, since the change would land elsewhere than the host the plan names.

Rollback puts the before-value back with Set-ReceiveConnector. A banner that was written past the cmdlet (ADSI
Edit) and is not one line starting with `220 ` cannot be put back that way (Set-ReceiveConnector refuses it), so
such a change is irreversible by the normal setter: `plan` marks it, `apply` asks for consent, and rollback (and
apply's revert) writes it where the cmdlet keeps the banner, the connector's Active Directory attribute
`msExchSmtpReceiveBanner` (op `exchange.receiveconnector.set_ad_banner`: ADSI on the object's DistinguishedName
at the domain controller Get-ReceiveConnector read it from; the connector objects live under CN=SMTP Receive
Connectors,CN=Protocols,CN=<server>,CN=Servers,... (Microsoft, Exchange 2007 transport permissions model,
"Using ADSIEDIT to manage Transport Permissions"); the Banner property is stored in msExchSmtpReceiveBanner
(Exchange's ReceiveConnector schema: ADPropertyDefinition Banner -> msExchSmtpReceiveBanner). The text goes back
verbatim; an empty text is cleared, as AD keeps no empty strings.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from remediate.resources.base import Op, ResourceKind, WritePath
from remediate.resources.exchange_names import object_name

MAX_BANNER = 510
_BANNER = re.compile(r"220 [ -~]*[!-~][ -~]*")
_SERVER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


class ExchangeReceiveConnectorSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["exchange_receive_connector"]
    identity: str | None = None
    banner: str | None

    @field_validator("identity")
    @classmethod
    def _identity(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = value.split("\\")
        if len(parts) > 2:
            raise ValueError("identity must be SERVER\\Name or Name")
        if len(parts) == 2 and not _SERVER.fullmatch(parts[0]):
            raise ValueError(f"identity: {parts[0]!r} is not a server name (letters, digits and hyphens)")
        object_name(parts[-1], "receive connector name")
        return value

    @field_validator("banner")
    @classmethod
    def _banner(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith("220 "):
            raise ValueError("banner must start with '220 ' (the SMTP service-ready code and a space), or be null "
                             "for Exchange's default banner")
        if not _BANNER.fullmatch(value):
            raise ValueError("banner must be one line of printable ASCII after '220 ' (SMTP replies are ASCII; "
                             "no line breaks, tabs or non-ASCII characters)")
        if len(value) > MAX_BANNER:
            raise ValueError(f"banner must be at most {MAX_BANNER} characters (an SMTP reply line is at most 512 "
                             "octets with its CRLF)")
        return value


class ExchangeReceiveConnector(ResourceKind[ExchangeReceiveConnectorSpec]):
    kind: ClassVar[str] = "exchange_receive_connector"
    spec_model: ClassVar[type[BaseModel]] = ExchangeReceiveConnectorSpec

    def identity(self, spec: ExchangeReceiveConnectorSpec) -> dict[str, Any]:
        return {"identity": spec.identity}

    def key(self, identity: dict[str, Any]) -> str:
        return str(identity["identity"] or "(default frontend)").lower()

    def describe(self, identity: dict[str, Any]) -> str:
        if identity["identity"] is None:
            return "receive connector 'Default Frontend' of this server"
        return f"receive connector '{identity['identity']}'"

    def read_op(self, identity: dict[str, Any]) -> Op:
        return Op("exchange.receiveconnector.get", {"identity": identity["identity"]})

    def desired(self, spec: ExchangeReceiveConnectorSpec) -> Any:
        return {"banner": spec.banner}

    def set_op(self, identity: dict[str, Any], value: Any) -> Op:
        return Op("exchange.receiveconnector.set", {"identity": identity["identity"], "banner": value["banner"]})

    def write_path(self, identity: dict[str, Any], value: Any, facts: dict[str, Any] | None = None) -> WritePath:
        banner = value.get("banner") if isinstance(value, dict) else None
        if banner is None or cmdlet_takes(banner):
            return WritePath(self.set_op(identity, value))
        return WritePath(
            Op("exchange.receiveconnector.set_ad_banner", {"identity": identity["identity"], "banner": banner}),
            irreversible="the banner is not accepted by Set-ReceiveConnector (it takes $null or one line that starts "
                         "with '220 ')",
            via="the connector's Active Directory attribute msExchSmtpReceiveBanner (ADSI), where the cmdlet keeps it")


def cmdlet_takes(banner: str) -> bool:
    """What Set-ReceiveConnector -Banner accepts besides $null: one line that starts with "220 "."""
    return banner.startswith("220 ") and not re.search(r"[\r\n\x00]", banner)
