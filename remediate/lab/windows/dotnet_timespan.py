"""System.TimeSpan, as .NET Framework 2.0-4.x documents it (https://learn.microsoft.com/dotnet/api/system.timespan):
a signed tick count; FromSeconds and the other From* methods round to whole milliseconds on .NET Framework; ToString()
is "[-][d.]hh:mm:ss[.fffffff]" (format strings are .NET 4.0 and refused); comparison by ticks.
"""

from __future__ import annotations

import functools
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_args import int_arg, is_null, out_of_range
from remediate.lab.windows.dotnet_timeformat import TICKS_PER_DAY, TICKS_PER_SECOND
from remediate.lab.windows.refusal import NotModeled

TICKS_PER_MS = 10_000


def operator(function: Any) -> staticmethod:
    """A .NET operator method (op_Addition, op_Subtraction, ...): a static `[T]::op_X(a, b)` (the interpreter passes
    its runtime first) that PowerShell's arithmetic also calls as `op_X(a, b)`; only the last two arguments count."""

    def call(*args: Any) -> Any:
        left, right = args[-2], args[-1]
        result = function(left, right)
        if result is NotImplemented:
            raise NotModeled(f"{function.__name__} of {clr.type_names(left)[0]} and {clr.type_names(right)[0]} "
                             "(PowerShell's operand conversion)")
        return result

    call.__name__ = function.__name__
    return clr.static(call)


def round_ms(value: Any, scale_ms: float) -> int:
    """DateTime.Add(double, scale): the value in whole milliseconds, rounded half away from zero."""
    number = float(value)
    millis = number * scale_ms + (0.5 if number >= 0 else -0.5)
    if number != number or not -315537897600000 < millis < 315537897600000:
        raise out_of_range("Value to add was out of range.", "value")
    return int(millis)


def interval(value: Any, scale_ms: float) -> TimeSpan:
    """TimeSpan.Interval (FromDays, FromSeconds, ...): whole milliseconds, rounded half away from zero."""
    number = float(value)
    if number != number:
        raise clr.ArgumentException("TimeSpan does not accept floating point Not-a-Number values.")
    millis = number * scale_ms + (0.5 if number >= 0 else -0.5)
    if not -(2**63) / TICKS_PER_MS <= millis <= (2**63 - 1) / TICKS_PER_MS:
        raise clr.OverflowException("TimeSpan overflowed because the duration is too long.")
    return TimeSpan(int(millis) * TICKS_PER_MS)


