"""The contract every resource kind fulfils.

A resource kind is one module in this package. It provides:

- a pydantic model of the playbook entry (`Spec`), with `kind: Literal["..."]` and `extra="forbid"`; validation
  normalises values (REG_DWORD "2" -> 2, hex to lowercase) so that the desired value has the exact form the read
  op returns;
- `identity(spec)`: a JSON-able dict naming *what* the resource is (never what it should hold). The plan file and
  the journal store only identity, before and after, so rollback works without the playbook;
- `key(identity)`: the identity as Windows compares it (case-insensitive paths), to find two rules that manage
  the same thing;
- `describe(identity)`: how an administrator would write it down;
- `read_op(identity)`: the agent op that returns the live value, in the kind's wire form;
- `desired(spec)`: the value `read_op` must return when the host is compliant;
- `set_op(identity, value)`: the agent op that makes `read_op` return `value`. Rollback is this with the
  before-value, so a kind MUST accept every value its read op can return ("absent" included);
- MAY override `write_path(identity, value, facts)` when some value its read op can return cannot be written back
  by `set_op` (a banner written past the cmdlet, a device line outside the grammar): it says so *before* a change,
  and names the other documented way to write it, or none (`WritePath`). Apply's revert and rollback write every
  value through it; `plan` marks such changes and `apply` asks for consent (`--accept-irreversible`);
- MAY override `same(observed, desired)` where Windows ignores a difference (list order, say);
- MAY set `target`, the inventory connection type whose agent runs its ops: "winrm" (the default) or "ios_ssh"
  (a Cisco IOS device). A rule runs only on hosts of its kinds' target (engine/plan.py).

A *probe* is a kind with `probe = True`: read-only, pass/fail. `desired(spec)` is what passing means (for
example `{"banner_ok": true}`), `same` decides pass, and `set_op` is never called: a failing probe is reported
(status `failed`), never applied.

Adding a kind touches its module here, the agent's handler, and the lab's handler: nothing else.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from deepdiff import DeepDiff
from pydantic import BaseModel, BeforeValidator

Spec = TypeVar("Spec", bound=BaseModel)


def _no_bool(value: Any) -> Any:
    # YAML's `yes`/`on` is a bool, and pydantic would take it as 1.
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true/false")
    return value


# An integer field of a playbook entry: a number or its decimal text, never a YAML boolean.
WholeNumber = Annotated[int, BeforeValidator(_no_bool)]


@dataclass(frozen=True)
class Op:
    """One agent operation: a name from the agent's fixed table and its arguments (data, never code)."""

    op: str
    args: dict[str, Any]

    def wire(self) -> dict[str, Any]:
        return {"op": self.op, "args": self.args}


@dataclass(frozen=True)
class WritePath:
    """How one value of a resource is written (apply's set and revert, rollback's restore).

    `irreversible` is None when the kind's normal setter (`set_op`) takes the value. Otherwise it says why not, and
    `op` is the other documented write path (`via` names it for people), or None when there is none and a person
    must set the value by hand."""

    op: Op | None
    irreversible: str | None = None
    via: str | None = None

    @property
    def how(self) -> str:
        """How rollback restores such a value, for plan and the apply prompt."""
        if self.irreversible is None:
            return "by the normal setter"
        return f"through {self.via}" if self.op is not None else "not at all: it must be set by hand"


@dataclass(frozen=True)
class FieldChange:
    """One field that differs, for people: `path` like `data` or `data[2]`."""

    path: str
    before: Any
    after: Any


class ResourceKind(ABC, Generic[Spec]):
    kind: ClassVar[str]
    spec_model: ClassVar[type[BaseModel]]
    probe: ClassVar[bool] = False
    target: ClassVar[str] = "winrm"

    @abstractmethod
    def identity(self, spec: Spec) -> dict[str, Any]: ...

    @abstractmethod
    def key(self, identity: dict[str, Any]) -> str: ...

    @abstractmethod
    def describe(self, identity: dict[str, Any]) -> str: ...

    @abstractmethod
    def read_op(self, identity: dict[str, Any]) -> Op: ...

    @abstractmethod
    def desired(self, spec: Spec) -> Any: ...

    @abstractmethod
    def set_op(self, identity: dict[str, Any], value: Any) -> Op: ...

    def write_path(self, identity: dict[str, Any], value: Any, facts: dict[str, Any] | None = None) -> WritePath:
        """How `value` is written; by default the normal setter takes every value the read op returns.
        `facts` are the host's (the agent's facts op) when known: a path may depend on the platform."""
        return WritePath(self.set_op(identity, value))

    def same(self, observed: Any, desired: Any) -> bool:
        return bool(observed == desired)

    def changes(self, observed: Any, desired: Any) -> list[FieldChange]:
        """Field-level differences, computed with deepdiff so nested values (lists, dicts) read naturally."""
        if not isinstance(observed, dict) or not isinstance(desired, dict):
            return [FieldChange("value", observed, desired)]
        if observed.keys() == desired.keys() and _flat(observed) and _flat(desired):
            return _flat_changes(observed, desired)
        return _deep_changes(observed, desired)


def _deep_changes(observed: dict[str, Any], desired: dict[str, Any]) -> list[FieldChange]:
    diff = DeepDiff(observed, desired, verbose_level=2)
    out: list[FieldChange] = []
    for section in ("values_changed", "type_changes"):
        for path, change in diff.get(section, {}).items():
            out.append(FieldChange(_short(path), change.get("old_value"), change.get("new_value")))
    for path, value in diff.get("dictionary_item_added", {}).items():
        out.append(FieldChange(_short(path), None, value))
    for path, value in diff.get("dictionary_item_removed", {}).items():
        out.append(FieldChange(_short(path), value, None))
    for section, is_added in (("iterable_item_added", True), ("iterable_item_removed", False)):
        for path, value in diff.get(section, {}).items():
            out.append(FieldChange(_short(path), None if is_added else value, value if is_added else None))
    return sorted(out, key=lambda c: c.path)


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SCALARS = (str, int, float, bool, type(None))


def _flat(value: dict[str, Any]) -> bool:
    """Plain keys and scalar values only (a registry value's {exists, type, data}, say). Not empty: DeepDiff
    reports an empty dict against a full one as one change of the whole value, which is kept."""
    return bool(value) and all(isinstance(k, str) and _PLAIN_KEY.fullmatch(k) and isinstance(v, _SCALARS)
                               for k, v in value.items())


def _flat_changes(observed: dict[str, Any], desired: dict[str, Any]) -> list[FieldChange]:
    """What the DeepDiff path gives for two flat dicts with the same keys, key by key. DeepDiff costs ~0.1 ms a
    call, which made it the largest part of a plan's CPU at 100 resources per host (bench/fleet.py). A type change
    counts as a change even between equal numbers (1 vs 1.0, True vs 1), as DeepDiff's type_changes does. Dicts
    with different keys keep the DeepDiff path (it then sometimes reports the whole value as one change)."""
    return [FieldChange(key, observed[key], desired[key]) for key in sorted(observed)
            if type(observed[key]) is not type(desired[key]) or observed[key] != desired[key]]


def _short(deepdiff_path: str) -> str:
    # "root['data'][2]" -> "data[2]"
    path = deepdiff_path.removeprefix("root")
    out = ""
    for part in path.replace("]", "").split("["):
        if not part:
            continue
        if part.startswith("'"):
            out += ("." if out else "") + part.strip("'")
        else:
            out += f"[{part}]"
    return out or "value"
