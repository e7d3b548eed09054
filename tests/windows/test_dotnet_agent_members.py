"""Every `[System.T]::Member` and `New-Object System.T` of the rendered agent whose type the pure .NET simulations
(remediate/lab/windows/dotnet_*.py) own is registered in clr and has that member, on the .NET version that the
platforms running it have."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import remediate.lab.windows as windows
from remediate import agent
from remediate.lab.windows import clr
from remediate.lab.windows.netregex import compile_net

for _module in pkgutil.iter_modules(windows.__path__):
    if _module.name.startswith("dotnet_") or _module.name.startswith("net"):
        importlib.import_module(f"{windows.__name__}.{_module.name}")

SCRIPT = agent.render_script()
OWNED = {
    cls.TYPE_NAME for cls in list(clr.TYPES.values())
    if getattr(cls, "__module__", "").startswith("remediate.lab.windows.dotnet_")
} | {enum.TYPE_NAME for enum in clr.TYPES.values() if isinstance(enum, clr.EnumType)
     and enum.TYPE_NAME.split(".")[1] in ("Globalization", "Text", "StringComparison", "IO")
     and not enum.TYPE_NAME.startswith("System.IO.File")}
# PowerShell's type accelerators the agent writes (about_Type_Accelerators).
ACCELERATORS = {"string": "System.String", "regex": "System.Text.RegularExpressions.Regex", "long": "System.Int64",
                "int": "System.Int32", "double": "System.Double", "char": "System.Char", "byte": "System.Byte"}
STATICS = sorted({(ACCELERATORS.get(t.casefold(), t), m) for t, m in re.findall(r"\[([\w.]+)\]::(\w+)", SCRIPT)
                  if ACCELERATORS.get(t.casefold(), t) in OWNED})
CREATED = sorted({t for t in re.findall(r"New-Object\s+(System\.[\w.]+)", SCRIPT) if t in OWNED})


def test_the_agent_uses_these_types() -> None:
    assert len(STATICS) > 30 and "System.Text.StringBuilder" in CREATED


@pytest.mark.parametrize("type_name, member", STATICS)
def test_static_member_exists(type_name: str, member: str) -> None:
    impl = clr.TYPES[type_name.casefold()]
    if isinstance(impl, clr.EnumType):
        assert impl.member(member) is not None
        return
    attribute = inspect.getattr_static(impl, member)
    assert isinstance(attribute, staticmethod) and getattr(attribute.__func__, "__clr_static__", None)
    assert clr.available(attribute.__func__, "2.0"), f"{type_name}::{member} is newer than .NET 2.0"


@pytest.mark.parametrize("type_name", CREATED)
def test_constructible(type_name: str) -> None:
    impl = clr.TYPES[type_name.casefold()]
    assert callable(getattr(impl, "new", None)) or issubclass(impl, clr.DotNetException)


PATTERNS = sorted(set(re.findall(r"-c?i?(?:match|notmatch|replace|split) '([^']*)'", SCRIPT))
                  | set(re.findall(r"\[regex\]'([^']*)'", SCRIPT))
                  | set(re.findall(r"\[regex\]::\w+\([^,]+, '([^']*)'", SCRIPT)))


@pytest.mark.parametrize("pattern", PATTERNS)
def test_the_agents_regular_expressions_translate(pattern: str) -> None:
    assert compile_net(pattern, 0).python is not None
