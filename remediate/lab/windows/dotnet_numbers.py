"""The numeric types' members and statics: Int32/Int64/UInt32/UInt64/Byte/SByte/Int16/UInt16/Double/Boolean.

Sources (learn.microsoft.com/dotnet/api/...): system.int32.parse, system.int32.tryparse (and the same pages of the
other integer types), system.double.parse / tryparse / isnan / isinfinity, system.int32.tostring,
system.double.tostring ("R": 15 digits, 17 when 15 do not round-trip, as .NET Framework does), system.boolean,
and "Parsing numeric strings in .NET" (https://learn.microsoft.com/dotnet/standard/base-types/parsing-numeric):
NumberStyles decides what is allowed; an integer with a non-zero fraction is an OverflowException on .NET Framework;
trailing NUL characters are ignored; Double.Parse of a value beyond Double's range is an OverflowException on
.NET Framework (not infinity as on .NET Core 3.0+).

Formatting is semantics' netformat (invariant culture); this module gives the types their members.
"""

from __future__ import annotations

import decimal
import math
import re
from fractions import Fraction
from typing import Any

from remediate.lab.windows import clr, netformat
from remediate.lab.windows.dotnet_args import is_null, null_arg
from remediate.lab.windows.dotnet_culture import CultureInfo, check_provider, number_styles
from remediate.lab.windows.psexceptions import MethodException

BAD_FORMAT = "Input string was not in a correct format."
_WHITE = " \t\n\v\f\r"
_OVERFLOW_NAMES = {"System.Int32": "an Int32", "System.Int64": "an Int64", "System.UInt32": "a UInt32",
                   "System.UInt64": "a UInt64", "System.Int16": "an Int16", "System.UInt16": "a UInt16",
                   "System.Byte": "an unsigned byte", "System.SByte": "a signed byte", "System.Double": "a Double"}
_RANGES = {"System.Int32": (-(2**31), 2**31 - 1), **{name: (t.MIN, t.MAX) for name, t in clr.INT_TYPES.items()}}
_EXPONENT = re.compile(r"[eE]([+-]?)([0-9]+)")


def overflow(type_name: str) -> clr.DotNetException:
    return clr.OverflowException(f"Value was either too large or too small for {_OVERFLOW_NAMES[type_name]}.")


def parse_decimal(text: str, styles: int) -> Fraction | None:
    """The exact value of `text` under NumberStyles `styles` (invariant culture), None if it is not a number."""
    end = len(text)
    while end > 0 and text[end - 1] == "\0":
        end -= 1  # .NET Framework ignores trailing NULs
    s, i, n = text, 0, end
    if styles & 1:
        while i < n and s[i] in _WHITE:
            i += 1
    if styles & 2:
        while n > i and s[n - 1] in _WHITE:
            n -= 1
    if styles & 512:
        digits = s[i:n]
        return Fraction(int(digits, 16)) if digits and all(c in "0123456789abcdefABCDEF" for c in digits) else None
    negative = parens = False
    if styles & 256 and s.startswith("\u00a4", i):
        i += 1
    if styles & 4 and i < n and s[i] in "+-":
        negative, i = s[i] == "-", i + 1
    elif styles & 16 and i < n and s[i] == "(":
        negative = parens = True
        i += 1
    if styles & 256 and s.startswith("\u00a4", i):
        i += 1
    whole, fraction, seen_point = [], [], False
    while i < n:
        c = s[i]
        if c.isdigit() and c.isascii():
            (fraction if seen_point else whole).append(c)
        elif c == "," and styles & 64 and whole and not seen_point:
            pass
        elif c == "." and styles & 32 and not seen_point:
            seen_point = True
        else:
            break
        i += 1
    if not whole and not fraction:
        return None
    exponent = 0
    if styles & 128:
        m = _EXPONENT.match(s, i, n)
        if m:
            exponent = int(m.group(2)) * (-1 if m.group(1) == "-" else 1)
            i = m.end()
    if styles & 256 and s.startswith("\u00a4", i):
        i += 1
    if not negative and not parens and styles & 8 and i < n and s[i] in "+-":
        negative, i = s[i] == "-", i + 1
    if parens:
        if i >= n or s[i] != ")":
            return None
        i += 1
    if i != n:
        return None
    value = Fraction(int("".join(whole) or "0") * 10 ** len(fraction) + int("".join(fraction) or "0"),
                     10 ** len(fraction))
    value *= Fraction(10) ** exponent if abs(exponent) < 400 else (Fraction(10) ** 400 if exponent > 0 else 0)
    return -value if negative else value


