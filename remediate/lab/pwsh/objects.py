"""Runtime values the interpreter adds to the clr value model, and PowerShell's output rules.

Output rules (about_Pipelines, lang-spec 8.1.1 "Pipeline statements", 7.1.x): a statement that yields a value
writes it to the pipeline *enumerated*: an array (or any other IEnumerable that is not a string or a dictionary)
writes its elements, AutomationNull (`VOID`) writes nothing, `$null` writes $null. Collecting a pipeline's output
as a value gives AutomationNull for no object, the object itself for one, an object[] for more.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from remediate.lab.windows import clr

VOID = clr.VOID


def is_enumerable(value: Any) -> bool:
    """What PowerShell unrolls: arrays, ArrayList, and .NET IEnumerables other than strings and dictionaries."""
    if isinstance(value, list):
        return True
    if isinstance(value, clr.DotNetObject) and hasattr(value, "__iter__"):
        return True
    return isinstance(value, (Iterator,)) and not isinstance(value, (str, bytes))


def write(out: list, value: Any) -> None:
    if value is VOID:
        return
    if isinstance(value, list):
        out.extend(value)
    elif isinstance(value, clr.DotNetObject) and hasattr(value, "__iter__"):
        out.extend(iter(value))
    else:
        out.append(value)


def collect(out: list) -> Any:
    if not out:
        return VOID
    if len(out) == 1:
        return out[0]
    return list(out)


def unvoid(value: Any) -> Any:
    return None if value is VOID else value


def items(value: Any) -> list:
    """The objects `foreach` and a pipeline iterate over: an enumerable's elements, nothing for $null/VOID in
    foreach (PowerShell 3.0+; 2.0 iterates once over $null: see `foreach_items`), else the value itself."""
    if value is VOID:
        return []
    if isinstance(value, list):
        return value
    if is_enumerable(value):
        return list(iter(value))
    return [value]


class TypeLiteral(clr.DotNetObject):
    """A `[T]` value (System.RuntimeType): `name` is the full .NET name, `impl` what clr.TYPES holds for it (a
    DotNetObject subclass, an EnumType, or None for types the value model represents with Python builtins)."""

    TYPE_NAME = "System.RuntimeType"
    TYPE_ALIASES = ("System.Type",)

    def __init__(self, name: str, impl: Any = None) -> None:
        self.name = name
        self.impl = impl

    @property
    def FullName(self) -> str:  # noqa: N802
        return self.name

    @property
    def Name(self) -> str:  # noqa: N802
        return self.name.rsplit(".", 1)[-1]

    def ToString(self) -> str:  # noqa: N802
        return self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypeLiteral) and other.name.casefold() == self.name.casefold()

    def __hash__(self) -> int:
        return hash(self.name.casefold())


class ScriptBlock(clr.DotNetObject):
    """System.Management.Automation.ScriptBlock: compiled code (`code`, a functions.Code) and its text."""

    TYPE_NAME = "System.Management.Automation.ScriptBlock"

    def __init__(self, code: Any, source: str) -> None:
        self.code = code
        self.source = source

    def ToString(self) -> str:  # noqa: N802
        return self.source

    @clr.static
    def Create(rt: Any, script: Any) -> ScriptBlock:  # noqa: N802,N805
        """ScriptBlock.Create(string): a parse error is a ParseException (MethodInvocationException around it)."""
        return rt.session.compile_script_block(clr.to_str(script))


clr.register(ScriptBlock)


class PSObjectRecord:
    """Marker base for helper objects the interpreter shows to scripts (InvocationInfo, ErrorCategoryInfo)."""
