"""The agent's op table is its `#op` declarations, and the agent runs no code that comes from a request. Grep-level
checks on the rendered script; its grammar is checked in test_agent_script_parses.py and its protocol semantics
(run by the lab's interpreter) in test_agent_protocol.py."""

from __future__ import annotations

import re

import pytest

from remediate import agent
from remediate.assets import asset_dir

SCRIPT = agent.render_script()
# The script without its comment lines (it has no trailing comments): comments may name what the code avoids.
CODE = "\n".join(line for line in SCRIPT.splitlines() if not line.lstrip().startswith("#"))


def script_ops() -> set[str]:
    """The op names of the table in Invoke-AgentOp: the labels of its one `switch` before `default`."""
    start = SCRIPT.index("switch -CaseSensitive -Exact ($name)")
    body = SCRIPT[start : SCRIPT.index("default {", start)]
    return set(re.findall(r"^\s*'([^']+)' \{\s*$", body, re.MULTILINE))


def test_op_table_is_the_op_declarations() -> None:
    # The lab watches ops by the same declarations (remediate.lab.host), so the op log sees every op the table has.
    assert script_ops() == {op.name for op in agent.agent_ops()}
    assert len(script_ops()) >= 4


def test_only_one_op_table() -> None:
    # A second dispatch point would be an op the contract test cannot see.
    assert SCRIPT.count("switch ") == 1


@pytest.mark.parametrize(
    "pattern",
    [
        r"invoke-expression",
        r"\biex\b",
        r"scriptblock\]::create",
        r"\[scriptblock\]",
        r"add-type",
        r"&\s*\$",  # call operator on a variable: would run whatever the variable names
        r"\.invoke\(",
        r"invoke-command",
        r"start-process",
        r"new-module",
        r"\$executioncontext",
        r"\.invokecommand",
    ],
)
def test_script_evaluates_no_request_data(pattern: str) -> None:
    assert not re.search(pattern, CODE, re.IGNORECASE), pattern


def test_script_renders_only_constants() -> None:
    source = (asset_dir("templates") / "agent.ps1.j2").read_text(encoding="utf-8")
    placeholders = set(re.findall(r"\{\{\s*([\w.]+)\s*\}\}", source))
    # Constants of remediate.agent, the shipped op fragments (inserted as text, never rendered themselves) and
    # the op table's names, which `#op` lines restrict to [a-z0-9_.] and Verb-Noun; the shipped fragments' file
    # names (a comment line saying which fragments an assembly holds: remediate/agent.py is_genuine_script).
    assert placeholders == {"protocol_version", "begin_marker", "end_marker", "fragment", "op.name", "op.function",
                            "fragment_names"}
    statements = re.findall(r"\{%.*?%\}", source)
    assert statements == ["{% for fragment in fragments %}", "{% endfor %}", "{% for op in ops %}", "{% endfor %}"]
    # No Jinja comment syntax: PowerShell text such as "{#" would silently vanish from the script.
    assert not re.search(r"\{#", source)
    assert SCRIPT.isascii()
    assert agent.BEGIN_MARKER in SCRIPT and agent.END_MARKER in SCRIPT


def test_request_reaches_the_script_as_its_only_argument() -> None:
    assert re.match(r"(?:#[^\n]*\n)*param\(\[string\]\$RequestB64\)\n", SCRIPT)
    assert "$RequestB64" in SCRIPT.split("param(", 1)[1].split("\n", 1)[1]
    assert "& $agent $request" in agent.BOOTSTRAP


def test_answer_framing_matches_format_answer() -> None:
    # The script writes BEGIN, CRLF, body, CRLF, END, CRLF: the bytes remediate.agent.format_answer produces.
    line = next(line for line in SCRIPT.splitlines() if "[Console]::Out.Write(" in line)
    assert line.strip() == (f"[Console]::Out.Write('{agent.BEGIN_MARKER}' + \"`r`n\" + $body + \"`r`n\" + "
                            f"'{agent.END_MARKER}' + \"`r`n\")")
    framed = f"{agent.BEGIN_MARKER}\r\n{{\"version\":1}}\r\n{agent.END_MARKER}\r\n"
    assert agent.format_answer({"version": 1}) == framed.encode()


@pytest.mark.parametrize("construct", [
    r"ConvertFrom-Json", r"ConvertTo-Json", r"\[ordered\]", r"\s-in\s", r"\s-notin\s", r"\.ForEach\(",
    r"::new\(", r"^\s*class\s", r"Get-CimInstance(?!\s+-ClassName Win32_OperatingSystem)", r"\$PSItem",
    r"System\.Web\.Extensions",
])
def test_no_powershell_3_constructs(construct: str) -> None:
    # PowerShell 2.0 (Windows Server 2003) lacks these. Get-CimInstance appears once, as PowerShell 7's fallback.
    assert not re.search(construct, CODE, re.MULTILINE | re.IGNORECASE), construct
