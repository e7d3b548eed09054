"""System.Text.StringBuilder, as .NET Framework 2.0-4.x documents it.

Sources: https://learn.microsoft.com/dotnet/api/system.text.stringbuilder (Append's overloads return the builder
itself, which PowerShell writes to the pipeline unless voided; Append(null) appends nothing; Append(object) appends
ToString() with the current culture; AppendLine adds Environment.NewLine; Clear is .NET 4.0; the argument
exceptions of Insert, Remove, ToString(start, length) and the Length setter).
"""

from __future__ import annotations

import decimal
from typing import Any

from remediate.lab.windows import clr, netformat
from remediate.lab.windows.dotnet_args import int_arg, is_null, out_of_range
from remediate.lab.windows.dotnet_array import IndexOutOfRangeException
from remediate.lab.windows.dotnet_numbers import format_value, number_to_string

MAX_CAPACITY = 2**31 - 1


def object_text(value: Any) -> str:
    """Object.ToString() as Append(object) calls it: numbers and dates with the current (en-US) culture."""
    if type(value) is str:
        return value  # what clr.to_str gives a string, without the type walk below
    if is_null(value):
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, clr.TypedArray) and value.element_type == "System.Char":
        return "".join(value)
    if isinstance(value, (int, float, decimal.Decimal)):
        return number_to_string(value)
    if isinstance(value, list):
        return clr.type_names(value)[0]
    to_string = getattr(value, "ToString", None)
    return to_string() if callable(to_string) and not isinstance(value, str) else clr.to_str(value)


