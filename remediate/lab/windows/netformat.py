""".NET number formatting under the invariant culture: `ToString()`, `ToString(format)` and composite formatting.

Sources (what each function follows):
- Standard numeric format strings: https://learn.microsoft.com/dotnet/standard/base-types/standard-numeric-format-strings
- Custom numeric format strings: https://learn.microsoft.com/dotnet/standard/base-types/custom-numeric-format-strings
- Composite formatting: https://learn.microsoft.com/dotnet/standard/base-types/composite-formatting
- NumberFormatInfo.InvariantInfo (".", ",", "NaN", "Infinity", "-Infinity", "¤" currency symbol).

The lab runs on .NET Framework 2.0-4.x hosts (Windows PowerShell), so `Double.ToString()` is the "G" format with 15
significant digits (not .NET Core 3.0's shortest round-trip string) and -0.0 prints as "0".
Only the invariant culture is modelled: PowerShell's casts, `-f` and string expansion use it.
"""

from __future__ import annotations

import decimal
import math
import re
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.refusal import NotModeled

_INT_BITS = {"System.SByte": 8, "System.Byte": 8, "System.Int16": 16, "System.UInt16": 16, "System.Int32": 32,
             "System.UInt32": 32, "System.Int64": 64, "System.UInt64": 64}


def is_number(value: Any) -> bool:
    """A .NET numeric value (not bool, which Python counts as an int)."""
    return isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool)


def int_type_name(value: int) -> str:
    return getattr(value, "TYPE_NAME", "System.Int32")


def double_to_string(value: float, precision: int = 15) -> str:
    """Double.ToString() / ToString("G"): at most `precision` significant digits; scientific notation (E+XX, at least
    two exponent digits) unless -5 < exponent < precision."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    mantissa, exponent_text = f"{value:.{precision - 1}e}".split("e")
    exponent = int(exponent_text)
    sign = "-" if mantissa.startswith("-") else ""
    digits = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    if exponent >= precision or exponent < -4:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{body}E{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"
    if exponent < 0:
        return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
    whole, fraction = digits[:exponent + 1], digits[exponent + 1:]
    return sign + whole.ljust(exponent + 1, "0") + ("." + fraction if fraction else "")


def decimal_to_string(value: decimal.Decimal) -> str:
    """Decimal.ToString(): the scale is preserved, never scientific."""
    return format(value, "f")


def number_to_string(value: Any) -> str:
    """ToString() of any numeric value under the invariant culture."""
    if isinstance(value, float):
        return double_to_string(value)
    if isinstance(value, decimal.Decimal):
        return decimal_to_string(value)
    return str(int(value))


# ---- standard and custom numeric format strings --------------------------------------------------------------

_STANDARD = re.compile(r"([A-Za-z])(\d{0,2})\Z")


def format_number(value: Any, fmt: str | None) -> str:
    """`value.ToString(fmt, CultureInfo.InvariantCulture)` for a numeric value."""
    if not fmt:
        return number_to_string(value)
    match = _STANDARD.match(fmt)
    if match:
        return _standard(value, match.group(1), int(match.group(2)) if match.group(2) else None)
    return _custom(value, fmt)


def _group(digits: str) -> str:
    out = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return ",".join(out)


def _fixed(value: Any, places: int, grouping: bool) -> str:
    """F/N: rounded half away from zero, as .NET Framework formats (decimal arithmetic avoids binary artefacts)."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return double_to_string(value)
    # .NET Framework formats a Double from its 15-significant-digit form first, then rounds that.
    number = decimal.Decimal(double_to_string(value)) if isinstance(value, float) else decimal.Decimal(value)
    quantum = decimal.Decimal(1).scaleb(-places)
    rounded = number.quantize(quantum, rounding=decimal.ROUND_HALF_UP)
    negative = rounded < 0  # .NET Framework prints -0.001 as "0.00" (.NET Core 3.0+ as "-0.00")
    text = format(abs(rounded), "f")
    whole, _, fraction = text.partition(".")
    if grouping:
        whole = _group(whole)
    return ("-" if negative else "") + whole + ("." + fraction if places else "")


