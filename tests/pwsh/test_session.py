"""The Session's hooks for the lab and the host's .NET Framework: what the script tests cannot show."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from remediate.lab.pwsh.labhost import make_machine
from remediate.lab.pwsh.session import Session
from remediate.lab.windows import clr


def test_on_function_call_sees_bound_arguments_and_its_exception_is_catchable() -> None:
    session = Session(make_machine("win2003-ex2003"))
    calls = []

    def hook(name: str, args: list) -> None:
        calls.append((name, args))
        if name == "Fail-Here":
            raise clr.UnauthorizedAccessException("injected")

    session.on_function_call = hook
    script = "\n".join([
        "function Add-One",
        "{",
        "    param($Value)",
        "    $Value + 1",
        "}",
        "function Fail-Here",
        "{",
        "    'body ran'",
        "}",
        "Add-One 41",
        "try",
        "{",
        "    Fail-Here",
        "}",
        "catch [System.UnauthorizedAccessException]",
        "{",
        "    'caught ' + $_.Exception.Message",
        "}",
    ])
    result = session.run_script(script)
    assert result.output == [42, "caught injected"]
    assert calls == [("Add-One", [41]), ("Fail-Here", [])]


@pytest.fixture
def newer_type() -> Iterator[type]:
    class Newer(clr.DotNetObject):
        TYPE_NAME = "Lab.Tests.NewerType"
        SINCE = "3.5"

        @clr.static
        def Make(rt: object) -> str:  # noqa: N802,N805
            return "made"

    class Older(clr.DotNetObject):
        TYPE_NAME = "Lab.Tests.OlderType"

        @clr.since("4.0")
        @clr.static
        def Fresh(rt: object) -> str:  # noqa: N802,N805
            return "fresh"

    clr.register(Newer)
    clr.register(Older)
    yield Newer
    del clr.TYPES["lab.tests.newertype"], clr.TYPES["lab.tests.oldertype"]


def test_types_and_members_follow_the_hosts_framework(newer_type: type) -> None:
    script = "\n".join([
        "try",
        "{",
        "    [Lab.Tests.NewerType]::Make()",
        "}",
        "catch",
        "{",
        "    $_.FullyQualifiedErrorId",
        "}",
        "try",
        "{",
        "    [Lab.Tests.OlderType]::Fresh()",
        "}",
        "catch",
        "{",
        "    $_.FullyQualifiedErrorId",
        "}",
    ])
    assert Session(make_machine("win2003-ex2003")).run_script(script).output == ["TypeNotFound", "MethodNotFound"]
    assert Session(make_machine("win2019-ex2019")).run_script(script).output == ["made", "fresh"]
