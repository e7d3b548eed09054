"""LanguagePrimitives.ConvertTo: what a cast `[T]$x`, a typed variable and `-as` do to a value.

Sources: the PowerShell language specification, chapter 6 "Conversions"
(https://learn.microsoft.com/powershell/scripting/lang-spec/chapter-06): 6.1 void, 6.2 bool, 6.3 char, 6.4 integer
(banker's rounding of fractions, as Convert.ToInt32(Double) documents), 6.5 float/double, 6.6 decimal, 6.7 object,
6.8 string, 6.9 arrays, 6.13 enums, 6.14/6.18 other types (a `Parse` method for a string, else a one-argument
constructor); 7.2.9 (cast) and 7.8.3 (`-as`).

A failed conversion raises PSInvalidCastException with PowerShell's message and error id; at a cast expression the
interpreter reports it as PowerShell does (the exception as the error's inner cause is the interpreter's choice).
What the lab does not model raises NotModeled, never a guess.
"""

from __future__ import annotations

import decimal
import math
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.netformat import is_number
from remediate.lab.windows.psexceptions import PSInvalidCastException
from remediate.lab.windows.refusal import NotModeled

from remediate.lab.pwsh import typenames
from remediate.lab.pwsh.values import WHITESPACE, is_true, number_text, parse_number, to_string

__all__ = ["convert", "as_type", "is_type", "resolve_type", "to_enum", "cast_error", "ConversionError"]

ConversionError = PSInvalidCastException
resolve_type = typenames.resolve
is_type = typenames.is_type

# .NET's OverflowException text for each integer type (Convert.ToXxx / checked casts).
_RANGE_NAMES = {
    "System.SByte": "a signed byte", "System.Byte": "an unsigned byte", "System.Int16": "an Int16",
    "System.UInt16": "a UInt16", "System.Int32": "an Int32", "System.UInt32": "a UInt32",
    "System.Int64": "an Int64", "System.UInt64": "a UInt64", "System.Char": "a character",
    "System.Decimal": "a Decimal",
}
_INT_RANGES = {
    "System.SByte": (-(2**7), 2**7 - 1), "System.Byte": (0, 2**8 - 1), "System.Int16": (-(2**15), 2**15 - 1),
    "System.UInt16": (0, 2**16 - 1), "System.Int32": (-(2**31), 2**31 - 1), "System.UInt32": (0, 2**32 - 1),
    "System.Int64": (-(2**63), 2**63 - 1), "System.UInt64": (0, 2**64 - 1),
}
_NULL_IS_ERROR = "Cannot convert null to type \"{0}\"."
_BAD_FORMAT = "Input string was not in a correct format."


def _quote(value: Any) -> str:
    return number_text(value) if is_number(value) else to_string(value)


def cast_error(value: Any, target: str, inner: BaseException | str | None = None,
               error_id: str = "ConvertToFinalInvalidCastException") -> PSInvalidCastException:
    """PowerShell's two message shapes: with the inner .NET error, or "Cannot convert the ... value of type"."""
    if inner is not None:
        text = inner if isinstance(inner, str) else getattr(inner, "Message", str(inner))
        message = f'Cannot convert value "{_quote(value)}" to type "{target}". Error: "{text}"'
        cause = inner if isinstance(inner, BaseException) else None
        return PSInvalidCastException(message, cause, error_id=error_id)
    # This shape quotes the value's .NET ToString(): an array shows its type name, not its elements.
    shown = typenames.value_type_name(value) if isinstance(value, list) else _quote(value)
    message = (f'Cannot convert the "{shown}" value of type "{typenames.value_type_name(value)}" to type '
               f'"{target}".')
    return PSInvalidCastException(message, error_id=error_id)


def _overflow(target: str) -> clr.DotNetException:
    return clr.OverflowException(f"Value was either too large or too small for {_RANGE_NAMES[target]}.")


# ---- numbers -------------------------------------------------------------------------------------------------

