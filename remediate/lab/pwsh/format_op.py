"""The `-f` operator: .NET composite formatting of PowerShell values.

Sources: lang-spec 7.5 "Format operator" (https://learn.microsoft.com/powershell/scripting/lang-spec/chapter-07):
`{N[,M][:FormatString]}`, `{{`/`}}`, `$null` formats as '', arrays as for a sub-expression (their elements joined by
`$OFS`), an index outside the arguments is a FormatException; .NET's "Composite formatting" and the standard and
custom numeric format strings for what follows the colon (`remediate.lab.windows.netformat`).

Numbers are formatted under the invariant culture, which prints them as the lab's en-US hosts do, except the
currency format ("C"), whose symbol is the host culture's: it is refused.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.netformat import composite, format_number, is_number
from remediate.lab.windows.refusal import NotModeled

from remediate.lab.pwsh import typenames
from remediate.lab.pwsh.values import enum_text, to_string


def _render(value: Any, fmt: str | None, ofs: str) -> str:
    if value is None or value is clr.VOID:
        return ""
    if not fmt:
        return to_string(value, ofs)
    if is_number(value):
        if fmt[:1] in ("C", "c") and (len(fmt) == 1 or fmt[1:].isdigit()):
            raise NotModeled("currency format C (the host culture's currency symbol)")
        return format_number(value, fmt)
    if isinstance(value, clr.EnumValue):
        kind = fmt.upper()
        if kind in ("G", "F"):
            return enum_text(value)
        if kind == "D":
            return str(value.value)
        if kind == "X":
            return format(value.value & 0xFFFFFFFF, "08X")
        raise clr.FormatException("Format String can be only \"G\", \"g\", \"X\", \"x\", \"F\", \"f\", \"D\" or \"d\".")
    invariant = getattr(value, "_invariant", None)
    if callable(invariant):  # IFormattable.ToString(format, InvariantCulture) of a simulated type (DateTime)
        return invariant(fmt)
    if isinstance(value, (str, bool)) or typenames.is_enumerable(value) or isinstance(value, clr.Hashtable):
        return to_string(value, ofs)  # not IFormattable: the format string is ignored, as String.Format does
    to_string_method = getattr(value, "ToString", None)
    if callable(to_string_method):
        try:
            text = to_string_method(fmt)  # IFormattable.ToString(format, provider) of a simulated type
        except TypeError:
            return to_string(value, ofs)
        if isinstance(text, str):
            return text
    raise NotModeled(f"format string {fmt!r} for a {typenames.value_type_name(value)}")


def format_operator(fmt: Any, args: Any, *, ofs: str = " ") -> str:
    """`fmt -f args`: `args` is the right operand (an array gives the positional arguments, a scalar is argument
    0). Raises FormatException as String.Format does; the interpreter reports it as PowerShell does ("Error
    formatting a string: ...")."""
    arguments = list(args) if typenames.is_enumerable(args) else [args]
    return composite(to_string(fmt, ofs), arguments, lambda value, spec: _render(value, spec, ofs))
