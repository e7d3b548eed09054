"""`remediate diagnose --json` has a documented, versioned format: docs/diagnose-format.md describes it and
docs/diagnose.schema.json (JSON Schema 2020-12, generated from remediate/diagnose/model.py by `remediate schema
diagnosis`) holds it. The file must stay what the model generates, documents must validate and wrong ones must not.
The real output of a lab run is validated in tests/e2e/test_diagnose.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from remediate.diagnose.cases import CASES
from remediate.diagnose.model import Diagnosis
from remediate.schema import SCHEMAS

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO / "docs" / "diagnose.schema.json"
DOC = REPO / "docs" / "diagnose-format.md"


def example() -> dict:
    """The example of docs/diagnose-format.md: the first ```json block."""
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)\n```", text, re.DOTALL)
    assert block, "docs/diagnose-format.md has no ```json example"
    return json.loads(block.group(1))


def test_the_committed_schema_is_what_the_model_generates() -> None:
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == SCHEMAS["diagnosis"](), (
        "docs/diagnose.schema.json is out of step: remediate schema diagnosis > docs/diagnose.schema.json")


def test_the_documented_example_validates_and_is_a_diagnosis() -> None:
    doc = example()
    jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))).validate(doc)
    parsed = Diagnosis.model_validate(doc)
    assert parsed.format == "remediate.diagnosis" and parsed.version == 1


@pytest.mark.parametrize("break_it, where", [
    (lambda d: d.update(version=2), "version"),
    (lambda d: d.update(format="remediate.plan"), "format"),
    (lambda d: d["hosts"][0].update(verdict="fine"), "verdict"),
    (lambda d: d["hosts"][0]["cases"][0].update(status="maybe"), "status"),
    (lambda d: d["hosts"][0]["cases"][0].update(case=11), "case"),
    (lambda d: d["hosts"][0].update(surprise=True), "surprise"),
    (lambda d: d.pop("summary"), "summary"),
])
def test_a_wrong_document_is_refused(break_it, where: str) -> None:  # type: ignore[no-untyped-def]
    doc = example()
    break_it(doc)
    with pytest.raises(jsonschema.ValidationError) as caught:
        jsonschema.Draft202012Validator(SCHEMAS["diagnosis"]()).validate(doc)
    assert where in str(caught.value)


def test_the_document_names_every_case_of_the_write_up() -> None:
    text = DOC.read_text(encoding="utf-8")
    for case in CASES:
        assert f"| {case.number} | {case.title} |" in text, case.title