def parse_integer(text: Any, type_name: str, styles: int = 7) -> int:
    """Int32.Parse and friends: FormatException for text that is no number, OverflowException outside the type or
    for a non-zero fraction."""
    if is_null(text):
        raise null_arg("String")
    value = parse_decimal(clr.to_str(text), styles)
    if value is None:
        raise clr.FormatException(BAD_FORMAT)
    low, high = _RANGES[type_name]
    if styles & 512:
        bits = high.bit_length() + (1 if low < 0 else 0)
        if value >= 2**bits:
            raise overflow(type_name)
        number = int(value)
        if low < 0 and number > high:
            number -= 2**bits  # hex is the two's-complement bit pattern: "FFFFFFFF" is -1 for Int32
    else:
        if value.denominator != 1 or not low <= value <= high:
            raise overflow(type_name)
        number = int(value)
    return number if type_name == "System.Int32" else clr.INT_TYPES[type_name](number)


def parse_double(text: Any, styles: int = 231) -> float:
    """Double.Parse (default NumberStyles.Float | AllowThousands); "NaN", "Infinity", "-Infinity" are the invariant
    culture's symbols."""
    if is_null(text):
        raise null_arg("s")
    raw = clr.to_str(text)
    value = parse_decimal(raw, styles)
    if value is None:
        symbol = raw.strip(_WHITE)
        if symbol in ("NaN", "Infinity", "-Infinity"):
            return float(symbol.replace("Infinity", "inf"))
        raise clr.FormatException(BAD_FORMAT)
    try:
        number = value.numerator / value.denominator
    except OverflowError:
        raise overflow("System.Double") from None
    if math.isinf(number):
        raise overflow("System.Double")
    return number  # "-0" is +0.0 on .NET Framework (.NET Core 3.0 made it -0.0)


def assign_out(reference: Any, value: Any, position: int) -> None:
    """An `out` argument: PowerShell passes `[ref]$x` (a PSReference); anything else is its MethodException."""
    if not isinstance(reference, clr.PSReference):
        raise MethodException(f"Argument: '{position}' should be a System.Management.Automation.PSReference. "
                              "Use [ref].")
    reference.Value = value


def try_parse(parse: Any, args: tuple[Any, ...], zero: Any) -> bool:
    """TryParse(s, [ref] r) or TryParse(s, styles, provider, [ref] r): styles are still validated (an invalid
    NumberStyles throws ArgumentException even here)."""
    if len(args) == 2:
        text, reference, styles = args[0], args[1], None
    elif len(args) == 4:
        text, styles, provider, reference = args
        check_provider(provider)
        styles = number_styles(styles)
    else:
        raise TypeError("TryParse takes 2 or 4 arguments")
    try:
        value = parse(text) if styles is None else parse(text, styles)
    except (clr.FormatException, clr.OverflowException, clr.ArgumentNullException):
        assign_out(reference, zero, len(args))
        return False
    assign_out(reference, value, len(args))
    return True


def _parse_args(args: tuple[Any, ...], default: int) -> int:
    """Parse(s), Parse(s, styles), Parse(s, provider), Parse(s, styles, provider)."""
    styles = default
    for arg in args:
        if isinstance(arg, CultureInfo) or arg is None:
            check_provider(arg)
        else:
            styles = number_styles(arg)
    return styles


def _integer_statics(type_name: str) -> type:
    low, high = _RANGES[type_name]
    cast = int if type_name == "System.Int32" else clr.INT_TYPES[type_name]

    def parse(rt: Any, text: Any, *args: Any) -> int:
        return parse_integer(text, type_name, _parse_args(args, 7))

    def tryparse(rt: Any, *args: Any) -> bool:
        return try_parse(lambda text, styles=7: parse_integer(text, type_name, styles), args, cast(0))

    members = {"TYPE_NAME": type_name, "Parse": clr.static(parse), "TryParse": clr.static(tryparse),
               "MaxValue": clr.static_property(lambda rt: cast(high)),
               "MinValue": clr.static_property(lambda rt: cast(low)),
               "__doc__": f"Statics of {type_name} (https://learn.microsoft.com/dotnet/api/{type_name.lower()})."}
    return clr.register(type(type_name.split(".")[-1], (clr.DotNetObject,), members))


INTEGER_TYPES = {name: _integer_statics(name) for name in _RANGES}


