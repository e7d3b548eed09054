"""The JSON report of `remediate check`: the plan document of `plan --json`, plus one `check` object.

Contract: the output is a `remediate.plan` version 1 document (docs/plan-format.md) holding the fields and values
of `Plan.model_dump_json`, with one added top-level field `check` (documented in docs/plan-format.md, "Check
results"): the verdict, the exit code, `fail_on`, summary counts and what each waiver did. A reader of plans that
ignores unknown fields reads a check report as the plan it contains.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from remediate.securefiles import write_private
from remediate.waivers import Assessment


def build_json(assessment: Assessment, exit_code: int) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(assessment.plan.model_dump_json())
    document["check"] = {
        "verdict": assessment.verdict,
        "failed": assessment.failed,
        "exit_code": int(exit_code),
        "fail_on": assessment.fail_on,
        "checked_on": assessment.today.isoformat(),
        "counts": assessment.counts(),
        "waivers": assessment.waiver_results(),
    }
    return document


def render_json(assessment: Assessment, exit_code: int) -> str:
    return json.dumps(build_json(assessment, exit_code), indent=2, ensure_ascii=False)


def write_json(assessment: Assessment, exit_code: int, path: Path) -> None:
    write_private(path, render_json(assessment, exit_code) + "\n", what="JSON report")
