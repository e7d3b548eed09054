"""`exchange2003_smtp_vs`: the smart host of an Exchange 2000/2003 SMTP virtual server, where it is mastered: AD.

On Exchange 2000/2003 the SMTP virtual server's settings live on its AD object
(`CN=<n>,CN=SMTP,CN=Protocols,CN=<Server>,...,CN=Configuration,...`) and DS2MB copies them one way into the
metabase; a metabase-only write is undone at the next copy (KB 321757; ExBPA dee368b2). This kind reads and
writes the AD attributes msExchSmtpSmartHost and msExchSmtpSmartHostType, so the fix stays.

MAY give: `server` (the Exchange server's name, the CN of its object; default: the server the agent runs on) and
`instance` (the virtual server number, default 1: "Default SMTP Virtual Server"). MUST give `smart_host_type`
(0 = no smart host, 1 = try DNS first then the smart host, 2 = always the smart host) and MAY give `smart_host`:
one or more FQDNs or IPv4 literals in square brackets (`[10.1.1.5]`, which skips DNS), separated by `;` (KB 821911,
KB 257426, TechNet cc779371). Empty or null clears it. ExBPA warns against a smart host on the virtual server
(aa997387; Microsoft prefers one on an SMTP connector), so "no smart host, type 0" is as valid a desired state
as a smart host with type 2. A smart host with type 0, or type 1/2 without one, is refused as contradictory.

The read value is `{"smart_host": str|null, "smart_host_type": int|null}` (null: the attribute is not set).
Smart host names compare case-insensitively, as DNS does.

Finding the object: the agent searches the configuration naming context for the msExchExchangeServer whose cn is
the server name, then below it the protocolCfgSMTPServer whose cn is the instance (filter values escaped per
RFC 4515). It cannot take a DN from the read: the read value must equal the desired value, which cannot know it.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from remediate.resources.base import Op, ResourceKind

# Shared, character for character, with templates/agent/ex2003ad.ps1 (a test holds them equal).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# An FQDN's last label must hold a letter: "10.1.1.5" is an address to be bracketed, not a name.
_ENTRY = rf"(?:(?:{_LABEL}\.)+(?=[0-9-]*[A-Za-z]){_LABEL}|\[{_OCTET}(?:\.{_OCTET}){{3}}\])"
SMART_HOST_RE = rf"{_ENTRY}(?:;{_ENTRY})*"
SMART_HOST_PATTERN = re.compile(SMART_HOST_RE)
# An Exchange server's name is its computer name: a DNS label.
SERVER_RE = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
SERVER_PATTERN = re.compile(SERVER_RE)


def normalise_smart_host(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("smart_host must be a string such as mail.contoso.com or [10.1.1.5]")
    entries = [entry.strip() for entry in value.split(";")]
    if entries == [""]:
        return None
    for entry in entries:
        if entry.startswith("[") and entry.endswith("]"):
            try:
                ipaddress.IPv4Address(entry[1:-1])
            except ValueError:
                raise ValueError(f"{entry!r} is not an IPv4 address in square brackets") from None
        elif _is_ip(entry):
            raise ValueError(f"write the IP address {entry} in square brackets, [{entry}]: without them it is "
                             "looked up in DNS as a name (KB 821911)")
        if len(entry) > 253 or not SMART_HOST_PATTERN.fullmatch(entry):
            raise ValueError(f"{entry!r} is not a fully qualified domain name or an [IPv4] literal")
    return ";".join(entries)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class Exchange2003SmtpVsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["exchange2003_smtp_vs"]
    server: str | None = Field(default=None, max_length=63)
    instance: int = Field(default=1, ge=1, le=999999999)
    # Field order matters: smart_host_type is checked against the validated smart_host.
    smart_host: str | None = None
    smart_host_type: int

    @field_validator("server")
    @classmethod
    def _server(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not SERVER_PATTERN.fullmatch(value):
            raise ValueError("server must be the Exchange server's name (letters, digits, hyphens), or left out "
                             "for the server the agent runs on")
        return value

    @field_validator("instance", mode="before")
    @classmethod
    def _instance(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("instance must be a whole number from 1")
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        return value

    @field_validator("smart_host", mode="before")
    @classmethod
    def _smart_host(cls, value: Any) -> str | None:
        return normalise_smart_host(value)

    @field_validator("smart_host_type", mode="before")
    @classmethod
    def _smart_host_type(cls, value: Any, info: ValidationInfo) -> int:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or value not in (0, 1, 2):
            raise ValueError("smart_host_type must be 0 (no smart host), 1 (DNS first, then the smart host) or 2 "
                             "(always the smart host)")
        if "smart_host" in info.data:
            has_host = info.data["smart_host"] is not None
            if value == 0 and has_host:
                raise ValueError("smart_host_type 0 means no smart host: leave smart_host empty, or use type 2")
            if value != 0 and not has_host:
                raise ValueError(f"smart_host_type {value} needs a smart_host; with no smart host use type 0")
        return int(value)


class Exchange2003SmtpVs(ResourceKind[Exchange2003SmtpVsSpec]):
    kind: ClassVar[str] = "exchange2003_smtp_vs"
    spec_model: ClassVar[type[BaseModel]] = Exchange2003SmtpVsSpec

    def identity(self, spec: Exchange2003SmtpVsSpec) -> dict[str, Any]:
        return {"server": spec.server, "instance": spec.instance}

    def key(self, identity: dict[str, Any]) -> str:
        return f"{(identity['server'] or '').lower()}/smtp/{identity['instance']}"

    def describe(self, identity: dict[str, Any]) -> str:
        server = identity["server"] or "this server"
        return f"Exchange 2003 SMTP virtual server {identity['instance']} on {server} (AD smart host)"

    def read_op(self, identity: dict[str, Any]) -> Op:
        return Op("ex2003ad.get_smtp_vs", {"server": identity["server"] or "", "instance": identity["instance"]})

    def desired(self, spec: Exchange2003SmtpVsSpec) -> Any:
        return {"smart_host": spec.smart_host, "smart_host_type": spec.smart_host_type}

    def set_op(self, identity: dict[str, Any], value: Any) -> Op:
        return Op("ex2003ad.set_smtp_vs", {**self.read_op(identity).args, "smart_host": value.get("smart_host"),
                                           "smart_host_type": value.get("smart_host_type")})

    def same(self, observed: Any, desired: Any) -> bool:
        if not isinstance(observed, dict) or not isinstance(desired, dict):
            return bool(observed == desired)
        return (_fold(observed.get("smart_host")) == _fold(desired.get("smart_host"))
                and observed.get("smart_host_type") == desired.get("smart_host_type") and set(observed) == set(desired))


def _fold(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value