@functools.total_ordering
@clr.register
class TimeSpan(clr.DotNetObject):
    """System.TimeSpan: a signed tick count."""

    TYPE_NAME = "System.TimeSpan"

    def __init__(self, ticks: int) -> None:
        if not -(2**63) <= ticks < 2**63:
            raise clr.OverflowException("TimeSpan overflowed because the duration is too long.")
        self.ticks = ticks

    @classmethod
    def new(cls, rt: Any, *args: Any) -> TimeSpan:
        """TimeSpan(ticks), (hours, minutes, seconds), (days, hours, minutes, seconds[, milliseconds])."""
        numbers = [int_arg(a) if i or len(args) != 1 else clr.to_int(a, clr.Int64) for i, a in enumerate(args)]
        if len(numbers) == 1:
            return cls(numbers[0])
        if len(numbers) == 3:
            numbers = [0, *numbers, 0]
        elif len(numbers) == 4:
            numbers.append(0)
        if len(numbers) != 5:
            raise TypeError("TimeSpan takes 1, 3, 4 or 5 arguments")
        days, hours, minutes, seconds, millis = numbers
        total = (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000 + millis
        if abs(total) > 922337203685477:
            raise out_of_range("TimeSpan overflowed because the duration is too long.", None)
        return cls(total * TICKS_PER_MS)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TimeSpan) and other.ticks == self.ticks

    def __lt__(self, other: TimeSpan) -> bool:
        return self.ticks < other.ticks

    def __hash__(self) -> int:
        return hash(self.ticks)

    def __add__(self, other: TimeSpan) -> TimeSpan:
        return TimeSpan(self.ticks + other.ticks)

    def __sub__(self, other: TimeSpan) -> TimeSpan:
        return TimeSpan(self.ticks - other.ticks)

    def __neg__(self) -> TimeSpan:
        return TimeSpan(-self.ticks)

    Ticks = property(lambda self: clr.Int64(self.ticks))
    Days = property(lambda self: int(abs(self.ticks) // TICKS_PER_DAY) * (1 if self.ticks >= 0 else -1))
    Hours = property(lambda self: self._part(3600 * TICKS_PER_SECOND, 24))
    Minutes = property(lambda self: self._part(60 * TICKS_PER_SECOND, 60))
    Seconds = property(lambda self: self._part(TICKS_PER_SECOND, 60))
    Milliseconds = property(lambda self: self._part(TICKS_PER_MS, 1000))
    TotalDays = property(lambda self: self.ticks / TICKS_PER_DAY)
    TotalHours = property(lambda self: self.ticks / (3600 * TICKS_PER_SECOND))
    TotalMinutes = property(lambda self: self.ticks / (60 * TICKS_PER_SECOND))
    TotalSeconds = property(lambda self: self.ticks / TICKS_PER_SECOND)
    TotalMilliseconds = property(lambda self: self.ticks / TICKS_PER_MS)

    def _part(self, unit: int, modulo: int) -> int:
        return (abs(self.ticks) // unit % modulo) * (1 if self.ticks >= 0 else -1)

    def Add(self, other: Any) -> TimeSpan:  # noqa: N802 - .NET names
        return self + other

    def Subtract(self, other: Any) -> TimeSpan:  # noqa: N802
        return self - other

    def Negate(self) -> TimeSpan:  # noqa: N802
        return -self

    def Duration(self) -> TimeSpan:  # noqa: N802
        return TimeSpan(abs(self.ticks))

    def CompareTo(self, other: Any) -> int:  # noqa: N802
        if is_null(other):
            return 1
        if not isinstance(other, TimeSpan):
            raise clr.ArgumentException("Object must be of type TimeSpan.")
        return (self.ticks > other.ticks) - (self.ticks < other.ticks)

    def Equals(self, other: Any) -> bool:  # noqa: N802
        return self == other

    def ToString(self, fmt: Any = None, provider: Any = None) -> str:  # noqa: N802
        if fmt is not None:
            raise NotModeled("TimeSpan.ToString(format) (.NET 4.0 format strings)")
        sign = "-" if self.ticks < 0 else ""
        ticks = abs(self.ticks)
        days, rest = divmod(ticks, TICKS_PER_DAY)
        seconds, fraction = divmod(rest, TICKS_PER_SECOND)
        text = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        return sign + (f"{days}." if days else "") + text + (f".{fraction:07d}" if fraction else "")

    op_Addition = operator(lambda a, b: a + b if isinstance(b, TimeSpan) else NotImplemented)
    op_Subtraction = operator(lambda a, b: a - b if isinstance(b, TimeSpan) else NotImplemented)
    Zero = clr.static_property(lambda rt: TimeSpan(0))
    MaxValue = clr.static_property(lambda rt: TimeSpan(2**63 - 1))
    MinValue = clr.static_property(lambda rt: TimeSpan(-(2**63)))
    FromDays = clr.static(lambda rt, value: interval(value, 86_400_000))
    FromHours = clr.static(lambda rt, value: interval(value, 3_600_000))
    FromMinutes = clr.static(lambda rt, value: interval(value, 60_000))
    FromSeconds = clr.static(lambda rt, value: interval(value, 1000))
    FromMilliseconds = clr.static(lambda rt, value: interval(value, 1))
    FromTicks = clr.static(lambda rt, value: TimeSpan(clr.to_int(value, clr.Int64)))
