"""PowerShell's arithmetic and bitwise operators: `+ - * / %`, `-band -bor -bxor -bnot`, `-shl -shr` (3.0).

Sources: lang-spec 6.15 "Usual arithmetic conversions", 7.2.3-7.2.5 (unary), 7.6 multiplicative, 7.7 additive,
7.8.5 shift, 7.9 bitwise (https://learn.microsoft.com/powershell/scripting/lang-spec/chapter-07), and
about_Arithmetic_Operators (5.1) "Type conversion to accommodate result": an Int32 or Int64 result that overflows
becomes a Double (`512MB * 512MB` is System.Double), Int32 with UInt32 computes in Int64, Decimal stays Decimal and
overflows with an error; a division whose quotient is not whole is a Double.

What each left operand does with `+`: `$null` gives the right operand; a string concatenates the right operand's
string form; an array (or other collection) makes a new object[] with the right operand's elements appended; a
hashtable merges another hashtable (a duplicate key is an error); a number widens.
"""

from __future__ import annotations

import decimal
import math
import operator
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.netformat import double_to_string, is_number
from remediate.lab.windows.psexceptions import DivideByZeroException, PSInvalidCastException, RuntimeException
from remediate.lab.windows.refusal import NotModeled

from remediate.lab.pwsh import typenames
from remediate.lab.pwsh.convert import cast_error, convert
from remediate.lab.pwsh.operators import require_version
from remediate.lab.pwsh.values import enum_text, parse_number, to_string

_OP_METHODS = {"+": "op_Addition", "-": "op_Subtraction", "*": "op_Multiply", "/": "op_Division",
               "%": "op_Modulus"}
_SIGNED_WIDTH = {"System.SByte": 32, "System.Byte": 32, "System.Int16": 32, "System.UInt16": 32,
                 "System.Int32": 32, "System.UInt32": 33, "System.Int64": 64, "System.UInt64": 65}


def _no_method(op: str, left: Any) -> RuntimeException:
    return RuntimeException(f"Method invocation failed because [{typenames.value_type_name(left)}] doesn't contain "
                            f"a method named '{_OP_METHODS.get(op, op)}'.", error_id="MethodNotFound")


def _numeric_operand(value: Any, other: Any, op: str, left: Any) -> Any:
    """An operand as a number (6.15): bool and char become integers, `$null` 0, a string is parsed (6.16)."""
    if value is None or value is clr.VOID:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, clr.Char):
        return int(ord(value))
    if is_number(value):
        return value
    if isinstance(value, clr.EnumValue):
        return int(value.value)
    if isinstance(value, str):
        try:
            return parse_number(value)
        except ValueError:
            target = typenames.value_type_name(other) if is_number(other) else "System.Int32"
            raise PSInvalidCastException(
                f'Cannot convert value "{value}" to type "{target}". Error: "Input string was not in a correct '
                'format."', error_id="InvalidCastFromStringToInteger") from None
    if value is not left and is_number(other):
        # a number on the left converts the right operand to its type: `1 + @(2)` cannot convert an object[]
        raise cast_error(value, typenames.value_type_name(other))
    raise _no_method(op, left)


def _int_width(value: int) -> int:
    return _SIGNED_WIDTH[getattr(value, "TYPE_NAME", "System.Int32")]


def _integer_result(number: int, width: int, unsigned64: bool) -> Any:
    """The exact integer in the operation's type, or a Double when it overflows (about_Arithmetic_Operators)."""
    if unsigned64:
        return clr.UInt64(number) if 0 <= number < 2**64 else float(number)
    if width <= 32:
        return int(number) if -(2**31) <= number < 2**31 else float(number)
    if width == 33:  # UInt32 with UInt32
        return clr.UInt32(number) if 0 <= number < 2**32 else float(number)
    return clr.Int64(number) if -(2**63) <= number < 2**63 else float(number)


def _decimal_check(number: decimal.Decimal) -> decimal.Decimal:
    if abs(number) >= decimal.Decimal(2**96):
        raise RuntimeException("Value was either too large or too small for a Decimal.",
                               clr.OverflowException("Value was either too large or too small for a Decimal."),
                               error_id="RuntimeException")
    return number


def _divide_by_zero() -> RuntimeException:
    inner = DivideByZeroException()
    return RuntimeException(inner.Message, inner, error_id="RuntimeException")


