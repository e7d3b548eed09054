"""`windows_service`: the run state and start mode of one Windows service, found by its service name.

MUST give: `name` (the service name, such as SMTPSVC, not the display name) and `state`: `running`, `stopped`,
or `absent` (the service must not be installed). MAY give `start_mode` (`auto`, `manual` or `disabled`) with
running/stopped; only the fields given are read and compared, so a rule that wants a service running says nothing
about its start mode.

Wire value (templates/agent/services.ps1, `service.get` with args `{"name", "fields"}`): `{"exists": false}` for a
service that is not installed, else `{"exists": true}` plus the fields asked for: `state` (`running`, `stopped`,
`start_pending`, `stop_pending`, `paused`, ...: Get-Service's Status in snake case) and `start_mode` (`auto`,
`manual`, `disabled`, `boot`, `system`: the SCM's start type, as WMI's Win32_Service.StartMode names it). The field
list is part of the identity so that rollback reads exactly what the run compared.

Set (`service.set`): the start mode first (Set-Service -StartupType), then the state (Start-Service or
Stop-Service on the service object). Windows' rules apply and are not worked around: starting a service starts the
services it depends on; stopping a service that running services depend on fails (no -Force), so a run never stops
more than it was asked to. List services in dependency order (IISADMIN before SMTPSVC): apply goes in rule order
and rollback in reverse, so dependents are stopped before what they depend on. A dependency started on the way is
not part of the run and stays running after rollback.

remediate never installs or deletes services: `state: absent` is for detection (`remedy: manual`, as for the
SMSMSE rule), and an apply that would have to create or delete a service fails with InvalidArgument.

Validation: 1..256 characters, no control characters, no `/` or `\\` (Windows refuses them in service names) and
no `* ? [ ]`, which service cmdlets would read as wildcards.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from remediate.resources.base import Op, ResourceKind
from remediate.resources.wintext import fold

_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\*?\[\]]")


class WindowsServiceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["windows_service"]
    name: str = Field(min_length=1, max_length=256)
    state: Literal["running", "stopped", "absent"]
    start_mode: Literal["auto", "manual", "disabled"] | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        bad = _BAD_NAME.search(value)
        if bad:
            raise ValueError(f"a service name must not contain {bad.group()!r}: Windows refuses / and \\ and control "
                             "characters, and * ? [ ] would be read as wildcards")
        if value != value.strip():
            raise ValueError("a service name must not start or end with spaces")
        return value

    @field_validator("state", "start_mode", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _absent(self) -> WindowsServiceSpec:
        if self.state == "absent" and self.start_mode is not None:
            raise ValueError("state: absent takes no start_mode")
        return self


class WindowsService(ResourceKind[WindowsServiceSpec]):
    kind: ClassVar[str] = "windows_service"
    spec_model: ClassVar[type[BaseModel]] = WindowsServiceSpec

    def identity(self, spec: WindowsServiceSpec) -> dict[str, Any]:
        fields = [] if spec.state == "absent" else ["state"] + (["start_mode"] if spec.start_mode else [])
        return {"name": spec.name, "fields": sorted(fields)}

    def key(self, identity: dict[str, Any]) -> str:
        return fold(identity["name"])

    def describe(self, identity: dict[str, Any]) -> str:
        return f"service {identity['name']}"

    def read_op(self, identity: dict[str, Any]) -> Op:
        return Op("service.get", {"name": identity["name"], "fields": list(identity["fields"])})

    def desired(self, spec: WindowsServiceSpec) -> Any:
        if spec.state == "absent":
            return {"exists": False}
        value: dict[str, Any] = {"exists": True, "state": spec.state}
        if spec.start_mode:
            value["start_mode"] = spec.start_mode
        return value

    def set_op(self, identity: dict[str, Any], value: Any) -> Op:
        args: dict[str, Any] = {"name": identity["name"], "exists": bool(value.get("exists"))}
        for field in identity["fields"]:
            if field in value:
                args[field] = value[field]
        return Op("service.set", args)
