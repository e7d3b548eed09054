"""The plan and its results as plain, versioned data.

A `Plan` is what `plan` prints, what `plan -o FILE` and `plan --json` write (format `remediate.plan`, version 2;
see docs/plan-format.md), and what `apply FILE` executes. It holds, per host, every resource's observed value,
desired value and the change, with rule and source. It holds no secrets: connection details are the inventory's.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticUndefined, core_schema

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


class Record:
    """A compact, slotted stand-in for a pydantic model, for the objects a plan holds by the hundred thousand.

    Why: a pydantic instance carries a __dict__ and a fields-set per object; a plan of 1000 hosts x 100 resources
    held ~2.2 KB per item and peaked at 470 MB (docs/performance.md, issue 17). A record holds the same fields in
    slots. The model stays the schema at the edges: validating a plan file (`Plan.model_validate`) builds records
    from the validated model, and dumping one (`model_dump`, `model_dump_json`) goes through the model, so the
    saved plan's format and its validation are the model's. Code inside the runner builds records directly and
    unvalidated, as it already built its own models from trusted values.
    """

    __slots__ = ()
    _model: ClassVar[type[BaseModel]]
    _defaults: ClassVar[dict[str, Any]]
    _factories: ClassVar[dict[str, Any]]

    def __init_subclass__(cls, model: type[BaseModel] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if model is None:
            return
        assert tuple(model.model_fields) == cls.__slots__, f"{cls.__name__}'s slots must be {model.__name__}'s fields"
        cls._model = model
        cls._defaults = {n: f.default for n, f in model.model_fields.items() if f.default is not PydanticUndefined}
        cls._factories = {n: f.default_factory for n, f in model.model_fields.items() if f.default_factory}

    def __init__(self, **values: Any) -> None:
        for name in self.__slots__:
            if name in values:
                value = values.pop(name)
            elif name in self._factories:
                value = self._factories[name]()
            elif name in self._defaults:
                value = self._defaults[name]
            else:
                raise TypeError(f"{type(self).__name__}: missing field {name!r}")
            object.__setattr__(self, name, value)
        if values:
            raise TypeError(f"{type(self).__name__}: unexpected field(s) {', '.join(sorted(values))}")

    def to_model(self) -> BaseModel:
        return self._model.model_construct(**{name: getattr(self, name) for name in self.__slots__})

    @classmethod
    def _from_model(cls, model: BaseModel) -> Record:
        record = cls.__new__(cls)
        for name in cls.__slots__:
            object.__setattr__(record, name, getattr(model, name))
        return record

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        return self.to_model().model_dump(**kwargs)

    def model_dump_json(self, **kwargs: Any) -> str:
        return self.to_model().model_dump_json(**kwargs)

    def model_copy(self, update: dict[str, Any] | None = None) -> Record:
        values = {name: getattr(self, name) for name in self.__slots__}
        return type(self)(**{**values, **(update or {})})

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the models were

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self.__slots__)})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        """Inside a model: a record is taken as it is; anything else is validated by the model, then made a record;
        serialised through the model."""
        schema = handler(cls._model)

        def validate(value: Any, inner: Any) -> Any:
            return value if isinstance(value, cls) else cls._from_model(inner(value))

        return core_schema.no_info_wrap_validator_function(
            validate, schema, serialization=core_schema.wrap_serializer_function_ser_schema(
                lambda value, nxt: nxt(value.to_model() if isinstance(value, Record) else value), schema=schema))


class FieldDiff(_Model):  # the schema; renamed FieldDiffModel below, FieldDiff is its record
    path: str
    before: Any = None
    after: Any = None


FieldDiffModel = FieldDiff


class FieldDiff(Record, model=FieldDiffModel):  # type: ignore[no-redef]
    __slots__ = ("path", "before", "after")


class SourceRef(_Model):  # the schema; renamed SourceRefModel below, SourceRef is its record
    file: str
    line: int | None = None


SourceRefModel = SourceRef


class SourceRef(Record, model=SourceRefModel):  # type: ignore[no-redef]
    """Shared by every host's item of the same resource (engine/plan.py `source_ref`): treat as read-only."""

    __slots__ = ("file", "line")


class Irreversible(_Model):
    """A change whose before-value the kind's normal setter cannot write back (ResourceKind.write_path)."""

    reason: str  # why not, e.g. "the banner is not accepted by Set-ReceiveConnector ..."
    restore: str  # how rollback will restore it: "through <the other path>", or "not at all: ... by hand"


class PlanItem(_Model):  # the schema; renamed PlanItemModel below, PlanItem is its record
    """One resource of one rule on one host: the schema of a plan file's item (`PlanItem` is its record)."""

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


PlanItemModel = PlanItem


class PlanItem(Record, model=PlanItemModel):  # type: ignore[no-redef]
    """One resource of one rule on one host (fields: `PlanItemModel`)."""

    __slots__ = tuple(PlanItemModel.model_fields)

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


class ChangeResult(_Model):  # the schema; renamed ChangeResultModel below, ChangeResult is its record
    description: str
    rule_id: str
    status: str
    before: Any = None
    after: Any = None
    observed: Any = None
    error: str | None = None


ChangeResultModel = ChangeResult


class ChangeResult(Record, model=ChangeResultModel):  # type: ignore[no-redef]
    __slots__ = tuple(ChangeResultModel.model_fields)


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