def numeric(op: str, left: Any, right: Any, original_left: Any = None) -> Any:
    """`+ - * / %` on two values after the usual arithmetic conversions (6.15)."""
    shown = left if original_left is None else original_left
    a = _numeric_operand(left, right, op, shown)
    b = _numeric_operand(right, a, op, shown)
    if isinstance(a, decimal.Decimal) or isinstance(b, decimal.Decimal):
        # A Double operand becomes a Decimal as Convert.ToDecimal(Double) does: to 15 significant digits.
        x, y = (decimal.Decimal(double_to_string(v)) if isinstance(v, float) else decimal.Decimal(v) for v in (a, b))
        with decimal.localcontext() as context:
            context.prec = 29  # System.Decimal holds 28-29 significant digits
            if op in "/%" and y == 0:
                raise _divide_by_zero()
            result = {"+": x + y, "-": x - y, "*": x * y, "/": x / y if op == "/" else x,
                      "%": x % y if op == "%" else x}[op]
        return _decimal_check(result)
    if isinstance(a, float) or isinstance(b, float):
        x, y = float(a), float(b)
        if op == "/":
            if y == 0:
                return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * math.copysign(1, y)
            return x / y
        if op == "%":
            return math.fmod(x, y) if y != 0 else math.nan
        return {"+": x + y, "-": x - y, "*": x * y}[op]
    x, y = int(a), int(b)
    widths = (_int_width(a), _int_width(b))
    signed_mixed = any(w == 33 for w in widths) and any(w in (32, 64) for w in widths)
    unsigned64 = all(w in (33, 65) for w in widths) and 65 in widths
    if 65 in widths and not unsigned64:
        raise NotModeled("arithmetic mixing UInt64 with a signed integer type")
    width = 64 if signed_mixed else max(widths)
    if op == "/":
        if y == 0:
            raise _divide_by_zero()
        if x % y == 0:
            return _integer_result(x // y, width, unsigned64)
        return x / y
    if op == "%":
        if y == 0:
            raise _divide_by_zero()
        return _integer_result(int(math.fmod(x, y)), width, unsigned64)  # sign of the dividend, as C#
    return _integer_result({"+": x + y, "-": x - y, "*": x * y}[op], width, unsigned64)


def _count(value: Any, op: str, left: Any) -> int:
    number = convert(value, "System.Int32")
    if number < 0:
        raise RuntimeException(f"Method invocation failed because [{typenames.value_type_name(left)}] doesn't "
                               f"contain a method named '{_OP_METHODS[op]}'.", error_id="MethodNotFound")
    return number


def _hashtable_add(left: clr.Hashtable, right: Any) -> clr.Hashtable:
    if not isinstance(right, clr.Hashtable):
        raise RuntimeException("A hash table can only be added to another hash table.",
                               error_id="AddHashTableToNonHashTable")
    result = left.copy()
    for key, value in right.items():
        if key in result:
            # Hashtable.Add's own ArgumentException reaches the script (about_Arithmetic_Operators shows it as
            # OperationStopped, the category of an exception that is not PowerShell's).
            existing = next(k for k in result if clr.fold_key(k) == clr.fold_key(key))
            raise clr.ArgumentException(f"Item has already been added. Key in dictionary: '{to_string(existing)}'"
                                        f"  Key being added: '{to_string(key)}'")
        result[key] = value
    return result


_INT32_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def binary(op: str, left: Any, right: Any, *, ps_version: int = 2, ofs: str = " ") -> Any:
    """`left op right` for op in `+ - * / %`, `band bor bxor`, `shl shr` (the last two PowerShell 3.0)."""
    if type(left) is int and type(right) is int and op in _INT32_OPS:
        # Two Int32s (a Python int is an Int32 in the value model): what `numeric` computes, without its walk
        # through the other operand kinds; an overflow becomes a Double.
        number = _INT32_OPS[op](left, right)
        return number if -(2**31) <= number < 2**31 else float(number)
    name = op if op in _OP_METHODS else op.lstrip("-").casefold()
    if name in ("band", "bor", "bxor", "shl", "shr"):
        require_version(name, ps_version)
        return bitwise(name, left, right)
    if name not in _OP_METHODS:
        raise NotModeled(f"binary operator {op}")
    if left is clr.VOID:
        left = None
    if right is clr.VOID:
        right = None
    if left is None and name == "+":
        return right
    if isinstance(left, str) and not isinstance(left, clr.Char):
        if name == "+":
            return left + to_string(right, ofs)
        if name == "*":
            return left * _count(right, name, left)
        return numeric(name, left, right)
    if typenames.is_enumerable(left):
        items = list(left)
        if name == "+":
            return items + (list(right) if typenames.is_enumerable(right) else [right])
        if name == "*":
            return items * _count(right, name, left)
        raise _no_method(name, left)
    if isinstance(left, clr.Hashtable):
        if name == "+":
            return _hashtable_add(left, right)
        raise _no_method(name, left)
    if isinstance(left, bool) and not is_number(right):
        raise _no_method(name, left)
    if isinstance(left, clr.EnumValue) and name in ("+", "-") and not isinstance(right, clr.EnumValue):
        # about_Arithmetic_Operators: [ConsoleColor]::Blue + 3 is Red; Blue - Red is the Int32 -3
        number = numeric(name, left, right)
        if isinstance(number, int):
            return clr.EnumValue(left.enum, enum_text(clr.EnumValue(left.enum, "", int(number))), int(number))
        return number
    if isinstance(left, clr.DotNetObject) or isinstance(left, clr.PSCustomObject):
        method = getattr(type(left), _OP_METHODS[name], None)
        if method is None:
            raise _no_method(name, left)
        return method(left, right)
    return numeric(name, left, right)


# ---- bitwise -------------------------------------------------------------------------------------------------

def _integer_operand(value: Any) -> tuple[int, int]:
    """(value, width) of a bitwise operand (7.9): numbers with a fraction and strings become Int64 when they are
    not Int32 values; enums keep their underlying value."""
    if isinstance(value, clr.EnumValue):
        return value.value, 32
    if value is None or value is clr.VOID:
        return 0, 32
    if isinstance(value, bool):
        return int(value), 32
    if isinstance(value, str) and not isinstance(value, clr.Char):
        try:
            value = parse_number(value)
        except ValueError:
            convert(value, "System.Int32")  # raises PowerShell's cast error
            raise
    if isinstance(value, (float, decimal.Decimal)):
        return int(convert(value, "System.Int64")), 64
    if isinstance(value, clr.Char):
        return ord(value), 32
    if isinstance(value, int):
        width = _int_width(value)
        if width == 65:
            raise NotModeled("bitwise operators on UInt64")
        return int(value), 64 if width > 32 else 32
    raise RuntimeException(f'The operation \'[{typenames.value_type_name(value)}] -band\' is not defined.',
                           error_id="OperatorRequiresNumber")


def _to_width(number: int, width: int) -> Any:
    bits = 2**width
    number %= bits
    if number >= bits // 2:
        number -= bits
    return int(number) if width == 32 else clr.Int64(number)


def bitwise(name: str, left: Any, right: Any) -> Any:
    """-band/-bor/-bxor (7.9): Int32 if both are Int32, else Int64; two values of one enum give that enum.
    -shl/-shr (7.8.5): the left operand's type, the count masked to 5 (Int32) or 6 (Int64) bits."""
    if isinstance(left, clr.EnumValue) and isinstance(right, clr.EnumValue) and left.enum is right.enum \
            and name in ("band", "bor", "bxor"):
        number = {"band": left.value & right.value, "bor": left.value | right.value,
                  "bxor": left.value ^ right.value}[name]
        probe = clr.EnumValue(left.enum, str(number), number)
        return clr.EnumValue(left.enum, enum_text(probe), number)
    a, width_a = _integer_operand(left)
    b, width_b = _integer_operand(right)
    if name in ("shl", "shr"):
        count = b & (31 if width_a == 32 else 63)
        return _to_width(a << count if name == "shl" else a >> count, width_a)
    width = max(width_a, width_b)
    return _to_width({"band": a & b, "bor": a | b, "bxor": a ^ b}[name], width)


def unary(op: str, value: Any, *, ps_version: int = 2) -> Any:
    """`-not`/`!` (7.2.2), `-bnot` (7.2.3), unary `+` and `-` (7.2.4-5: `0 + x`, `0 - x`)."""
    name = op.lstrip("-").casefold() if op not in ("-", "+", "!") else op
    if name in ("not", "!"):
        from remediate.lab.pwsh.values import is_true
        return not is_true(value)
    if name == "bnot":
        if isinstance(value, clr.EnumValue):
            number = ~value.value
            return clr.EnumValue(value.enum, enum_text(clr.EnumValue(value.enum, "", number)), number)
        number, width = _integer_operand(value)
        if not isinstance(value, int) or isinstance(value, bool):  # the converted value decides (7.2.3)
            width = 32 if -(2**31) <= number < 2**31 else 64
        return _to_width(~number, width)
    if name == "-":
        return numeric("-", 0, value)
    if name == "+":
        return numeric("+", 0, value)
    raise NotModeled(f"unary operator {op}")