def _string_to_integer(text: str, target: str) -> int:
    """Int32Converter-style: trimmed, '' is 0, decimal or 0x hex (two's complement in the target's own width),
    else a real number rounded to even."""
    low, high = _INT_RANGES[target]
    body = text.strip(WHITESPACE)
    if body == "":
        return 0
    if body[:2] in ("0x", "0X") and all(c in "0123456789abcdefABCDEF" for c in body[2:]) and body[2:]:
        number = int(body[2:], 16)
        bits = (high - low + 1).bit_length() - 1
        if number >= 2**bits:
            raise _overflow(target)
        return number - 2**bits if low < 0 and number > high else number
    try:
        number = parse_number(body)
    except ValueError:
        raise clr.FormatException(_BAD_FORMAT) from None
    return _number_to_integer(number, target)


def _number_to_integer(number: Any, target: str) -> int:
    low, high = _INT_RANGES[target]
    if isinstance(number, float):
        if math.isnan(number) or math.isinf(number):
            raise _overflow(target)
        number = round(number)  # Python's round is round-half-to-even, as Convert.ToInt32(Double)
    elif isinstance(number, decimal.Decimal):
        number = int(number.to_integral_value(rounding=decimal.ROUND_HALF_EVEN))
    if not low <= int(number) <= high:
        raise _overflow(target)
    return int(number)


def _integer_class(target: str) -> Any:
    return int if target == "System.Int32" else clr.INT_TYPES[target]


def _to_integer(value: Any, target: str) -> int:
    cls = _integer_class(target)
    if value is None:
        return cls(0)
    if isinstance(value, bool):
        return cls(int(value))
    if isinstance(value, clr.Char):
        return _wrap(value, target, lambda: cls(_number_to_integer(ord(value), target)), "InvalidCastIConvertible")
    if isinstance(value, str):
        return _wrap(value, target, lambda: cls(_string_to_integer(value, target)),
                     "InvalidCastFromStringToInteger")
    if is_number(value):
        return _wrap(value, target, lambda: cls(_number_to_integer(value, target)), "InvalidCastIConvertible")
    if isinstance(value, clr.EnumValue):
        return _wrap(value, target, lambda: cls(_number_to_integer(value.value, target)), "InvalidCastIConvertible")
    raise cast_error(value, target)


def _wrap(value: Any, target: str, action: Any, error_id: str) -> Any:
    try:
        return action()
    except (clr.FormatException, clr.OverflowException) as error:
        raise cast_error(value, target, error, error_id) from None


def _to_double(value: Any, target: str) -> float:
    if target == "System.Single":
        raise NotModeled("conversion to System.Single (the lab has no Single value)")
    if value is None:
        return 0.0
    if isinstance(value, clr.Char):
        return float(ord(value))
    if isinstance(value, (bool, int, float, decimal.Decimal)) or isinstance(value, clr.EnumValue):
        return float(int(value) if isinstance(value, clr.EnumValue) else value)
    if isinstance(value, str):
        def parse() -> float:
            try:
                return float(parse_number(value))
            except ValueError:
                raise clr.FormatException(_BAD_FORMAT) from None
        return _wrap(value, target, parse, "InvalidCastFromStringToDoubleOrSingle")
    raise cast_error(value, target)


def _to_decimal(value: Any, target: str) -> decimal.Decimal:
    if value is None:
        return decimal.Decimal(0)
    if isinstance(value, clr.Char):
        return decimal.Decimal(ord(value))
    if isinstance(value, str):
        def parse() -> decimal.Decimal:
            try:
                number = parse_number(value)
            except ValueError:
                raise clr.FormatException(_BAD_FORMAT) from None
            if isinstance(number, float):
                body = value.strip(WHITESPACE)
                if math.isnan(number) or math.isinf(number):
                    raise _overflow(target)
                return decimal.Decimal(body)
            return decimal.Decimal(int(number))
        return _wrap(value, target, parse, "InvalidCastFromStringToDecimal")
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value) or abs(value) >= 2**96:
            raise cast_error(value, target, _overflow(target), "InvalidCastIConvertible")
        # Convert.ToDecimal(Double) keeps 15 significant digits, as Double.ToString() does.
        from remediate.lab.windows.netformat import double_to_string
        return decimal.Decimal(double_to_string(value))
    if isinstance(value, (bool, int, decimal.Decimal)):
        return decimal.Decimal(int(value)) if not isinstance(value, decimal.Decimal) else value
    if isinstance(value, clr.EnumValue):
        return decimal.Decimal(value.value)
    raise cast_error(value, target)


