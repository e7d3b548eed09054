"""The real agent under the interpreter: the bootstrap (remediate.agent.BOOTSTRAP) reads the packed request and
agent from `$input`, as powershell.exe would from stdin, and the agent answers a read request on a lab host of each
platform, under Set-StrictMode -Version 2, without any construct the interpreter refuses."""

from __future__ import annotations

import json

import pytest

from remediate import agent
from remediate.lab.pwsh.labhost import make_machine
from remediate.lab.pwsh.session import Session, refused_constructs

BEGIN, END = "<<<REMEDIATE-BEGIN>>>", "<<<REMEDIATE-END>>>"


def run_request(platform: str, request: dict) -> tuple[dict, str]:
    lines = agent.build_stdin(request).decode("ascii").splitlines()
    session = Session(make_machine(platform), strict=2)
    result = session.run_script(agent.BOOTSTRAP, input_lines=lines, file="bootstrap")
    assert result.exit_code == 0, result.stderr
    body = result.stdout.split(BEGIN + "\r\n", 1)[1].split("\r\n" + END, 1)[0]
    return json.loads(body), result.stderr


def test_the_agent_uses_only_implemented_constructs() -> None:
    assert [str(e) for e in refused_constructs(agent.render_script(), "<ScriptBlock>")] == []


@pytest.mark.parametrize("platform", ["win2003-ex2003", "win2019-ex2019"])
def test_facts(platform: str) -> None:
    answer, _ = run_request(platform, {"version": 1, "mode": "read", "ops": [{"op": "facts", "args": {}}]})
    assert answer["results"][0]["ok"] is True, answer
    assert answer["results"][0]["value"]["hostname"] == "LAB-HOST"


def _agent_type_names() -> set[str]:
    """Every `[T]` literal and `New-Object T` of the rendered agent."""
    from remediate.lab.pwsh.names import type_spec_text
    from remediate.lab.pwsh.parse import parse
    names: set[str] = set()
    stack = [parse(agent.render_script()).root_node]
    while stack:
        node = stack.pop()
        if node.type == "type_literal":
            names.add(type_spec_text(node))
        elif node.type == "command" and node.child_by_field_name("command_name") is not None and \
                node.child_by_field_name("command_name").text.decode().casefold() == "new-object":
            elements = node.child_by_field_name("command_elements")
            children = elements.children if elements is not None else []
            com = any(c.type == "command_parameter" and c.text.decode().casefold() == "-comobject" for c in children)
            tokens = [c for c in children if c.type == "generic_token"]
            if tokens and not com:
                names.add(tokens[0].text.decode())
        stack.extend(node.children)
    return names


def test_every_type_the_agent_names_is_simulated() -> None:
    """A type the lab does not simulate would read as 'Unable to find type' at run time, which the agent reports
    as an op failure: indistinguishable from a typo. Every name must resolve on the newest platform."""
    from remediate.lab.pwsh import typenames
    from remediate.lab.pwsh.windows_loader import load_all
    from remediate.lab.windows.psexceptions import RuntimeException
    load_all()
    missing = []
    for name in sorted(_agent_type_names()):
        try:
            typenames.resolve(name, ps_version=5)
        except RuntimeException:
            missing.append(name)
    assert missing == []


SELFTEST_OPS = [  # the read ops of tests/agent/selftest.ps1 (what CI checks on real Windows), on lab hosts
    {"id": "facts", "op": "facts", "args": {}},
    {"id": "dword", "op": "registry.get",
     "args": {"hive": "HKLM", "key": "SYSTEM\\CurrentControlSet\\Services\\EventLog", "name": "Start"}},
    {"id": "novalue", "op": "registry.get",
     "args": {"hive": "HKLM", "key": "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", "name": "absent"}},
    {"id": "svc", "op": "service.get", "args": {"name": "EventLog", "fields": ["state", "start_mode"]}},
    {"id": "nosvc", "op": "service.get", "args": {"name": "remediate-selftest-absent", "fields": ["state"]}},
    {"id": "badarg", "op": "registry.get", "args": {"hive": "HKXX", "key": "x", "name": "y"}},
    {"id": "unknown", "op": "selftest.nothing", "args": {}},
]


@pytest.mark.parametrize("platform", ["win2003-ex2003", "win2019-ex2019"])
def test_selftest_reads(platform: str) -> None:
    answer, _ = run_request(platform, {"version": 1, "mode": "read", "ops": SELFTEST_OPS})
    results = {r["id"]: r for r in answer["results"]}
    # The lab's default hosts hold neither that key nor that service: the answers' shape is what is checked.
    assert results["facts"]["ok"] and results["facts"]["value"]["hostname"] == "LAB-HOST"
    for name in ("dword", "novalue", "svc", "nosvc"):
        assert results[name]["ok"] is True and results[name]["value"] == {"exists": False}, results[name]
    assert results["badarg"]["error"] == {"type": "InvalidArgument", "message": "unknown hive 'HKXX'"}
    assert results["unknown"]["error"]["type"] == "UnknownOp"
