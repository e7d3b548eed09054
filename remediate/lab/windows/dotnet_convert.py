"""System.Convert and System.BitConverter, as .NET Framework 2.0-4.8 documents them.

Sources (learn.microsoft.com/dotnet/api/...): system.convert.tobase64string, system.convert.frombase64string (white
space is ignored; the length without it must be a multiple of 4; .NET 4.5 reworded both FormatException messages),
system.convert.toint32 (ToInt32(String, Int32): bases 2, 8, 10, 16, a "0x" prefix allowed in base 16, the digits are
the two's-complement bit pattern; ToInt32(Double) rounds to even), system.convert.tobyte, system.bitconverter
(little-endian on every Windows host; ToString writes "0A-1B" uppercase pairs separated by hyphens).
"""

from __future__ import annotations

import base64
import binascii
import decimal
import math
import re
import struct
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_args import (
    bytes_arg, byte_array, framework_at_least, int_arg, is_null, null_arg, out_of_range,
)
from remediate.lab.windows.dotnet_numbers import format_value, overflow, parse_double, parse_integer
from remediate.lab.windows.psexceptions import InvalidCastException
from remediate.lab.windows.refusal import NotModeled

_BITS = {"System.Byte": (8, False), "System.SByte": (8, True), "System.Int16": (16, True),
         "System.UInt16": (16, False), "System.Int32": (32, True), "System.UInt32": (32, False),
         "System.Int64": (64, True), "System.UInt64": (64, False)}
_B64_WHITE = re.compile(r"[ \t\r\n]")


def _cast(type_name: str, number: int) -> int:
    return number if type_name == "System.Int32" else clr.INT_TYPES[type_name](number)


def _in_range(type_name: str, number: int) -> int:
    bits, signed = _BITS[type_name]
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    if not low <= number <= high:
        raise overflow(type_name)
    return _cast(type_name, number)


def from_base(text: Any, base: Any, type_name: str) -> int:
    """Convert.ToXxx(String, fromBase): ParseNumbers.StringToInt's rules."""
    radix = int_arg(base)
    if radix not in (2, 8, 10, 16):
        raise clr.ArgumentException("Invalid Base.")
    if is_null(text):
        return _cast(type_name, 0)
    s = clr.to_str(text)
    if s == "":
        raise out_of_range("Index was out of range. Must be non-negative and less than the size of the "
                           "collection.", "startIndex")
    bits, signed = _BITS[type_name]
    negative = s.startswith("-")
    if negative:
        if radix != 10:
            raise clr.ArgumentException("String cannot contain a minus sign if the base is not 10.")
        s = s[1:]
    if radix == 16 and s[:2].lower() == "0x":
        s = s[2:]
    digits = 0
    while digits < len(s) and s[digits].lower() in "0123456789abcdef"[:radix]:
        digits += 1
    if digits == 0:
        raise clr.FormatException("Could not find any recognizable digits.")
    if digits < len(s):
        raise clr.FormatException("Additional non-parsable characters are at the end of the string.")
    number = int(s, radix)
    if radix != 10:
        if number >= 2**bits:
            raise overflow(type_name)
        if signed and number >= 2 ** (bits - 1):
            number -= 2**bits  # the digits are the bit pattern: "FFFFFFFF" is -1
        return _cast(type_name, number)
    return _in_range(type_name, -number if negative else number)


def to_integer(value: Any, type_name: str) -> int:
    """Convert.ToXxx(Object): strings parse (Int32.Parse rules), doubles round to even, booleans are 1/0."""
    if is_null(value):
        return _cast(type_name, 0)
    if isinstance(value, bool):
        return _cast(type_name, int(value))
    if isinstance(value, clr.Char):
        return _in_range(type_name, ord(value))
    if isinstance(value, str):
        return parse_integer(value, type_name)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise overflow(type_name)
        return _in_range(type_name, round(value))
    if isinstance(value, decimal.Decimal):
        return _in_range(type_name, int(value.to_integral_value(decimal.ROUND_HALF_EVEN)))
    if isinstance(value, clr.EnumValue):
        return _in_range(type_name, value.value)
    if isinstance(value, int):
        return _in_range(type_name, int(value))
    raise InvalidCastException(
        f"Unable to cast object of type '{clr.type_names(value)[0]}' to type 'System.IConvertible'.")


