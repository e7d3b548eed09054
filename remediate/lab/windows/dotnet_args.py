"""What the pure .NET simulations share: .NET Framework's argument exceptions and method-argument conversions.

.NET Framework (2.0 to 4.8) builds an ArgumentException's Message as the message, a newline and
"Parameter name: NAME" (https://learn.microsoft.com/dotnet/api/system.argumentexception.message); .NET Core 3.0+
writes "(Parameter 'NAME')" instead, which no Windows PowerShell host shows.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.windows import clr


def arg_error(cls: type[clr.DotNetException], message: str | None, param: str | None) -> clr.DotNetException:
    """An ArgumentException (or subclass) as .NET Framework words it: message, CRLF, "Parameter name: param" (no
    second line when the exception names no parameter)."""
    text = message if message is not None else cls.default_message()
    return cls(text if param is None else f"{text}\r\nParameter name: {param}")


def null_arg(param: str) -> clr.DotNetException:
    return arg_error(clr.ArgumentNullException, "Value cannot be null.", param)


def out_of_range(message: str, param: str | None) -> clr.DotNetException:
    return arg_error(clr.ArgumentOutOfRangeException, message, param)


def is_null(value: Any) -> bool:
    return value is None or value is clr.VOID


def text_arg(value: Any, param: str, *, nullable: bool = False) -> str | None:
    """A System.String argument: `$null` stays null (ArgumentNullException unless the method allows it)."""
    if is_null(value):
        if nullable:
            return None
        raise null_arg(param)
    return clr.to_str(value)


def int_arg(value: Any) -> int:
    return clr.to_int(value)


def enum_arg(value: Any, enum: clr.EnumType) -> int:
    """An enum argument as PowerShell converts it: the enum's value, a name (or comma-separated names for a
    [Flags] enum), or a number."""
    if isinstance(value, clr.EnumValue):
        return value.value
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        total = 0
        for part in value.split(","):
            member = enum.member(part.strip())
            if member is None:
                raise clr.ArgumentException(
                    f"Requested value '{part.strip()}' was not found.")
            total |= member.value
        return total
    return clr.to_int(value)


def chars_arg(value: Any) -> list[str]:
    """A `params char[]` argument: a char, a string (PowerShell converts "ab" to its characters) or an array."""
    if is_null(value):
        return []
    if isinstance(value, str):
        return list(value)
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            text = clr.to_str(item) if not isinstance(item, int) or isinstance(item, bool) else chr(item)
            if len(text) != 1:
                raise clr.FormatException("String must be exactly one character long.")
            out.append(text)
        return out
    if isinstance(value, int) and not isinstance(value, bool):
        return [chr(value)]
    return list(clr.to_str(value))


def bytes_arg(value: Any, param: str) -> bytes:
    """A byte[] argument (a TypedArray of Byte, or any array of numbers 0-255)."""
    if is_null(value):
        raise null_arg(param)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if not isinstance(value, list):
        value = [value]
    try:
        # Integers 0-255 (what a byte[] holds) convert as they are; anything else takes the per-element
        # conversion below, which also raises .NET's errors.
        return bytes(value)
    except (TypeError, ValueError):
        pass
    return bytes(int(clr.Byte(clr.to_int(item))) for item in value)


def byte_array(data: bytes) -> clr.TypedArray:
    return clr.TypedArray("System.Byte", map(clr.BYTE_VALUES.__getitem__, data))


def string_array(items: list[str]) -> clr.TypedArray:
    return clr.TypedArray("System.String", items)


def framework_at_least(rt: Any, version: str) -> bool:
    """Whether the host's .NET Framework (`machine.framework`) is `version` or newer."""
    framework = str(getattr(getattr(rt, "machine", None), "framework", "4.7.2"))
    return tuple(map(int, version.split("."))) <= tuple(map(int, framework.split(".")))
