"""docs/agent-compatibility.md (issue 18, item 6): in step with its generator, every cmdlet/type/member/feature of
the agent in the curated catalog, and nothing newer than PowerShell 2.0 / .NET 2.0 on a path that runs on Windows
Server 2003."""

from __future__ import annotations

from pathlib import Path

import pytest

from remediate.agent import render_script
from remediate.lab.compat.render import render
from remediate.lab.compat.report import REVIEW, Row, rows, uncatalogued, violations
from remediate.lab.compat.walk import Walk

DOC = Path(__file__).resolve().parents[2] / "docs" / "agent-compatibility.md"
W2003 = "win2003-ex2003"
# Findings reported to the lead and not yet fixed in the agent, as (kind, name). Empty: the agent has none today.
KNOWN_2003: set[tuple[str, str]] = set()
# `.Count` receivers the walk cannot prove collections, checked by hand, as (function, receiver): each is one.
# Get-SmtpClassification's $Ehlo is Invoke-SmtpProbe's ArrayList; Set-ExchangeReceiveConnectorAdBanner's $values
# is a PropertyValueCollection (DirectoryEntry.psbase.Properties[...]).
REVIEWED = {("get-smtpclassification", "$Ehlo.Count"), ("set-exchangereceiveconnectoradbanner", "$values.Count")}


@pytest.fixture(scope="module")
def agent() -> tuple[Walk, list[Row]]:
    walk = Walk(render_script())
    return walk, rows(walk)


def test_doc_is_in_step_with_the_generator() -> None:
    assert DOC.read_text(encoding="utf-8") == render(render_script()), \
        "regenerate: python -m remediate.lab.compat > docs/agent-compatibility.md"


def test_every_thing_the_agent_uses_is_in_the_catalog(agent: tuple[Walk, list[Row]]) -> None:
    assert [(r.kind, r.name) for r in uncatalogued(agent[1])] == []


def test_nothing_newer_than_powershell_2_on_a_2003_path(agent: tuple[Walk, list[Row]]) -> None:
    assert {(r.kind, r.name) for r in violations(agent[1], W2003)} == KNOWN_2003


def test_count_receivers_are_reviewed(agent: tuple[Walk, list[Row]]) -> None:
    lines = render_script().splitlines()
    found = set()
    for use in agent[0].uses:
        if use.name == REVIEW:
            words = lines[use.line - 1].replace("(", " ").split()
            found.add((use.function, next(w for w in words if w.endswith(".Count"))))
    assert found == REVIEWED


def test_the_walk_follows_the_platform_guards(agent: tuple[Walk, list[Row]]) -> None:
    by_name = {(r.kind, r.name): r for r in agent[1]}
    assert by_name[("cmdlet", "Get-MpPreference")].reached == {"win2019-ex2019"}  # Get-Command guard
    assert by_name[("cmdlet", "Get-NetFirewallRule")].reached == {"win2012r2-ex2013", "win2019-ex2019"}
    assert W2003 not in by_name[("cmdlet", "Get-SendConnector")].reached  # no snap-in: Initialize-... throws
    assert by_name[("cmdlet", "Get-EventLog")].reached == {W2003}  # OSVersion.Major -ge 6 else branch
    assert W2003 not in by_name[("cmdlet", "Get-WinEvent")].reached


# The checks on small scripts: they must see a 3.0 construct on a 2.0 path, and let a guarded one through.
@pytest.mark.parametrize(("script", "expected"), [
    ("$x = 1 -in @(1, 2)", {("feature", "operator -in")}),
    ("$h = [ordered]@{ a = 1 }", {("feature", "[ordered]")}),
    ("$s = [System.Text.StringBuilder]::new()", {("feature", "::new()")}),
    ("$n = 1 -shl 2", {("feature", "operator -shl")}),
    ("$x = Get-CimInstance -ClassName Win32_OperatingSystem", {("cmdlet", "Get-CimInstance")}),
    ("$t = New-Object System.Security.Cryptography.SHA256CryptoServiceProvider",
     {("type", "System.Security.Cryptography.SHA256CryptoServiceProvider")}),
    ("if ($PSVersionTable.PSVersion.Major -ge 3)\n{\n    $x = 1 -in @(1)\n}", set()),
    ("if ([System.Environment]::OSVersion.Version.Major -lt 6)\n{\n    throw 'old'\n}\n$x = 1 -in @(1)", set()),
    ("function F\n{\n    if (-not (Get-Command Get-NetFirewallRule -ErrorAction SilentlyContinue))\n    {\n"
     "        throw 'no'\n    }\n    $x = 1 -in @(1)\n}\nF", set()),
])
def test_the_2003_check_catches_and_lets_guards_through(script: str, expected: set[tuple[str, str]]) -> None:
    found = {(r.kind, r.name) for r in violations(rows(Walk(script)), W2003)}
    assert {f for f in found if f[0] != "parameter"} == expected


def test_an_uncatalogued_cmdlet_fails() -> None:
    assert ("cmdlet", "Get-Foo") in {(r.kind, r.name) for r in uncatalogued(rows(Walk("Get-Foo -Bar 1")))}