@clr.register
class StringBuilder(clr.DotNetObject):
    TYPE_NAME = "System.Text.StringBuilder"

    def __init__(self, text: str = "", capacity: int = 16) -> None:
        self._parts = [text] if text else []
        self._capacity = max(capacity, len(text))

    @classmethod
    def new(cls, rt: Any, *args: Any) -> StringBuilder:
        """StringBuilder(), (capacity), (string), (string, capacity)."""
        if not args:
            return cls()
        if len(args) == 1 and isinstance(args[0], int) and not isinstance(args[0], bool):
            capacity = int_arg(args[0])
            if capacity < 0:
                raise out_of_range("'capacity' must be greater than zero.", "capacity")
            return cls("", capacity or 16)
        text = "" if is_null(args[0]) else clr.to_str(args[0])
        capacity = int_arg(args[1]) if len(args) > 1 else 16
        if capacity < 0:
            raise out_of_range("Capacity must be positive.", "capacity")
        return cls(text, capacity or 16)

    def _text(self) -> str:
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    @property
    def Length(self) -> int:  # noqa: N802 - .NET names
        return len(self._text())

    @Length.setter
    def Length(self, value: Any) -> None:  # noqa: N802
        size = int_arg(value)
        if size < 0:
            raise out_of_range("Length cannot be less than zero.", "length")
        text = self._text()
        self._parts = [text[:size] + "\0" * max(0, size - len(text))]

    @property
    def Capacity(self) -> int:  # noqa: N802
        return max(self._capacity, self.Length)

    @property
    def MaxCapacity(self) -> int:  # noqa: N802
        return MAX_CAPACITY

    def __getitem__(self, index: Any) -> clr.Char:
        where = int_arg(index)
        text = self._text()
        if not 0 <= where < len(text):
            raise IndexOutOfRangeException("Index was outside the bounds of the array.")
        return clr.Char(text[where])

    def Append(self, value: Any = None, start: Any = None, count: Any = None) -> StringBuilder:  # noqa: N802
        """Append(value), Append(char, repeatCount), Append(string|char[], startIndex, count)."""
        if start is not None and count is None:
            if not isinstance(value, clr.Char):
                raise TypeError("Append(value, int) is Append(char, repeatCount)")
            repeat = int_arg(start)
            if repeat < 0:
                raise out_of_range("Count cannot be less than zero.", "repeatCount")
            self._parts.append(str(value) * repeat)
            return self
        text = object_text(value)
        if start is not None:
            begin, size = int_arg(start), int_arg(count)
            if is_null(value):
                if begin == 0 and size == 0:
                    return self
                raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: value")
            if begin < 0:
                raise out_of_range("Index was out of range. Must be non-negative and less than the size of the "
                                   "collection.", "startIndex")
            if size < 0:
                raise out_of_range("Count cannot be less than zero.", "count")
            if begin > len(text) - size:
                raise out_of_range("Index and count must refer to a location within the string.", "count")
            text = text[begin:begin + size]
        self._parts.append(text)
        return self

    def AppendLine(self, value: Any = None) -> StringBuilder:  # noqa: N802
        self._parts.append(object_text(value) + "\r\n")
        return self

    def AppendFormat(self, fmt: Any, *args: Any) -> StringBuilder:  # noqa: N802
        if is_null(fmt):
            raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: format")
        if len(args) == 1 and isinstance(args[0], list) and not isinstance(args[0], clr.TypedArray):
            args = tuple(args[0])
        self._parts.append(netformat.composite(clr.to_str(fmt), list(args), format_value))
        return self

    def Insert(self, index: Any, value: Any) -> StringBuilder:  # noqa: N802
        where = int_arg(index)
        text = self._text()
        if not 0 <= where <= len(text):
            raise out_of_range("Index was out of range. Must be non-negative and less than the size of the "
                               "collection.", "index")
        self._parts = [text[:where] + object_text(value) + text[where:]]
        return self

    def Remove(self, start: Any, length: Any) -> StringBuilder:  # noqa: N802
        begin, size = int_arg(start), int_arg(length)
        text = self._text()
        if size < 0:
            raise out_of_range("Length cannot be less than zero.", "length")
        if begin < 0:
            raise out_of_range("StartIndex cannot be less than zero.", "startIndex")
        if size > len(text) - begin:
            raise out_of_range("Index was out of range. Must be non-negative and less than the size of the "
                               "collection.", "index")
        self._parts = [text[:begin] + text[begin + size:]]
        return self

    def Replace(self, old: Any, new: Any, start: Any = None, count: Any = None) -> StringBuilder:  # noqa: N802
        if is_null(old):
            raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: oldValue")
        old_text, new_text = clr.to_str(old), "" if is_null(new) else clr.to_str(new)
        if old_text == "":
            raise clr.ArgumentException("String cannot be of zero length.\r\nParameter name: oldValue")
        text = self._text()
        begin = 0 if start is None else int_arg(start)
        end = len(text) if count is None else begin + int_arg(count)
        if begin < 0 or end > len(text) or end < begin:
            raise out_of_range("Index was out of range. Must be non-negative and less than the size of the "
                               "collection.", "startIndex")
        self._parts = [text[:begin] + text[begin:end].replace(old_text, new_text) + text[end:]]
        return self

    @clr.since("4.0")
    def Clear(self) -> StringBuilder:  # noqa: N802
        self._parts = []
        return self

    def EnsureCapacity(self, capacity: Any) -> int:  # noqa: N802
        wanted = int_arg(capacity)
        if wanted < 0:
            raise out_of_range("Capacity must be positive.", "capacity")
        self._capacity = max(self._capacity, wanted)
        return self.Capacity

    def ToString(self, start: Any = None, length: Any = None) -> str:  # noqa: N802
        text = self._text()
        if start is None:
            return text
        begin, size = int_arg(start), int_arg(length)
        if begin < 0:
            raise out_of_range("StartIndex cannot be less than zero.", "startIndex")
        if begin > len(text):
            raise out_of_range("startIndex cannot be larger than length of string.", "startIndex")
        if size < 0:
            raise out_of_range("Length cannot be less than zero.", "length")
        if begin > len(text) - size:
            raise out_of_range("Index and length must refer to a location within the string.", "length")
        return text[begin:begin + size]

    def Equals(self, other: Any) -> bool:  # noqa: N802
        return isinstance(other, StringBuilder) and other._text() == self._text()
