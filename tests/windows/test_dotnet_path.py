"""System.IO.Path as .NET Framework documents it."""

from __future__ import annotations

from typing import Any

import pytest
from dotnet_helpers import raises, runtime

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_path import Path

RT2, RT4 = runtime("2.0"), runtime("4.7.2")

CASES: list[tuple[str, tuple[Any, ...], Any]] = [
    ("Combine", ("C:\\WINDOWS\\system32", "inetsrv"), "C:\\WINDOWS\\system32\\inetsrv"),
    ("Combine", ("C:\\ProgramData\\", "remediate"), "C:\\ProgramData\\remediate"),
    ("Combine", ("C:", "x"), "C:x"),
    ("Combine", ("C:\\a", "\\b"), "\\b"),
    ("Combine", ("C:\\a", "D:\\b"), "D:\\b"),
    ("Combine", ("", "b"), "b"),
    ("Combine", ("a", ""), "a"),
    ("Combine", ("C:\\Program Files\\Exchsrvr", "bin\\store.exe"), "C:\\Program Files\\Exchsrvr\\bin\\store.exe"),
    ("GetFileName", ("C:\\x\\History\\MetaBase_1_2.xml",), "MetaBase_1_2.xml"),
    ("GetFileName", ("C:\\x\\",), ""),
    ("GetFileName", (None,), None),
    ("GetDirectoryName", ("C:\\ProgramData\\remediate\\apply.lock",), "C:\\ProgramData\\remediate"),
    ("GetDirectoryName", ("C:\\a",), "C:\\"),
    ("GetDirectoryName", ("C:\\",), None),
    ("GetDirectoryName", ("C:/a//b",), "C:\\a"),
    ("GetDirectoryName", ("a",), ""),
    ("GetDirectoryName", ("\\\\server\\share\\file",), "\\\\server\\share"),
    ("GetDirectoryName", ("\\\\server\\share",), None),
    ("GetDirectoryName", (None,), None),
    ("GetExtension", ("a.b.xml",), ".xml"),
    ("GetExtension", ("a",), ""),
    ("GetFileNameWithoutExtension", ("C:\\a\\b.xml",), "b"),
    ("IsPathRooted", ("\\a",), True),
    ("IsPathRooted", ("a\\b",), False),
    ("GetPathRoot", ("C:\\a\\b",), "C:\\"),
]


@pytest.mark.parametrize("member, args, expected", CASES)
def test_path(member: str, args: tuple[Any, ...], expected: Any) -> None:
    assert getattr(Path, member)(RT2, *args) == expected


def test_errors() -> None:
    raises(clr.ArgumentException, "Illegal characters in path.", lambda: Path.Combine(RT2, "a|b", "c"))
    raises(clr.ArgumentNullException, "Value cannot be null.\r\nParameter name: path2",
           lambda: Path.Combine(RT2, "a", None))
    raises(clr.ArgumentException, "The path is not of a legal form.", lambda: Path.GetDirectoryName(RT2, ""))


def test_combine_of_three_is_net_4() -> None:
    assert Path.Combine(RT4, "a", "b", "c") == "a\\b\\c"
    with pytest.raises(TypeError):  # the interpreter's "Cannot find an overload" on .NET 2.0
        Path.Combine(RT2, "a", "b", "c")
