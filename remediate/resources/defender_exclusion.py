"""`defender_exclusion`: one entry of Microsoft Defender Antivirus's exclusion lists.

MUST give: `type` (`path`: a folder or file in ExclusionPath; `process`: an image name or path in
ExclusionProcess) and `value`. MAY give `state` (`present`, the default, or `absent`).

Read with `Get-MpPreference` (ExclusionPath / ExclusionProcess), changed with `Add-MpPreference` and
`Remove-MpPreference` with exactly one entry (templates/agent/defender.ps1). The wire value is `{"exists": bool}`:
whether an entry equal to `value` is in the list.

Comparison, as Windows resolves paths: case-insensitive (`wintext.fold`) and, for both types, on the normalised
spelling of `wintext.normalize_path` (a trailing backslash is dropped except on a drive root, doubled backslashes
collapse). The value is stored in that spelling, so the entry a run adds is exactly `value` as normalised. Removing
an entry removes every spelling of it in the list (`C:\\Foo` and `C:\\foo\\` are one folder to Windows), so that the
entry reads as absent afterwards. Rollback of an add is a remove of what the run added (its before-value was
`{"exists": false}`); rollback of a remove adds the entry back in the normalised spelling.

Refused by validation: empty values, control characters (line breaks), and `"`, `<`, `>`, `|`, which no Windows
path or file name can hold. Every other character (quotes, `$`, backticks, `;`, non-ASCII) is data and reaches
Defender verbatim. Defender's own wildcards (`*`, `?`) and environment variables (`%SystemRoot%`) are kept as
written and compared literally.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from remediate.resources.base import Op, ResourceKind
from remediate.resources.wintext import INVALID_PATH_CHARS, fold, normalize_path

# Windows' longest path (\\?\ form); Defender stores what it is given.
MAX_VALUE = 32767


class DefenderExclusionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["defender_exclusion"]
    type: Literal["path", "process"]
    value: str = Field(min_length=1, max_length=MAX_VALUE)
    state: Literal["present", "absent"] = "present"

    @field_validator("value")
    @classmethod
    def _value(cls, value: str, info: ValidationInfo) -> str:
        bad = INVALID_PATH_CHARS.search(value)
        if bad:
            raise ValueError(f"an exclusion must not contain {bad.group()!r}: no Windows path or file name can hold "
                             "control characters or \" < > |")
        normal = normalize_path(value)
        if not normal.strip("\\").strip():
            raise ValueError("an exclusion needs a folder, file or process name, not only separators or spaces")
        if info.data.get("type") == "process" and value.endswith("\\"):
            raise ValueError("a process exclusion names an image (EdgeTransport.exe or its full path), not a folder")
        return normal


class DefenderExclusion(ResourceKind[DefenderExclusionSpec]):
    kind: ClassVar[str] = "defender_exclusion"
    spec_model: ClassVar[type[BaseModel]] = DefenderExclusionSpec

    def identity(self, spec: DefenderExclusionSpec) -> dict[str, Any]:
        return {"type": spec.type, "value": spec.value}

    def key(self, identity: dict[str, Any]) -> str:
        return f"{identity['type']}:{fold(identity['value'])}"

    def describe(self, identity: dict[str, Any]) -> str:
        return f"Defender {identity['type']} exclusion {identity['value']}"

    def read_op(self, identity: dict[str, Any]) -> Op:
        return Op("defender.get", dict(identity))

    def desired(self, spec: DefenderExclusionSpec) -> Any:
        return {"exists": spec.state == "present"}

    def set_op(self, identity: dict[str, Any], value: Any) -> Op:
        return Op("defender.add" if value.get("exists") else "defender.remove", dict(identity))
