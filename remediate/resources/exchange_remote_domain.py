"""`exchange_remote_domain`: whether Exchange 2007-2019 sends TNEF to one remote domain (Set-RemoteDomain).

MUST give `name`, the remote domain object's Name (not its DomainName; compared without regard to case; see
exchange_names.py), and `tnef_enabled`, one of three values (Set-RemoteDomain.md):
- `true`: TNEF on every message to that domain;
- `false`: never TNEF (what a peer that cannot read winmail.dat needs);
- `null`: not set, Exchange's default: mail contacts' UseMapiRichTextFormat and Outlook's per-recipient settings
  decide.
`tnef_enabled` is required, with an explicit null for "not set", so that "not set" and "not managed" stay apart:
a resource that does not manage TNEF is simply not written. Rollback replays the saved value, null included.

The remote domain must exist (create it with New-RemoteDomain -Name X -DomainName peer.example); a missing one is
an error. Remote domains are organisation-wide: every Exchange server of the organisation sees the same object.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from remediate.resources.base import Op, ResourceKind
from remediate.resources.exchange_names import object_name


class ExchangeRemoteDomainSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["exchange_remote_domain"]
    name: str
    tnef_enabled: bool | None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return object_name(value, "remote domain name")


class ExchangeRemoteDomain(ResourceKind[ExchangeRemoteDomainSpec]):
    kind: ClassVar[str] = "exchange_remote_domain"
    spec_model: ClassVar[type[BaseModel]] = ExchangeRemoteDomainSpec

    def identity(self, spec: ExchangeRemoteDomainSpec) -> dict[str, Any]:
        return {"name": spec.name}

    def key(self, identity: dict[str, Any]) -> str:
        return str(identity["name"]).lower()

    def describe(self, identity: dict[str, Any]) -> str:
        return f"remote domain '{identity['name']}'"

    def read_op(self, identity: dict[str, Any]) -> Op:
        return Op("exchange.remotedomain.get", {"name": identity["name"]})

    def desired(self, spec: ExchangeRemoteDomainSpec) -> Any:
        return {"tnef_enabled": spec.tnef_enabled}

    def set_op(self, identity: dict[str, Any], value: Any) -> Op:
        return Op("exchange.remotedomain.set", {"name": identity["name"], "tnef_enabled": value["tnef_enabled"]})
