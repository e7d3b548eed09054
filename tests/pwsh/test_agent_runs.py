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
