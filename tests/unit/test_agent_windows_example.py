"""examples/ci/agent-windows.yml and tests/agent/selftest.ps1 (issue 18, item 7): neither can run here (no
PowerShell), so this checks what can be checked: the workflow parses, runs the self-test under both shells on
windows-latest with files that exist, and the self-test script parses with no ERROR node."""

from __future__ import annotations

import re
from pathlib import Path

import tree_sitter as ts
import tree_sitter_powershell as tsp
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "examples" / "ci" / "agent-windows.yml"
SELFTEST = ROOT / "tests" / "agent" / "selftest.ps1"


def test_workflow_parses_and_references_files_that_exist() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert text.startswith("#") and "cannot run" in text.split("name:")[0]  # the header says why
    workflow = YAML(typ="safe").load(text)
    job = workflow["jobs"]["selftest"]
    assert job["runs-on"] == "windows-latest"
    assert job["strategy"]["matrix"]["shell"] == ["powershell", "pwsh"]
    commands = "\n".join(step.get("run", "") for step in job["steps"])
    for path in re.findall(r"-File (\S+)", commands):
        assert (ROOT / path).is_file(), path
    assert "render_script" in commands and "-AgentPath agent.ps1" in commands


def test_selftest_parses_without_errors() -> None:
    source = SELFTEST.read_bytes()
    tree = ts.Parser(ts.Language(tsp.language())).parse(source)
    stack, problems = [tree.root_node], []
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.type == "ERROR" or node.is_missing:
            problems.append(f"line {node.start_point[0] + 1}: {node.type}")
    assert problems == []


def test_selftest_sends_only_read_ops() -> None:
    ops = set(re.findall(r'"op":"([a-z0-9_.]+)"', SELFTEST.read_text(encoding="utf-8")))
    assert ops == {"facts", "registry.get", "service.get", "selftest.nothing"}
    assert '"mode":"read"' in SELFTEST.read_text(encoding="utf-8")
