"""What `remediate diagnose` answers, as plain versioned data (format `remediate.diagnosis`, version 1).

The terminal, `--json` and `--html` all show this one value; docs/diagnose-format.md documents it and
tests/unit/test_diagnose_schema.py holds the JSON Schema (`remediate schema diagnosis`) in step with it. Any change
to the set or meaning of fields gets a new `version`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from remediate import __version__
from remediate.engine.model import ErrorInfo, SourceRef

DIAGNOSIS_FORMAT = "remediate.diagnosis"
DIAGNOSIS_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class CaseStatus(str, Enum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    NOT_APPLICABLE = "not_applicable"
    COULD_NOT_TELL = "could_not_tell"


class Verdict(str, Enum):
    """A host in one word: what the admin reads first."""

    CAUSES = "causes"  # at least one case of the write-up found
    SYMPTOMS = "symptoms"  # mail is stuck or event 4006 was logged, and no case was found
    FINDINGS = "findings"  # no case, no symptom, but rules filed under no case found something
    HEALTHY = "healthy"  # no symptom, nothing found (some cases may not have been told: see the cases)
    UNKNOWN = "unknown"  # nothing found, but the symptoms could not be read
    UNREADABLE = "unreadable"  # the host could not be read at all


class HopState(str, Enum):
    OK = "ok"
    BROKEN = "broken"
    UNKNOWN = "unknown"  # read, but the reading could not tell (an error)
    NOT_CHECKED = "not_checked"  # nothing in the playbooks or the inventory looks at this hop


class Evidence(_Model):
    """One reading that decided (or took part in) a case: a rule's item, a router's line, or an inference."""

    host: str  # where it was read: the host itself, or a router on its path
    rule_id: str | None = None  # None for an inference that ties other evidence together
    rule_title: str | None = None
    status: str  # the item's status (drift, manual, failed, compliant, not_applicable, error) or "inferred"
    resource: str  # what was read, as an administrator writes it down
    detail: str  # one line: the live value that decided, against what passing needs
    transcript: list[str] = Field(default_factory=list)  # a probe's conversation, a router's config lines
    observed: Any = None
    desired: Any = None
    remedy: Literal["auto", "manual"] | None = None
    advice: str | None = None
    source: str | None = None
    defined_at: SourceRef | None = None


class CaseResult(_Model):
    case: int = Field(ge=1, le=10)
    title: str
    status: CaseStatus
    reason: str  # one line: why this status
    evidence: list[Evidence] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)  # the rules that looked at this case on this host
    # Found only through evidence that points at these cases first (their ranking entries name this case too).
    evidence_of: list[int] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)  # the write-up's case first, then the rules' sources


class Advice(_Model):
    rule_id: str
    text: str


class RankedCause(_Model):
    rank: int = Field(ge=1)
    case: int = Field(ge=1, le=10)
    title: str
    score: int
    reasons: list[str]  # why it ranks where it does, strongest first
    also_cases: list[int] = Field(default_factory=list)  # other cases the same evidence points at
    fix: Literal["remediate", "person", "both"]
    changes: int  # values `remediate apply` would change for this cause
    rules: list[str]
    advice: list[Advice] = Field(default_factory=list)  # what a person does (manual rules)


class QueueState(_Model):
    identity: str
    status: str
    message_count: int | None = None
    next_hop: str | None = None
    last_error: str | None = None
    stuck: bool


class EventSymptom(_Model):
    count: int | None = None
    newest: str | None = None
    window_minutes: int
    rule_id: str


class Symptoms(_Model):
    state: Literal["present", "absent", "unknown", "not_applicable"]
    summary: str
    event_4006: EventSymptom | None = None
    queues: list[QueueState] = Field(default_factory=list)  # stuck queues first
    queues_unavailable: str | None = None
    errors: list[str] = Field(default_factory=list)

    @property
    def stuck(self) -> list[QueueState]:
        return [q for q in self.queues if q.stuck]


class Hop(_Model):
    """One hop of the mail path as the catalog knows it, for the picture in the HTML report."""

    id: Literal["smtp_service", "host_firewall", "router", "next_hop"]
    label: str
    name: str
    state: HopState
    cases: list[int] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)


class HostDiagnosis(_Model):
    host: str
    endpoint: str
    role: Literal["exchange", "windows", "network_device"]
    verdict: Verdict
    headline: str
    facts: dict[str, Any] = Field(default_factory=dict)
    error: ErrorInfo | None = None
    symptoms: Symptoms
    cases: list[CaseResult] = Field(default_factory=list)  # the ten, in the write-up's order
    causes: list[RankedCause] = Field(default_factory=list)  # most likely first
    apply_changes: int = 0  # values `remediate apply` would change on this host
    next_checks: list[str] = Field(default_factory=list)
    other_findings: list[Evidence] = Field(default_factory=list)  # findings of rules filed under no case
    path: list[Hop] = Field(default_factory=list)
    on_path_of: list[str] = Field(default_factory=list)  # a router: the hosts whose mail path it is on


class Summary(_Model):
    hosts: int
    causes: int
    symptoms: int
    findings: int
    healthy: int
    unknown: int
    unreadable: int


class Diagnosis(_Model):
    format: Literal["remediate.diagnosis"] = DIAGNOSIS_FORMAT
    version: Literal[1] = DIAGNOSIS_VERSION
    tool_version: str = __version__
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    inventory: str
    playbooks: list[str]
    summary: Summary
    hosts: list[HostDiagnosis] = Field(default_factory=list)
