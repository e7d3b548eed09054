"""`metabase_health`: IIS 6's MetaBase.xml parses and holds the SMTP virtual server; restore it from History if not.

MAY give `instance` (default 1): the SMTP virtual server whose `IIsSmtpServer` node (Location="/LM/SmtpSvc/<n>")
must be in the file. Healthy = `%SystemRoot%\\System32\\inetsrv\\MetaBase.xml` parses as XML and holds that node
(reference case 10, detect #4; the parse test is our own heuristic, not a Microsoft one). IIS 6 only: IIS 5 keeps
a binary MetaBase.bin, which this kind does not read.

Values:
- `{"healthy": true}`: the desired value, and what a healthy host reads;
- `{"healthy": false, "digest": "<sha256 of the file>"|null, "problem": "missing"|"unparseable"|
  "no IIsSmtpServer node at /LM/SmtpSvc/<n>"}`: a damaged (or, with digest null, missing) file.

Setting `{"healthy": true}` (op metabasefile.restore_history) keeps the current file in remediate's backup folder
`%SystemRoot%\\System32\\inetsrv\\remediate-backup` (inherits inetsrv's ACL: SYSTEM and Administrators) as
`MetaBase-<UTC time>-<sha256>.xml`, then stops IISADMIN with its dependent services, puts the newest healthy
`History\\MetaBase_<major>_<minor>.xml` in place and starts IISADMIN and the services that were running. Setting a
damaged value (op metabasefile.restore_backup, what rollback does with the before-value) puts back the backup
whose content has that digest, the same way: the digest in the before-value names the backup, so rollback needs
nothing but the journal. A missing file cannot be "restored" (rollback refuses rather than delete the metabase).

Both writes stop every IISADMIN-dependent service (SMTP, WWW, Exchange's protocols) for a moment: a maintenance
window action. Playbooks say so in the rule's advice.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from remediate.resources.base import Op, ResourceKind, WritePath


class MetabaseHealthSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["metabase_health"]
    instance: int = Field(default=1, ge=1, le=999999999, strict=True)


class MetabaseHealth(ResourceKind[MetabaseHealthSpec]):
    kind: ClassVar[str] = "metabase_health"
    spec_model: ClassVar[type[BaseModel]] = MetabaseHealthSpec

    def identity(self, spec: MetabaseHealthSpec) -> dict[str, Any]:
        return {"instance": spec.instance}

    def key(self, identity: dict[str, Any]) -> str:
        return f"metabase.xml/smtp/{identity['instance']}"

    def describe(self, identity: dict[str, Any]) -> str:
        return f"IIS 6 MetaBase.xml (SMTP virtual server {identity['instance']})"

    def read_op(self, identity: dict[str, Any]) -> Op:
        return Op("metabasefile.health", {"instance": identity["instance"]})

    def desired(self, spec: MetabaseHealthSpec) -> Any:
        return {"healthy": True}

    def set_op(self, identity: dict[str, Any], value: Any) -> Op:
        if value.get("healthy"):
            return Op("metabasefile.restore_history", {"instance": identity["instance"]})
        return Op("metabasefile.restore_backup", {"digest": value.get("digest")})

    def write_path(self, identity: dict[str, Any], value: Any, facts: dict[str, Any] | None = None) -> WritePath:
        if isinstance(value, dict) and not value.get("healthy") and value.get("digest") is None:
            return WritePath(None, irreversible="MetaBase.xml was missing: rollback never deletes the metabase")
        return WritePath(self.set_op(identity, value))