def _integer_converter(type_name: str) -> Any:
    def convert(rt: Any, value: Any, base: Any = None) -> int:
        return to_integer(value, type_name) if base is None else from_base(value, base, type_name)

    return clr.static(convert)


@clr.register
class Convert(clr.DotNetObject):
    """Statics of System.Convert (https://learn.microsoft.com/dotnet/api/system.convert)."""

    TYPE_NAME = "System.Convert"

    ToByte = _integer_converter("System.Byte")
    ToSByte = _integer_converter("System.SByte")
    ToInt16 = _integer_converter("System.Int16")
    ToUInt16 = _integer_converter("System.UInt16")
    ToInt32 = _integer_converter("System.Int32")
    ToUInt32 = _integer_converter("System.UInt32")
    ToInt64 = _integer_converter("System.Int64")
    ToUInt64 = _integer_converter("System.UInt64")

    @clr.static
    def ToBase64String(rt: Any, data: Any, offset: Any = None, length: Any = None) -> str:  # noqa: N802,N805
        raw = bytes_arg(data, "inArray")
        if offset is not None:
            start, size = int_arg(offset), int_arg(length)
            if start < 0 or size < 0:
                raise out_of_range("Value must be positive.", "offset" if start < 0 else "length")
            if start > len(raw) - size:
                raise out_of_range("Offset and length must refer to a position in the string.", "offset")
            raw = raw[start:start + size]
        return base64.b64encode(raw).decode("ascii")

    @clr.static
    def FromBase64String(rt: Any, text: Any) -> clr.TypedArray:  # noqa: N802,N805
        if is_null(text):
            raise null_arg("s")
        compact = _B64_WHITE.sub("", clr.to_str(text))
        newer = framework_at_least(rt, "4.5")
        if len(compact) % 4:
            raise clr.FormatException("Invalid length for a Base-64 char array or string." if newer
                                      else "Invalid length for a Base-64 char array.")
        try:
            return byte_array(base64.b64decode(compact, validate=True))
        except (binascii.Error, ValueError):
            raise clr.FormatException(
                "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two "
                "padding characters, or an illegal character among the padding characters." if newer
                else "Invalid character in a Base-64 string.") from None

    @clr.static
    def ToBoolean(rt: Any, value: Any) -> bool:  # noqa: N802,N805
        if is_null(value):
            return False
        if isinstance(value, str) and not isinstance(value, clr.Char):
            return clr.to_bool(value.strip())
        if isinstance(value, (bool, int, float, decimal.Decimal)) and not isinstance(value, clr.Char):
            return bool(value)
        raise InvalidCastException(
            f"Invalid cast from '{clr.type_names(value)[0]}' to 'Boolean'.")

    @clr.static
    def ToDouble(rt: Any, value: Any) -> float:  # noqa: N802,N805
        if is_null(value):
            return 0.0
        if isinstance(value, str) and not isinstance(value, clr.Char):
            return parse_double(value)
        if isinstance(value, (bool, int, float, decimal.Decimal)) and not isinstance(value, clr.Char):
            return float(value)
        raise InvalidCastException(
            f"Invalid cast from '{clr.type_names(value)[0]}' to 'Double'.")

    @clr.static
    def ToString(rt: Any, value: Any, base: Any = None) -> str:  # noqa: N802,N805
        """ToString(value) (invariant for numbers on the lab's hosts) and ToString(integer, toBase)."""
        if base is None:
            return format_value(value, None)
        radix = int_arg(base)
        if radix not in (2, 8, 10, 16):
            raise clr.ArgumentException("Invalid Base.")
        type_name = clr.type_names(value)[0]
        bits = max(_BITS.get(type_name, (32, True))[0], 8)
        number = int(value)
        if radix == 10:
            return str(number)
        if number < 0:
            number += 2**bits
        return {2: format(number, "b"), 8: format(number, "o"), 16: format(number, "x")}[radix]