def _standard(value: Any, letter: str, precision: int | None) -> str:
    kind = letter.upper()
    if kind in ("D", "X"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise clr.FormatException("Format specifier was invalid.")
        if kind == "D":
            digits = str(abs(int(value))).rjust(precision or 0, "0")
            return ("-" if value < 0 else "") + digits
        number = int(value)
        if number < 0:  # two's complement in the value's own width
            number += 1 << _INT_BITS[int_type_name(value)]
        digits = format(number, "X" if letter == "X" else "x")
        return digits.rjust(precision or 0, "0")
    if kind in ("F", "N"):
        return _fixed(value, 2 if precision is None else precision, kind == "N")
    if kind == "G":
        if isinstance(value, float):
            return double_to_string(value, precision or 15)
        if precision:
            raise NotModeled(f"numeric format G{precision} of a {type(value).__name__}")
        return number_to_string(value)
    if kind == "R":
        if isinstance(value, float):
            text = double_to_string(value, 15)
            return text if float(text) == value or not math.isfinite(value) else double_to_string(value, 17)
        return number_to_string(value)
    if kind == "E":
        return _exponential(value, 6 if precision is None else precision, letter)
    if kind == "P":
        return _fixed(decimal.Decimal(number_to_string(value)) * 100, 2 if precision is None else precision,
                      True) + " %"
    if kind == "C":
        return "\u00a4" + _fixed(value, 2 if precision is None else precision, True)
    raise clr.FormatException("Format specifier was invalid.")


def _exponential(value: Any, places: int, letter: str) -> str:
    number = decimal.Decimal(double_to_string(value, 17)) if isinstance(value, float) else decimal.Decimal(value)
    if number == 0:
        mantissa, exponent = decimal.Decimal(0), 0
    else:
        exponent = number.adjusted()
        mantissa = number.scaleb(-exponent)
    mantissa = mantissa.quantize(decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP)
    if abs(mantissa) >= 10:
        mantissa, exponent = (mantissa / 10).quantize(decimal.Decimal(1).scaleb(-places)), exponent + 1
    sign = "+" if exponent >= 0 else "-"
    return f"{format(mantissa, 'f')}{letter}{sign}{abs(exponent):03d}"


_CUSTOM_OK = re.compile(r"[0#,.]+\Z")


def _custom(value: Any, fmt: str) -> str:
    """Custom numeric formats made of `0`, `#`, `,` (grouping) and one `.`: the ones scripts use ("000", "0.00",
    "#,##0"). Sections (;), percent, exponents and literals are refused."""
    if not _CUSTOM_OK.match(fmt) or fmt.count(".") > 1:
        raise NotModeled(f"custom numeric format string {fmt!r}")
    whole_fmt, _, fraction_fmt = fmt.partition(".")
    grouping = "," in whole_fmt.rstrip(",")
    if whole_fmt.endswith(","):
        raise NotModeled(f"custom numeric format string {fmt!r} (scaling commas)")
    whole_fmt = whole_fmt.replace(",", "")
    places = len(fraction_fmt)
    text = _fixed(value, places, False)
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    min_whole = len(whole_fmt) - whole_fmt.find("0") if "0" in whole_fmt else 0
    whole = whole.lstrip("0").rjust(min_whole, "0")
    if grouping and whole:
        whole = _group(whole)
    min_fraction = fraction_fmt.rfind("0") + 1
    fraction = fraction.rstrip("0").ljust(min_fraction, "0") if places else ""
    result = whole + ("." + fraction if fraction else "")
    if negative and any(ch not in "0.," for ch in result):
        result = "-" + result
    return result


# ---- composite formatting (String.Format) --------------------------------------------------------------------

_BAD_FORMAT = "Input string was not in a correct format."
_BAD_INDEX = "Index (zero based) must be greater than or equal to zero and less than the size of the argument list."


def composite(fmt: str, args: list[Any], render: Any) -> str:
    """String.Format(InvariantCulture, fmt, args): `render(value, format_or_None)` turns one argument into text (the
    caller decides how arrays, $null and objects print). Raises FormatException as .NET does for a malformed
    string or an index outside `args`."""
    out: list[str] = []
    i, n = 0, len(fmt)
    while i < n:
        ch = fmt[i]
        if ch == "}":
            if i + 1 < n and fmt[i + 1] == "}":
                out.append("}")
                i += 2
                continue
            raise clr.FormatException(_BAD_FORMAT)
        if ch != "{":
            out.append(ch)
            i += 1
            continue
        if i + 1 < n and fmt[i + 1] == "{":
            out.append("{")
            i += 2
            continue
        end = fmt.find("}", i)
        if end < 0:
            raise clr.FormatException(_BAD_FORMAT)
        item = fmt[i + 1:end]
        if "{" in item:
            raise clr.FormatException(_BAD_FORMAT)
        out.append(_format_item(item, args, render))
        i = end + 1
    return "".join(out)


_ITEM = re.compile(r"(\d+) *(?:, *(-?\d+) *)?(?::(.*))?\Z", re.S)


def _format_item(item: str, args: list[Any], render: Any) -> str:
    match = _ITEM.match(item)
    if not match or len(match.group(1)) > 6 or (match.group(2) and len(match.group(2).lstrip("-")) > 6):
        raise clr.FormatException(_BAD_FORMAT)
    index = int(match.group(1))
    if index >= len(args):
        raise clr.FormatException(_BAD_INDEX)
    width = int(match.group(2) or 0)
    text = render(args[index], match.group(3))
    return text.ljust(-width) if width < 0 else text.rjust(width)
