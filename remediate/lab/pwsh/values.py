"""PowerShell's view of a value as bool, as string and as number (lang-spec chapter 6, "Conversions").

- `is_true`: 6.2 "Conversion to bool" (what `if`, `-not`, `-and` and `[bool]` see).
- `to_string`: 6.8 "Conversion to string" (what `[string]`, string expansion, `+` on a string and `-join` see):
  culture-invariant numbers, arrays joined by `$OFS` (a space unless the script sets it), `$null` as ''. A simulated
  .NET object is shown by its `_invariant(None)` if it has one (IFormattable types whose invariant form differs
  from their ToString(), such as DateTime), else by its ToString().
- `parse_number`: 6.16 "Conversion from string to numeric type" (what arithmetic on strings sees).

https://learn.microsoft.com/powershell/scripting/lang-spec/chapter-06
"""

from __future__ import annotations

import decimal
import math
import re
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.netformat import double_to_string, is_number, number_to_string
from remediate.lab.windows.refusal import NotModeled

from remediate.lab.pwsh.typenames import is_enumerable, value_type_name

OFS = " "


def is_true(value: Any) -> bool:
    """6.2: zero, '', $null and empty collections are false; a one-element collection is its element's truth; two
    or more elements are true; every other object (an empty hashtable too) is true."""
    if value is None or value is clr.VOID:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):  # Char included: '\0' is a zero char
        return len(value) > 0 and not (isinstance(value, clr.Char) and value == "\0")
    if is_number(value):
        return value != 0
    if isinstance(value, clr.EnumValue):
        return value.value != 0
    if isinstance(value, list):  # IList only: another IEnumerable (a DirectoryEntry) is simply an object, true
        items = value
        if len(items) == 0:
            return False
        if len(items) == 1:
            first = items[0]
            if isinstance(first, list):
                return len(first) > 0
            return is_true(first)
        return True
    return True


def _element_text(item: Any) -> str:
    """An array element inside a string conversion: nested arrays print their type name (6.8)."""
    if isinstance(item, list) and not isinstance(item, clr.ArrayList):
        return value_type_name(item)
    return to_string(item)


def to_string(value: Any, ofs: str = OFS) -> str:
    """6.8 Conversion to string, culture-invariant. `ofs` is the current `$OFS` (the caller passes the variable)."""
    if value is None or value is clr.VOID:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return str.__str__(value)
    if is_number(value):
        return number_to_string(value)
    if isinstance(value, clr.EnumValue):
        return enum_text(value)
    if isinstance(value, list) or is_enumerable(value):
        return ofs.join(_element_text(item) for item in value)
    if isinstance(value, clr.Hashtable):
        return "System.Collections.Hashtable"
    if isinstance(value, clr.PSCustomObject):
        return "@{" + "; ".join(f"{k}={to_string(v, ofs)}" for k, v in value.properties.items()) + "}"
    if isinstance(value, clr.ErrorRecord):  # ErrorRecord.ToString(): the exception's message
        return str(getattr(value.exception, "Message", value.exception))
    invariant = getattr(value, "_invariant", None)
    if callable(invariant):
        # IFormattable.ToString(null, InvariantCulture), which PowerShell's conversion uses (a DateTime prints
        # "MM/dd/yyyy HH:mm:ss" in a string expansion but in the host culture from its own ToString()); the
        # simulated IFormattable types expose it as `_invariant(format)` (dotnet_time.DateTime).
        return invariant(None)
    to_string_method = getattr(value, "ToString", None)
    if callable(to_string_method):
        text = to_string_method()
        if not isinstance(text, str):
            raise NotModeled(f"ToString() of {value_type_name(value)} returned {type(text).__name__}")
        return text
    raise NotModeled(f"string conversion of a Python {type(value).__name__}")


def enum_text(value: clr.EnumValue) -> str:
    """Enum.ToString(): the member's name; for a [Flags] value the names of its bits, ascending, ", "-joined; a
    number when no name fits."""
    enum = value.enum
    for name, number in enum.members.items():
        if number == value.value:
            return name
    if enum.flags and value.value > 0:
        remaining, names = value.value, []
        for name, number in sorted(enum.members.items(), key=lambda item: -item[1]):
            if number and remaining & number == number:
                names.insert(0, name)
                remaining &= ~number
        if remaining == 0:
            return ", ".join(names)
    return str(value.value)


# ---- strings as numbers (6.16) -------------------------------------------------------------------------------

_DECIMAL_INT = re.compile(r"[+-]?[0-9]+\Z")
_HEX = re.compile(r"([+-]?)0[xX]([0-9a-fA-F]+)\Z")
_REAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_SPECIAL = {"Infinity": float("inf"), "-Infinity": float("-inf"), "NaN": float("nan")}
# .NET's String.Trim() whitespace (Char.IsWhiteSpace), as ASCII plus the Unicode spaces scripts meet.
WHITESPACE = " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
             "\u2028\u2029\u202f\u205f\u3000"


def int_result(number: int) -> Any:
    """An integer result in the first of Int32, Int64, Decimal, Double that holds it (6.16 / tokenizer rules)."""
    if -(2**31) <= number < 2**31:
        return int(number)
    if -(2**63) <= number < 2**63:
        return clr.Int64(number)
    if abs(number) < 2**96:
        return decimal.Decimal(number)
    return float(number)


def parse_number(text: str) -> Any:
    """6.16: '' and white space are 0; one sign; 0x hex (two's complement in 32 or 64 bits, as a hex literal);
    an exponent; "Infinity", "-Infinity", "NaN" (case-distinct). No type suffixes or multipliers.
    Raises ValueError when the string does not represent a number."""
    body = text.strip(WHITESPACE)
    if body == "":
        return 0
    if body in _SPECIAL:
        return _SPECIAL[body]
    if _DECIMAL_INT.match(body):
        return int_result(int(body))
    hex_match = _HEX.match(body)
    if hex_match:
        number = int(hex_match.group(2), 16)
        if len(hex_match.group(2).lstrip("0")) <= 8:
            number = number - 2**32 if number >= 2**31 else number
        elif len(hex_match.group(2).lstrip("0")) <= 16:
            number = number - 2**64 if number >= 2**63 else number
        else:
            raise ValueError(text)
        return int_result(-number if hex_match.group(1) == "-" else number)
    if _REAL.match(body):
        number = float(body)
        if math.isinf(number):  # .NET Framework's Double.Parse: beyond Double's range is an overflow, not infinity
            raise clr.OverflowException("Value was either too large or too small for a Double.")
        return number
    if "," in body and _REAL.match(body.replace(",", "")):
        raise NotModeled(f"number with thousands separators {text!r}")
    raise ValueError(text)


def number_text(value: Any) -> str:
    """A number as an error message quotes it."""
    return double_to_string(value) if isinstance(value, float) else to_string(value)
