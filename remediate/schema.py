"""JSON Schemas of the files users write, for editors (YAML language servers) and CI linters, and of what
`remediate diagnose --json` prints.

Generated from the same pydantic models that validate the files, so they cannot drift from what `remediate`
accepts. Templated values (`'{{ var }}'`) are strings in YAML, so fields that may hold one also accept a string.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from remediate.inventory import InventorySpec
from remediate.playbook import Rule


class PlaybookSchema(BaseModel):
    """A playbook file: rules, and other playbooks to include."""

    model_config = ConfigDict(extra="forbid", title="remediate playbook")
    version: Literal[1] = 1
    include: list[str] = Field(default_factory=list, description="Other playbook files, relative to this one.")
    rules: list[Rule] = Field(default_factory=list)


def _allow_templates(node: Any) -> Any:
    """Every typed leaf may also be a Jinja2 string such as '{{ smart_host }}'."""
    if isinstance(node, dict):
        out = {k: _allow_templates(v) for k, v in node.items()}
        kind = out.get("type")
        # An enum too: `type: '{{ tnef_store_driver_type }}'` names a REG_ type through a variable.
        if (kind in ("integer", "number", "boolean", "array") or "enum" in out) and "anyOf" not in out:
            return {"anyOf": [out, {"type": "string", "pattern": r"\{\{.*\}\}"}]}
        return out
    if isinstance(node, list):
        return [_allow_templates(v) for v in node]
    return node


def playbook_schema() -> dict[str, Any]:
    schema = _allow_templates(PlaybookSchema.model_json_schema())
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def inventory_schema() -> dict[str, Any]:
    schema = InventorySpec.model_json_schema()
    schema["title"] = "remediate inventory"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def diagnosis_schema() -> dict[str, Any]:
    """What `remediate diagnose --json` prints (docs/diagnose-format.md), for readers that validate it."""
    from remediate.diagnose.model import Diagnosis  # the diagnose package is not needed to load playbooks

    schema = Diagnosis.model_json_schema(mode="serialization")
    schema["title"] = "remediate diagnosis (format remediate.diagnosis, version 1)"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


SCHEMAS = {"playbook": playbook_schema, "inventory": inventory_schema, "diagnosis": diagnosis_schema}