def _to_char(value: Any, target: str) -> clr.Char:
    if value is None:
        return clr.Char("\0")
    if isinstance(value, clr.Char):
        return value
    if isinstance(value, str):
        if len(value) == 1:
            return clr.Char(value)
        raise cast_error(value, target, "String must be exactly one character long.",
                         "InvalidCastFromStringToChar")
    if isinstance(value, (bool, float, decimal.Decimal)):
        raise cast_error(value, target, "Invalid cast from '" + typenames.value_type_name(value).split(".")[-1]
                         + "' to 'Char'.", "InvalidCastIConvertible")
    if isinstance(value, int):
        if not 0 <= value <= 0xFFFF:
            raise cast_error(value, target, _overflow(target), "InvalidCastIConvertible")
        return clr.Char(chr(value))
    raise cast_error(value, target)


# ---- enums, arrays, objects ----------------------------------------------------------------------------------

def to_enum(value: Any, enum: clr.EnumType) -> clr.EnumValue:
    """6.13: a value converted to `enum` (names case-insensitively, comma-separated names OR'd for [Flags])."""
    target = enum.TYPE_NAME
    if value is None:
        raise PSInvalidCastException(_NULL_IS_ERROR.format(target), error_id="nullToObjectInvalidCast")
    if isinstance(value, clr.EnumValue):
        if value.enum is enum:
            return value
        value = value.value
    if isinstance(value, str) and not isinstance(value, clr.Char):
        names = [part.strip(WHITESPACE) for part in value.split(",")]
        total = 0
        for name in names:
            member = enum.member(name)
            if member is None:
                if name.lstrip("-").isdigit():
                    total |= _defined_value(enum, int(name)).value
                    continue
                listing = ", ".join(enum.members)
                raise cast_error(value, target, f"Unable to match the identifier name {name} to a valid enumerator "
                                 f"name.  Specify one of the following enumerator names and try again: {listing}",
                                 "InvalidCastFromStringToEnum" if len(names) == 1 else "InvalidCastEnumFromString")
            total |= member.value
        if len(names) > 1 and not enum.flags:
            raise NotModeled(f"comma-separated names for the non-[Flags] enum {target}")
        return _enum_value(enum, total)
    if isinstance(value, int) and not isinstance(value, bool):
        return _defined_value(enum, int(value))
    raise cast_error(value, target)


def _defined_value(enum: clr.EnumType, number: int) -> clr.EnumValue:
    """An integer as an enum value. PowerShell checks that the number is defined (or, for [Flags], made of defined
    bits) where C# would not; its message for an undefined value is not modelled, so that case is refused."""
    all_bits = 0
    for value in enum.members.values():
        all_bits |= value
    if number in enum.members.values() or (enum.flags and number >= 0 and number & ~all_bits == 0):
        return _enum_value(enum, number)
    raise NotModeled(f"conversion of the undefined value {number} to the enum {enum.TYPE_NAME}")


def _enum_value(enum: clr.EnumType, number: int) -> clr.EnumValue:
    from remediate.lab.pwsh.values import enum_text
    probe = clr.EnumValue(enum, str(number), number)
    return clr.EnumValue(enum, enum_text(probe), number)


