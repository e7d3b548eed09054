"""`firewall_rule`: one Windows Firewall rule that remediate owns, found by its display name.

MUST give: `name` (the display name; the rule with that name is remediate's, and no other rule is ever touched)
and, with `state: present` (the default), `local_port`. MAY give `direction` (`in`, the default, or `out`),
`protocol` (`TCP`, the default, or `UDP`), `action` (`allow`, the default, or `block`) and `enabled` (default true).
`state: absent` takes only the name.

Wire value (templates/agent/firewall.ps1, `firewall.get`): `{"exists": false}`, or
`{"exists": true, "direction": "in"|"out", "protocol": "TCP", "local_port": "25", "action": "allow"|"block",
"enabled": true}` with the values Windows holds (`local_port` is Windows' text: "25", "25,587", "Any"; a protocol
or action the model cannot write reads as Windows names it, lower-cased for actions). Names compare
case-insensitively, as Get-NetFirewallRule -DisplayName does; the agent never passes a name as a pattern. Windows
allows several rules with one display name: then the read fails (remediate manages a rule only when its name is
unique) rather than guess which one is meant.

Set: a missing rule is created (New-NetFirewallRule, splatted), an existing one with the name is changed in place
(Set-NetFirewallRule on that rule object), `{"exists": false}` removes it. So rollback removes a rule the run
created (before-value absent) and puts the fields of a changed one back; a rule with another name, even one for the
same port, is never read for a change, never changed and never removed.

Mechanism per Windows version: 2012 and later, the NetSecurity cmdlets (read and write). 2008/2008 R2, the
firewall's COM API (HNetCfg.FwPolicy2) for reading only: writing there would mean netsh, whose command line has
to be built from the values (CreateProcess takes one string, and PowerShell 2.0 does not escape embedded quotes),
so those hosts are report-only (playbooks use `remedy: manual` there). Windows Server 2003 has neither: the read
fails, and playbooks exclude it with `when:`.

Validation: names are 1..1024 characters without control characters; `|` and the name `all` are refused because
the firewall API reserves them (INetFwRule::Name) and netsh reads `name=all` as every rule.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from remediate.resources.base import Op, ResourceKind
from remediate.resources.wintext import fold

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_RULE_FIELDS = ("direction", "protocol", "local_port", "action", "enabled")


class FirewallRuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["firewall_rule"]
    name: str = Field(min_length=1, max_length=1024)
    state: Literal["present", "absent"] = "present"
    direction: Literal["in", "out"] = "in"
    protocol: Literal["TCP", "UDP"] = "TCP"
    local_port: int | None = Field(default=None, ge=1, le=65535)
    action: Literal["allow", "block"] = "allow"
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("a firewall rule name must not contain control characters (line breaks, tabs)")
        if "|" in value:
            raise ValueError("a firewall rule name must not contain '|' (the firewall API reserves it)")
        if value.strip().lower() == "all":
            raise ValueError("'all' cannot be a firewall rule name: netsh reads name=all as every rule")
        if not value.strip():
            raise ValueError("a firewall rule name must not be blank")
        return value

    @field_validator("protocol", mode="before")
    @classmethod
    def _protocol(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("direction", "action", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("local_port", mode="before")
    @classmethod
    def _port(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("local_port must be a port number 1..65535")
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        return value

    @model_validator(mode="after")
    def _state(self) -> FirewallRuleSpec:
        if self.state == "absent":
            extra = sorted(set(_RULE_FIELDS) & self.model_fields_set)
            if extra:
                raise ValueError(f"state: absent takes only the name, not {', '.join(extra)}")
        elif self.local_port is None:
            raise ValueError("local_port is required with state: present (a port number 1..65535)")
        return self


class FirewallRule(ResourceKind[FirewallRuleSpec]):
    kind: ClassVar[str] = "firewall_rule"
    spec_model: ClassVar[type[BaseModel]] = FirewallRuleSpec

    def identity(self, spec: FirewallRuleSpec) -> dict[str, Any]:
        return {"name": spec.name}

    def key(self, identity: dict[str, Any]) -> str:
        return fold(identity["name"])

    def describe(self, identity: dict[str, Any]) -> str:
        return f"firewall rule '{identity['name']}'"

    def read_op(self, identity: dict[str, Any]) -> Op:
        return Op("firewall.get", {"name": identity["name"]})

    def desired(self, spec: FirewallRuleSpec) -> Any:
        if spec.state == "absent":
            return {"exists": False}
        return {"exists": True, "direction": spec.direction, "protocol": spec.protocol,
                "local_port": str(spec.local_port), "action": spec.action, "enabled": spec.enabled}

    def set_op(self, identity: dict[str, Any], value: Any) -> Op:
        if not value.get("exists"):
            return Op("firewall.remove", {"name": identity["name"]})
        return Op("firewall.set", {"name": identity["name"], **{f: value.get(f) for f in _RULE_FIELDS}})