@clr.register
class Double(clr.DotNetObject):
    """Statics of System.Double (https://learn.microsoft.com/dotnet/api/system.double)."""

    TYPE_NAME = "System.Double"

    @clr.static
    def Parse(rt: Any, text: Any, *args: Any) -> float:  # noqa: N802,N805
        return parse_double(text, _parse_args(args, 231))

    @clr.static
    def TryParse(rt: Any, *args: Any) -> bool:  # noqa: N802,N805
        return try_parse(lambda text, styles=231: parse_double(text, styles), args, 0.0)

    @clr.static
    def IsNaN(rt: Any, value: Any) -> bool:  # noqa: N802,N805
        return math.isnan(float(value))

    @clr.static
    def IsInfinity(rt: Any, value: Any) -> bool:  # noqa: N802,N805
        return math.isinf(float(value))

    @clr.static
    def IsPositiveInfinity(rt: Any, value: Any) -> bool:  # noqa: N802,N805
        return float(value) == math.inf

    @clr.static
    def IsNegativeInfinity(rt: Any, value: Any) -> bool:  # noqa: N802,N805
        return float(value) == -math.inf

    MaxValue = clr.static_property(lambda rt: 1.7976931348623157e308)
    MinValue = clr.static_property(lambda rt: -1.7976931348623157e308)
    Epsilon = clr.static_property(lambda rt: 5e-324)
    NaN = clr.static_property(lambda rt: math.nan)
    PositiveInfinity = clr.static_property(lambda rt: math.inf)
    NegativeInfinity = clr.static_property(lambda rt: -math.inf)


@clr.register
class Boolean(clr.DotNetObject):
    """Statics of System.Boolean (https://learn.microsoft.com/dotnet/api/system.boolean.parse)."""

    TYPE_NAME = "System.Boolean"

    @clr.static
    def Parse(rt: Any, text: Any) -> bool:  # noqa: N802,N805
        if is_null(text):
            raise null_arg("value")
        return clr.to_bool(clr.to_str(text).strip(_WHITE + "\0"))

    TrueString = clr.static_property(lambda rt: "True")
    FalseString = clr.static_property(lambda rt: "False")


# ---- ToString(format, provider) and the other instance members of numbers ------------------------------------

def double_round_trip(value: float) -> str:
    """Double.ToString("R") on .NET Framework: the 15-digit form if it parses back to the same value, else 17."""
    text = netformat.double_to_string(value, 15)
    if math.isfinite(value) and float(text.replace("E", "e")) != value:
        text = netformat.double_to_string(value, 17)
    return text


def number_to_string(value: Any, *args: Any) -> str:
    """ToString(), ToString(format), ToString(provider), ToString(format, provider)."""
    fmt = None
    for arg in args:
        if isinstance(arg, str):
            fmt = arg
        else:
            check_provider(arg)
    if isinstance(value, float) and fmt and fmt.upper() == "R":
        return double_round_trip(value)
    return netformat.format_number(value, fmt)


def format_value(value: Any, fmt: str | None) -> str:
    """How composite formatting (String.Format, StringBuilder.AppendFormat) renders one argument: IFormattable
    values with their format, null as empty, other objects by ToString()."""
    if is_null(value):
        return ""
    if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
        return number_to_string(value, *(() if fmt is None else (fmt,)))
    invariant = getattr(value, "_invariant", None)  # IFormattable objects (DateTime) format with the culture
    if callable(invariant):
        return invariant(fmt)
    if isinstance(value, list):
        return clr.type_names(value)[0]
    return clr.to_str(value)


def _compare(value: Any, other: Any) -> int:
    if is_null(other):
        return 1
    if clr.type_names(other)[0] != clr.type_names(value)[0]:
        raise clr.ArgumentException(f"Object must be of type {clr.type_names(value)[0].split('.')[-1]}.")
    return (value > other) - (value < other)


class NumberMembers:
    """Instance members of the integer types, Double and Decimal (ToString, CompareTo, Equals)."""

    def ToString(value: Any, *args: Any) -> str:  # noqa: N802,N805
        return number_to_string(value, *args)

    def CompareTo(value: Any, other: Any) -> int:  # noqa: N802,N805
        return _compare(value, other)

    def Equals(value: Any, other: Any) -> bool:  # noqa: N802,N805
        return clr.type_names(other)[0] == clr.type_names(value)[0] and other == value


class BooleanMembers:
    """Instance members of System.Boolean."""

    def ToString(value: bool, provider: Any = None) -> str:  # noqa: N802,N805
        return "True" if value else "False"

    def CompareTo(value: bool, other: Any) -> int:  # noqa: N802,N805
        return _compare(value, other)

    def Equals(value: bool, other: Any) -> bool:  # noqa: N802,N805
        return isinstance(other, bool) and other == value


for _number_type in (int, float, decimal.Decimal):
    clr.ADAPTERS[_number_type] = NumberMembers
clr.ADAPTERS[bool] = BooleanMembers