_PACK = {"System.Boolean": "<?", "System.Char": "<H", "System.Int16": "<h", "System.UInt16": "<H",
         "System.Int32": "<i", "System.UInt32": "<I", "System.Int64": "<q", "System.UInt64": "<Q",
         "System.Double": "<d", "System.Single": "<f"}


def _to(type_name: str) -> Any:
    fmt = _PACK[type_name]
    size = struct.calcsize(fmt)

    def convert(rt: Any, value: Any, start: Any) -> Any:
        data = bytes_arg(value, "value")
        index = int_arg(start)
        if not 0 <= index < len(data):
            raise out_of_range("Index was out of range. Must be non-negative and less than the size of the "
                               "collection.", "startIndex")
        if index > len(data) - size:  # .NET's ThrowHelper names no parameter here
            raise clr.ArgumentException("Destination array is not long enough to copy all the items in the "
                                        "collection. Check array index and length.")
        number = struct.unpack_from(fmt, data, index)[0]
        if type_name in ("System.Boolean", "System.Double", "System.Single", "System.Int32"):
            return number
        if type_name == "System.Char":
            return clr.Char(chr(number))
        return clr.INT_TYPES[type_name](number)

    return clr.static(convert)


@clr.register
class BitConverter(clr.DotNetObject):
    """Statics of System.BitConverter (https://learn.microsoft.com/dotnet/api/system.bitconverter)."""

    TYPE_NAME = "System.BitConverter"

    IsLittleEndian = clr.static_property(lambda rt: True)
    ToBoolean = _to("System.Boolean")
    ToChar = _to("System.Char")
    ToInt16 = _to("System.Int16")
    ToUInt16 = _to("System.UInt16")
    ToInt32 = _to("System.Int32")
    ToUInt32 = _to("System.UInt32")
    ToInt64 = _to("System.Int64")
    ToUInt64 = _to("System.UInt64")
    ToDouble = _to("System.Double")

    @clr.static
    def GetBytes(rt: Any, value: Any) -> clr.TypedArray:  # noqa: N802,N805
        """The overload is the argument's type: Int32 (a plain int), UInt32, Int64, UInt64, Int16, UInt16, Boolean,
        Char, Double."""
        if isinstance(value, bool):
            type_name = "System.Boolean"
        elif isinstance(value, clr.Char):
            type_name, value = "System.Char", ord(value)
        elif isinstance(value, float):
            type_name = "System.Double"
        elif isinstance(value, int) and clr.type_names(value)[0] in _PACK:
            type_name = clr.type_names(value)[0]
        else:
            raise NotModeled(f"BitConverter.GetBytes of a {clr.type_names(value)[0]} (PowerShell's overload choice)")
        return byte_array(struct.pack(_PACK[type_name], value))

    @clr.static
    def ToString(rt: Any, value: Any, start: Any = None, length: Any = None) -> str:  # noqa: N802,N805
        data = bytes_arg(value, "value")
        if start is not None:
            index = int_arg(start)
            if index < 0 or (index >= len(data) and index > 0):
                raise out_of_range("StartIndex cannot be less than zero.", "startIndex")
            size = len(data) - index if length is None else int_arg(length)
            if size < 0:
                raise out_of_range("Value must be positive.", "length")
            if index > len(data) - size:
                raise clr.ArgumentException("Destination array is not long enough to copy all the items in the "
                                            "collection. Check array index and length.")
            data = data[index:index + size]
        return "-".join(f"{b:02X}" for b in data)