def _items(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return list(value)
    if typenames.is_enumerable(value):
        return list(value)
    return None


def _to_array(value: Any, target: str, ps_version: int, rt: Any) -> Any:
    element = target[:-2]
    if value is None:
        return None
    # A conversion to the type the value already has changes nothing (chapter 6): the same array comes back.
    if element == "System.Object" and type(value) is list:
        return value
    if isinstance(value, clr.TypedArray) and value.element_type.casefold() == element.casefold():
        return value
    items = _items(value)
    if items is None:
        if element == "System.Char" and isinstance(value, str) and not isinstance(value, clr.Char):
            items = [clr.Char(c) for c in value]
        else:
            items = [value]
    if element == "System.Object":
        return items
    converted = [convert(item, element, ps_version=ps_version, rt=rt) for item in items]
    return clr.TypedArray(element, converted)


def _to_registered(value: Any, target: str, cls: Any, rt: Any) -> Any:
    if isinstance(value, cls):
        return value
    if value is None:
        return None
    if rt is None:
        raise NotModeled(f"conversion to {target} without a runtime (pass rt=)")
    parse = getattr(cls, "Parse", None) if isinstance(value, str) else None
    try:
        if target == "System.Xml.XmlDocument" and isinstance(value, str):
            document = cls.new(rt)  # 6.10: [xml] is a new XmlDocument loaded with the string
            document.LoadXml(value)
            return document
        if callable(parse):
            return parse(rt, value)
        constructor = getattr(cls, "new", None)
        if constructor is None:
            raise cast_error(value, target)
        return constructor(rt, value)
    except clr.DotNetException as error:
        if isinstance(error, PSInvalidCastException):
            raise
        raise cast_error(value, target, error, "InvalidCastConstructorException") from None
    except TypeError:
        raise cast_error(value, target) from None


_NUMERIC = {"System.Double": _to_double, "System.Single": _to_double, "System.Decimal": _to_decimal}


def convert(value: Any, type_name: str, *, ps_version: int = 2, rt: Any = None, ofs: Any = " ") -> Any:
    """`[type_name]value` as LanguagePrimitives.ConvertTo does it (see the module docstring).

    `type_name` is what the script wrote (`int`, `System.Int32`, `string[]`, an enum's or a registered type's full
    name). `rt` (a clr.Runtime) is needed only for registered types built by constructor or `Parse` (`[regex]`,
    `[xml]`, `[adsi]`, `[datetime]` from a string). `ofs` is `$OFS` for array-to-string conversion, or a function
    that reads it (called only for a conversion to string, the one that can use it).
    """
    target, key = typenames.resolve_folded(type_name, ps_version=ps_version)
    if value is clr.VOID:
        value = None
    if key == "system.object":
        return value
    if key == "system.void":
        return clr.VOID
    if key == "system.string":
        return to_string(value, ofs if isinstance(ofs, str) else ofs())
    if key == "system.boolean":
        return is_true(value)
    if key == "system.char":
        return _to_char(value, target)
    if target in _INT_RANGES:
        return _to_integer(value, target)
    if target in _NUMERIC:
        return _NUMERIC[target](value, target)
    if key.endswith("[]"):
        return _to_array(value, target, ps_version, rt)
    if key == "system.array":
        if value is None or (isinstance(value, list) and not isinstance(value, clr.ArrayList)):
            return value
        return _items(value) if _items(value) is not None else [value]
    if key == "system.collections.hashtable":
        if value is None or isinstance(value, clr.Hashtable):
            return value
        raise cast_error(value, target)
    if key == "system.collections.arraylist":
        if value is None or isinstance(value, clr.ArrayList):
            return value
        if _items(value) is not None:
            return clr.ArrayList(_items(value))
        raise NotModeled(f"[System.Collections.ArrayList] of a {typenames.value_type_name(value)}")
    if key == typenames.SMA.casefold() + "switchparameter":
        raise NotModeled("conversion to [switch] (parameter binding is the interpreter's)")
    if key == typenames.SMA.casefold() + "psobject":
        if ps_version >= 3 and isinstance(value, clr.Hashtable) and type_name.strip().strip("[]").casefold() \
                == "pscustomobject":
            return clr.PSCustomObject(value.items())
        return value
    if key in ("system.collections.idictionary", "system.collections.ienumerable", "system.collections.ilist",
               "system.collections.icollection", "system.valuetype", "system.enum", "system.icomparable",
               "system.iformattable", "system.iconvertible"):
        if value is None or typenames.is_type(value, target, ps_version=ps_version):
            return value
        raise cast_error(value, target)
    registered = clr.TYPES.get(key)
    if isinstance(registered, clr.EnumType):
        return to_enum(value, registered)
    if isinstance(registered, type):
        return _to_registered(value, target, registered, rt)
    raise NotModeled(f"conversion to [{target}]")


def as_type(value: Any, type_name: str, *, ps_version: int = 2, rt: Any = None) -> Any:
    """`value -as [type_name]` (7.8.3): the converted value, or `$null` when the conversion fails.

    PowerShell's `-as` converts with the current culture where a cast uses the invariant one; the lab's hosts run
    en-US, where numbers read the same, so the invariant rules are used.
    """
    try:
        return convert(value, type_name, ps_version=ps_version, rt=rt)
    except (PSInvalidCastException, clr.FormatException, clr.OverflowException, clr.ArgumentException):
        return None
