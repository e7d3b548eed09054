"""The plan and its results as plain, versioned data.

A `Plan` is what `plan` prints, what `plan -o FILE` and `plan --json` write (format `remediate.plan`, version 2;
see docs/plan-format.md), and what `apply FILE` executes. It holds, per host, every resource's observed value,
desired value and the change, with rule and source. It holds no secrets: connection details are the inventory's.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from remediate import __version__

PLAN_FORMAT = "remediate.plan"
PLAN_VERSION = 2
PLAN_VERSIONS = (1, 2)  # 2 added `irreversible` to items; a version-1 file reads as items without it


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class ItemStatus(str, Enum):
    COMPLIANT = "compliant"
    DRIFT = "drift"
    MANUAL = "manual"  # drift whose fix is a human's (remedy: manual); reported with advice, never applied
    FAILED = "failed"  # a probe (read-only check) that did not pass; reported, never applied
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


class HostStatus(str, Enum):
    COMPLIANT = "compliant"
    DRIFT = "drift"
    ERROR = "error"


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class FieldDiff(_Model):
    path: str
    before: Any = None
    after: Any = None


class SourceRef(_Model):
    file: str
    line: int | None = None


class Irreversible(_Model):
    """A change whose before-value the kind's normal setter cannot write back (ResourceKind.write_path)."""

    reason: str  # why not, e.g. "the banner is not accepted by Set-ReceiveConnector ..."
    restore: str  # how rollback will restore it: "through <the other path>", or "not at all: ... by hand"


class PlanItem(_Model):
    """One resource of one rule on one host."""

    rule_id: str
    rule_title: str
    source: str
    remedy: Literal["auto", "manual"] = "auto"
    advice: str | None = None
    kind: str
    identity: dict[str, Any]
    description: str
    status: ItemStatus
    before: Any = None
    after: Any = None
    action: Action | None = None
    diff: list[FieldDiff] = Field(default_factory=list)
    error: str | None = None
    defined_at: SourceRef | None = None
    irreversible: Irreversible | None = None  # set on a change `apply` needs consent for (--accept-irreversible)

    @property
    def is_change(self) -> bool:
        return self.status is ItemStatus.DRIFT


class ErrorInfo(_Model):
    type: str
    message: str


class HostPlan(_Model):
    host: str
    endpoint: str
    status: HostStatus
    facts: dict[str, Any] | None = None
    error: ErrorInfo | None = None
    items: list[PlanItem] = Field(default_factory=list)

    @property
    def changes(self) -> list[PlanItem]:
        return [item for item in self.items if item.is_change]


class Plan(_Model):
    format: Literal["remediate.plan"] = PLAN_FORMAT
    version: Literal[1, 2] = PLAN_VERSION
    tool_version: str = __version__
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    inventory: str
    playbooks: list[str]
    fingerprint: str
    inputs: dict[str, str] = Field(default_factory=dict)  # file -> sha256, to say which input changed
    hosts: list[HostPlan] = Field(default_factory=list)

    @property
    def change_count(self) -> int:
        return sum(len(h.changes) for h in self.hosts)

    @property
    def has_errors(self) -> bool:
        return any(h.status is HostStatus.ERROR for h in self.hosts)


class HostOutcome(str, Enum):
    """How a host ended an apply or rollback. Exactly one applies; `UNKNOWN` sends the user to rollback."""

    APPLIED = "applied"
    NO_CHANGES = "no_changes"
    STALE = "stale"
    UNTOUCHED = "untouched"  # the apply failed before writing anything (verified by a re-read)
    REVERTED = "reverted"
    REVERT_FAILED = "revert_failed"
    UNREACHABLE = "unreachable"
    ERROR = "error"
    UNKNOWN = "unknown"
    NOT_ATTEMPTED = "not_attempted"
    LOCKED = "locked"  # another run holds the host lock (remediate/engine/hostlock.py); nothing was written
    # Rollback only (engine/rollback.py): some values restored, others named with the reason and the value to set;
    # or none of those that needed it could be restored.
    PARTIAL = "partly_restored"
    NOT_RESTORED = "not_restored"

    @property
    def failed(self) -> bool:
        return self in {HostOutcome.REVERTED, HostOutcome.REVERT_FAILED, HostOutcome.UNREACHABLE,
                        HostOutcome.ERROR, HostOutcome.UNKNOWN, HostOutcome.UNTOUCHED}


class ChangeResult(_Model):
    description: str
    rule_id: str
    status: str
    before: Any = None
    after: Any = None
    observed: Any = None
    error: str | None = None


class HostResult(_Model):
    host: str
    outcome: HostOutcome
    message: str | None = None
    changes: list[ChangeResult] = Field(default_factory=list)


class RunResult(_Model):
    format: Literal["remediate.run"] = "remediate.run"
    version: Literal[1] = 1
    run_id: str
    kind: Literal["apply", "rollback"]
    hosts: list[HostResult] = Field(default_factory=list)
    # Why the run stopped starting hosts (--max-fail passed, the change window closed); None when it did not.
    stopped: str | None = None
    # The signal (SIGINT, SIGTERM) that stopped the run before every host had started, and those hosts (each
    # `not_attempted`). None and [] when no host was left by an interrupt.
    interrupted: str | None = None
    not_started: list[str] = Field(default_factory=list)
