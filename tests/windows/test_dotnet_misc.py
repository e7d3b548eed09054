"""Environment, Version, Math, Enum and Thread.Sleep as .NET documents them."""

from __future__ import annotations

import decimal
from types import SimpleNamespace
from typing import Any

import pytest
from dotnet_helpers import raises, runtime

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_culture import DateTimeStyles
from remediate.lab.windows.dotnet_misc import Enum, EnumMembers, Environment, Math, Thread, Version
from remediate.lab.windows.refusal import NotModeled

RT = runtime()
KINDS = clr.EnumType("Microsoft.Win32.RegistryValueKind", {
    "Unknown": 0, "String": 1, "ExpandString": 2, "Binary": 3, "DWord": 4, "MultiString": 7, "QWord": 11,
    "None": -1})


def folders(**names: str) -> Any:
    return SimpleNamespace(folder=lambda name: names[name])


def test_get_folder_path_reads_the_machines_known_folders() -> None:
    rt = runtime(files=folders(CommonApplicationData="C:\\Documents and Settings\\All Users\\Application Data",
                               System="C:\\WINDOWS\\system32"))
    assert Environment.GetFolderPath(rt, "CommonApplicationData").endswith("Application Data")
    assert Environment.GetFolderPath(rt, "System") == "C:\\WINDOWS\\system32"
    with pytest.raises(NotModeled):
        Environment.GetFolderPath(rt, "MyMusic")
    raises(clr.ArgumentException, "Requested value 'Nope' was not found.", lambda: Environment.GetFolderPath(rt, "Nope"))


def test_os_version() -> None:
    os_2003 = Environment.OSVersion(runtime(os_version="5.2.3790"))
    assert os_2003.Version.Major == 5 and os_2003.Version.Minor == 2 and os_2003.Version.Build == 3790
    assert os_2003.VersionString == "Microsoft Windows NT 5.2.3790.0"
    assert Environment.OSVersion(runtime(os_version="10.0.17763")).Version.Major == 10


def test_version() -> None:
    assert Version.new(RT, "2.0").ToString() == "2.0" and Version.new(RT, "2.0").Build == -1
    assert Version.new(RT, 5, 1, 17763, 1) > Version.new(RT, "5.1")
    raises(clr.ArgumentException, None, lambda: Version.new(RT, "5"))


MATH: list[tuple[str, tuple[Any, ...], Any]] = [
    ("Max", (3, 5), 5), ("Max", (1, 2.5), 2.5), ("Abs", (-4,), 4),
    ("Round", (2.5,), 2.0), ("Round", (3.5,), 4.0), ("Round", (decimal.Decimal("2.345"), 2), decimal.Decimal("2.34")),
    ("Floor", (-1.5,), -2.0), ("Ceiling", (1.2,), 2.0), ("Pow", (2, 10), 1024.0),
]


@pytest.mark.parametrize("member, args, expected", MATH)
def test_math(member: str, args: tuple[Any, ...], expected: Any) -> None:
    result = getattr(Math, member)(RT, *args)
    assert result == expected and type(result) is type(expected)


def test_math_min_of_int64_is_int64() -> None:
    assert isinstance(Math.Min(RT, clr.Int64(3), 5), clr.Int64)
    raises(clr.OverflowException, None, lambda: Math.Abs(RT, -(2**31)))


def test_enum_statics_as_registry_ps1_uses_them() -> None:
    """[Enum]::GetNames([Microsoft.Win32.RegistryValueKind]) -contains 'None'; [Enum]::Parse(kind, 'None')."""
    literal = SimpleNamespace(FullName=KINDS.TYPE_NAME, impl=KINDS)
    names = Enum.GetNames(RT, literal)
    assert list(names) == ["Unknown", "String", "ExpandString", "Binary", "DWord", "MultiString", "QWord", "None"]
    parsed = Enum.Parse(RT, literal, "None")
    assert parsed.name == "None" and parsed.value == -1
    raises(clr.ArgumentException, "Requested value 'dword' was not found.", lambda: Enum.Parse(RT, literal, "dword"))
    assert Enum.Parse(RT, literal, "dword", True).value == 4
    raises(clr.ArgumentException, "Type provided must be an Enum.\r\nParameter name: enumType",
           lambda: Enum.GetNames(RT, SimpleNamespace(FullName="System.String", impl=None)))


def test_flags_to_string() -> None:
    value = DateTimeStyles.from_value(16 | 64)
    assert EnumMembers.ToString(value) == "AdjustToUniversal, AssumeUniversal"
    assert EnumMembers.ToString(value, "D") == "80"


def test_thread_sleep_lets_the_machine_pass_time() -> None:
    slept: list[float] = []
    assert Thread.Sleep(runtime(sleep=slept.append), 100) is clr.VOID
    assert slept == [0.1]
    raises(clr.ArgumentOutOfRangeException, None, lambda: Thread.Sleep(RT, -2))
