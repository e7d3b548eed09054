"""The statics of System.String (https://learn.microsoft.com/dotnet/api/system.string): Empty, IsNullOrEmpty,
IsNullOrWhiteSpace (.NET 4.0), Equals, Compare (ordinal only), CompareOrdinal, Join, Concat, Format.

Comparison rules are dotnet_text's (culture-sensitive equality ignores weightless characters; culture-sensitive
ordering is refused).
"""

from __future__ import annotations

from typing import Any

from remediate.lab.windows import clr, netformat
from remediate.lab.windows.dotnet_args import int_arg, is_null, null_arg, out_of_range
from remediate.lab.windows.dotnet_numbers import format_value
from remediate.lab.windows.dotnet_text import WHITE, comparison_rules, equals, fold
from remediate.lab.windows.refusal import NotModeled


@clr.register
class String(clr.DotNetObject):
    """The statics of System.String (https://learn.microsoft.com/dotnet/api/system.string)."""

    TYPE_NAME = "System.String"

    @clr.static_property
    def Empty(rt: Any) -> str:  # noqa: N802,N805
        return ""

    @clr.static
    def IsNullOrEmpty(rt: Any, value: Any) -> bool:  # noqa: N802,N805
        return is_null(value) or clr.to_str(value) == ""

    @clr.since("4.0")
    @clr.static
    def IsNullOrWhiteSpace(rt: Any, value: Any) -> bool:  # noqa: N802,N805
        return is_null(value) or all(c in WHITE for c in clr.to_str(value))

    @clr.static
    def Equals(rt: Any, a: Any, b: Any, comparison: Any = None) -> bool:  # noqa: N802,N805
        """String.Equals(a, b[, comparisonType]): two nulls are equal, one null is not."""
        culture, ignore_case = (False, False) if comparison is None else comparison_rules(comparison)
        if is_null(a) or is_null(b):
            return is_null(a) and is_null(b)
        return equals(clr.to_str(a), clr.to_str(b), culture, ignore_case)

    @clr.static
    def Compare(rt: Any, a: Any, b: Any, mode: Any = None) -> int:  # noqa: N802,N805
        """Compare(a, b, StringComparison.Ordinal|OrdinalIgnoreCase); the culture-sensitive orders are refused."""
        if mode is None or isinstance(mode, bool) or comparison_rules(mode)[0]:
            raise NotModeled("String.Compare with culture-sensitive ordering")
        if is_null(a) or is_null(b):
            return 0 if is_null(a) and is_null(b) else (-1 if is_null(a) else 1)
        x, y = fold(clr.to_str(a), comparison_rules(mode)[1]), fold(clr.to_str(b), comparison_rules(mode)[1])
        return (x > y) - (x < y)

    @clr.static
    def CompareOrdinal(rt: Any, a: Any, b: Any) -> int:  # noqa: N802,N805
        if is_null(a) or is_null(b):
            return 0 if is_null(a) and is_null(b) else (-1 if is_null(a) else 1)
        x, y = clr.to_str(a), clr.to_str(b)
        return (x > y) - (x < y)

    @clr.static
    def Join(rt: Any, separator: Any, *values: Any) -> str:  # noqa: N802,N805
        """Join(separator, string[]) and Join(separator, string[], startIndex, count); PowerShell converts the
        array's elements to strings (null elements become empty)."""
        sep = "" if is_null(separator) else clr.to_str(separator)
        if len(values) == 1 and isinstance(values[0], list):
            items = [format_value(v, None) for v in values[0]]
        elif len(values) == 3 and isinstance(values[0], list):
            items = [format_value(v, None) for v in values[0]]
            begin, count = int_arg(values[1]), int_arg(values[2])
            if begin < 0:
                raise out_of_range("StartIndex cannot be less than zero.", "startIndex")
            if count < 0:
                raise out_of_range("Count cannot be less than zero.", "count")
            if begin > len(items) - count:
                raise out_of_range("Index and count must refer to a location within the buffer.", "startIndex")
            items = items[begin:begin + count]
        elif len(values) == 1 and is_null(values[0]):
            raise null_arg("value")
        else:
            items = [format_value(v, None) for v in values]  # params string[]: PowerShell converts each (invariant)
        return sep.join(items)

    @clr.static
    def Concat(rt: Any, *values: Any) -> str:  # noqa: N802,N805
        if len(values) == 1 and isinstance(values[0], list):
            values = tuple(values[0])
        return "".join(clr.to_str(v) for v in values)

    @clr.static
    def Format(rt: Any, fmt: Any, *args: Any) -> str:  # noqa: N802,N805
        """String.Format(format, params object[]): composite formatting (netformat.composite)."""
        if is_null(fmt):
            raise null_arg("format")
        if len(args) == 1 and isinstance(args[0], list) and not isinstance(args[0], clr.TypedArray):
            args = tuple(args[0])
        return netformat.composite(clr.to_str(fmt), list(args), format_value)
