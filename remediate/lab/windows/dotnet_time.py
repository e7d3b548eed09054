"""System.DateTime, System.TimeSpan, DateTimeKind and DayOfWeek, as .NET Framework 2.0-4.x documents them.

Sources (learn.microsoft.com/dotnet/api/...): system.datetime (UtcNow, Now, MinValue, Ticks, Kind, Add*, which
round a double to the nearest millisecond; ToUniversalTime, ToString, ParseExact, TryParseExact, Parse, comparison
by ticks whatever the Kind), system.timespan (FromSeconds etc. round to milliseconds on .NET Framework; ToString
"[-][d.]hh:mm:ss[.fffffff]"), system.globalization.datetimestyles (AssumeUniversal, AdjustToUniversal).

The clock: a machine whose mail flow keeps a simulated clock (`machine.mail.now()`, remediate/lab/state/mail.py)
answers UtcNow from it, so that the agent's timestamps follow the lab's time; otherwise the real clock. The hosts'
local time zone is UTC (Now equals UtcNow with Kind Local).
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_args import enum_arg, int_arg, is_null, null_arg, out_of_range
from remediate.lab.windows.dotnet_culture import CultureInfo, check_provider, datetime_styles
from remediate.lab.windows.dotnet_numbers import assign_out
from remediate.lab.windows.dotnet_timeformat import (
    EN_US_STANDARD, INVARIANT_STANDARD, NOT_A_DATE, TICKS_PER_DAY, TICKS_PER_SECOND, Parts, date_to_ticks,
    days_in_month, format_arg, format_ticks, is_leap, parse_exact,
)
from remediate.lab.windows.dotnet_timespan import TICKS_PER_MS, TimeSpan, operator, round_ms
from remediate.lab.windows.refusal import NotModeled

DateTimeKind = clr.register(clr.EnumType("System.DateTimeKind", {"Unspecified": 0, "Utc": 1, "Local": 2}))
DayOfWeek = clr.register(clr.EnumType("System.DayOfWeek", {
    "Sunday": 0, "Monday": 1, "Tuesday": 2, "Wednesday": 3, "Thursday": 4, "Friday": 5, "Saturday": 6}))
MAX_TICKS = date_to_ticks(9999, 12, 31) + TICKS_PER_DAY - 1
_EPOCH = date_to_ticks(1970, 1, 1)


def _ticks_in_range(ticks: int, param: str = "value") -> int:
    if not 0 <= ticks <= MAX_TICKS:
        raise out_of_range("The added or subtracted value results in an un-representable DateTime.", param)
    return ticks


def to_python(when: DateTime) -> _dt.datetime:
    """The naive Python datetime of a DateTime (its Kind aside), for the simulations."""
    return when._to_python()


def invariant_string(when: DateTime, fmt: str | None = None) -> str:
    """`when` formatted as PowerShell converts it to a string and composite formatting does: IFormattable with
    the invariant culture ("G" is "MM/dd/yyyy HH:mm:ss")."""
    return when._invariant(fmt)


def machine_utc_ticks(rt: Any) -> int:
    """Now in UTC ticks: the machine's simulated clock if its mail flow has one, else the real clock."""
    mail = getattr(getattr(rt, "machine", None), "mail", None)
    now = mail.now() if mail is not None and callable(getattr(mail, "now", None)) else _dt.datetime.now(
        _dt.timezone.utc)
    if now.tzinfo is not None:
        now = now.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return DateTime.from_python(now, 1).ticks


@functools.total_ordering
@clr.register
class DateTime(clr.DotNetObject):
    """System.DateTime: ticks and a Kind (0 Unspecified, 1 Utc, 2 Local). Equality and order compare ticks only."""

    TYPE_NAME = "System.DateTime"

    def __init__(self, ticks: int, kind: int = 0) -> None:
        self.ticks, self.kind = _ticks_in_range(ticks, "ticks"), kind

    @classmethod
    def from_python(cls, when: _dt.datetime, kind: int) -> DateTime:
        """A DateTime from a naive Python datetime (for the simulations: event log times, file times...)."""
        return cls(date_to_ticks(when.year, when.month, when.day)
                   + ((when.hour * 60 + when.minute) * 60 + when.second) * TICKS_PER_SECOND + when.microsecond * 10,
                   kind)

    def _to_python(self) -> _dt.datetime:
        p = Parts.of(self.ticks)
        return _dt.datetime(p.year, p.month, p.day, p.hour, p.minute, p.second, p.fraction // 10)

    @classmethod
    def new(cls, rt: Any, *args: Any) -> DateTime:
        """DateTime(ticks[, kind]), (y, M, d), (y, M, d, h, m, s[, kind]), (y, M, d, h, m, s, ms[, kind])."""
        kind = 0
        if args and isinstance(args[-1], clr.EnumValue):
            kind, args = enum_arg(args[-1], DateTimeKind), args[:-1]
        if len(args) == 1:
            ticks = clr.to_int(args[0], clr.Int64)
            if not 0 <= ticks <= MAX_TICKS:
                raise out_of_range("Ticks must be between DateTime.MinValue.Ticks and DateTime.MaxValue.Ticks.",
                                   "ticks")
            return cls(ticks, kind)
        numbers = [int_arg(a) for a in args]
        if len(numbers) not in (3, 6, 7):
            raise TypeError("DateTime takes 1, 3, 6 or 7 arguments")
        year, month, day, hour, minute, second, millis = (*numbers, 0, 0, 0, 0)[:7]
        if not (1 <= year <= 9999 and 1 <= month <= 12 and 1 <= day <= days_in_month(year, month)):
            raise out_of_range("Year, Month, and Day parameters describe an un-representable DateTime.", None)
        if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60 and 0 <= millis < 1000):
            raise out_of_range("Hour, Minute, and Second parameters describe an un-representable DateTime.", None)
        ticks = date_to_ticks(year, month, day) + ((hour * 60 + minute) * 60 + second) * TICKS_PER_SECOND
        return cls(ticks + millis * TICKS_PER_MS, kind)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DateTime) and other.ticks == self.ticks

    def __lt__(self, other: DateTime) -> bool:
        if not isinstance(other, DateTime):
            return NotImplemented
        return self.ticks < other.ticks

    def __hash__(self) -> int:
        return hash(self.ticks)

    def __add__(self, other: Any) -> DateTime:
        if not isinstance(other, TimeSpan):
            return NotImplemented
        return DateTime(_ticks_in_range(self.ticks + other.ticks), self.kind)

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, DateTime):
            return TimeSpan(self.ticks - other.ticks)
        if isinstance(other, TimeSpan):
            return DateTime(_ticks_in_range(self.ticks - other.ticks), self.kind)
        return NotImplemented

    # ---- properties ------------------------------------------------------------------------------------------

    Ticks = property(lambda self: clr.Int64(self.ticks))
    Kind = property(lambda self: DateTimeKind.from_value(self.kind))
    Year = property(lambda self: Parts.of(self.ticks).year)
    Month = property(lambda self: Parts.of(self.ticks).month)
    Day = property(lambda self: Parts.of(self.ticks).day)
    Hour = property(lambda self: Parts.of(self.ticks).hour)
    Minute = property(lambda self: Parts.of(self.ticks).minute)
    Second = property(lambda self: Parts.of(self.ticks).second)
    Millisecond = property(lambda self: Parts.of(self.ticks).fraction // TICKS_PER_MS)
    DayOfWeek = property(lambda self: DayOfWeek.from_value(Parts.of(self.ticks).weekday))
    DayOfYear = property(lambda self: (self.ticks - date_to_ticks(self.Year, 1, 1)) // TICKS_PER_DAY + 1)
    Date = property(lambda self: DateTime(self.ticks - self.ticks % TICKS_PER_DAY, self.kind))
    TimeOfDay = property(lambda self: TimeSpan(self.ticks % TICKS_PER_DAY))

    # ---- methods ---------------------------------------------------------------------------------------------

    def _plus_ms(self, value: Any, scale: float) -> DateTime:
        return DateTime(_ticks_in_range(self.ticks + round_ms(value, scale) * TICKS_PER_MS), self.kind)

    def AddMilliseconds(self, value: Any) -> DateTime:  # noqa: N802
        return self._plus_ms(value, 1)

    def AddSeconds(self, value: Any) -> DateTime:  # noqa: N802
        return self._plus_ms(value, 1000)

    def AddMinutes(self, value: Any) -> DateTime:  # noqa: N802
        return self._plus_ms(value, 60_000)

    def AddHours(self, value: Any) -> DateTime:  # noqa: N802
        return self._plus_ms(value, 3_600_000)

    def AddDays(self, value: Any) -> DateTime:  # noqa: N802
        return self._plus_ms(value, 86_400_000)

    def AddTicks(self, value: Any) -> DateTime:  # noqa: N802
        return DateTime(_ticks_in_range(self.ticks + clr.to_int(value, clr.Int64)), self.kind)

    def AddMonths(self, value: Any) -> DateTime:  # noqa: N802
        months = int_arg(value)
        if not -120000 <= months <= 120000:
            raise out_of_range("Months value must be between +/-120000.", "months")
        p = Parts.of(self.ticks)
        index = p.year * 12 + p.month - 1 + months
        year, month = divmod(index, 12)
        if not 1 <= year <= 9999:
            raise out_of_range("The added or subtracted value results in an un-representable DateTime.", "months")
        day = min(p.day, days_in_month(year, month + 1))
        return DateTime(date_to_ticks(year, month + 1, day) + self.ticks % TICKS_PER_DAY, self.kind)

    def AddYears(self, value: Any) -> DateTime:  # noqa: N802
        years = int_arg(value)
        if not -10000 <= years <= 10000:
            raise out_of_range("Years value must be between +/-10000.", "years")
        return self.AddMonths(years * 12)

    def Add(self, value: Any) -> DateTime:  # noqa: N802
        return self + value

    def Subtract(self, value: Any) -> Any:  # noqa: N802
        return self - value

    def ToUniversalTime(self) -> DateTime:  # noqa: N802
        return DateTime(self.ticks, 1)  # local is UTC; an Unspecified time is taken as local

    def ToLocalTime(self) -> DateTime:  # noqa: N802
        return DateTime(self.ticks, 2)

    def ToFileTimeUtc(self) -> clr.Int64:  # noqa: N802
        file_time = self.ticks - date_to_ticks(1601, 1, 1)
        if file_time < 0:
            raise out_of_range("Not a valid Win32 FileTime.", "date")
        return clr.Int64(file_time)

    def CompareTo(self, other: Any) -> int:  # noqa: N802
        if is_null(other):
            return 1
        if not isinstance(other, DateTime):
            raise clr.ArgumentException("Object must be of type DateTime.")
        return (self.ticks > other.ticks) - (self.ticks < other.ticks)

    def Equals(self, other: Any) -> bool:  # noqa: N802
        return self == other

    def ToString(self, *args: Any) -> str:  # noqa: N802
        """ToString() is the current culture's (en-US) "G"; ToString(format[, provider]); ToString(provider)."""
        fmt, standard = "G", EN_US_STANDARD
        for arg in args:
            if isinstance(arg, CultureInfo):
                standard = INVARIANT_STANDARD if arg.Name == "" else EN_US_STANDARD
            elif arg is None:
                continue
            else:
                fmt = format_arg(arg)
        return format_ticks(self.ticks, self.kind, fmt, standard)

    def _invariant(self, fmt: str | None) -> str:
        """IFormattable.ToString(fmt, InvariantCulture): composite formatting and PowerShell's string conversion."""
        return format_ticks(self.ticks, self.kind, fmt or "G", INVARIANT_STANDARD)

    def ToShortDateString(self) -> str:  # noqa: N802
        return format_ticks(self.ticks, self.kind, "d", EN_US_STANDARD)

    def ToLongTimeString(self) -> str:  # noqa: N802
        return format_ticks(self.ticks, self.kind, "T", EN_US_STANDARD)

    # ---- statics ---------------------------------------------------------------------------------------------

    op_Addition = operator(lambda a, b: a.__add__(b))
    op_Subtraction = operator(lambda a, b: a.__sub__(b))
    UtcNow = clr.static_property(lambda rt: DateTime(machine_utc_ticks(rt), 1))
    Now = clr.static_property(lambda rt: DateTime(machine_utc_ticks(rt), 2))
    Today = clr.static_property(lambda rt: DateTime(machine_utc_ticks(rt) // TICKS_PER_DAY * TICKS_PER_DAY, 2))
    MinValue = clr.static_property(lambda rt: DateTime(0, 0))
    MaxValue = clr.static_property(lambda rt: DateTime(MAX_TICKS, 0))
    IsLeapYear = clr.static(lambda rt, year: is_leap(int_arg(year)))
    SpecifyKind = clr.static(lambda rt, value, kind: DateTime(value.ticks, enum_arg(kind, DateTimeKind)))

    @clr.static
    def DaysInMonth(rt: Any, year: Any, month: Any) -> int:  # noqa: N802,N805
        m = int_arg(month)
        if not 1 <= m <= 12:
            raise out_of_range("Month must be between one and twelve.", "month")
        return days_in_month(int_arg(year), m)

    @clr.static
    def ParseExact(rt: Any, text: Any, fmt: Any, provider: Any, styles: Any = 0) -> DateTime:  # noqa: N802,N805
        result = _parse_exact(rt, text, fmt, provider, styles)
        if result is None:
            raise clr.FormatException(NOT_A_DATE)
        return result

    @clr.static
    def TryParseExact(rt: Any, text: Any, fmt: Any, provider: Any, styles: Any, result: Any) -> bool:  # noqa: N802,N805
        """TryParseExact(s, format, provider, styles, out result): false (and MinValue) when it does not parse;
        invalid styles still throw."""
        parsed = None if is_null(text) or is_null(fmt) else _parse_exact(rt, text, fmt, provider, styles)
        if is_null(text) or is_null(fmt):
            datetime_styles(styles)
        assign_out(result, parsed if parsed is not None else DateTime(0, 0), 5)
        return parsed is not None

    @clr.static
    def Parse(rt: Any, text: Any, provider: Any = None, styles: Any = 0) -> DateTime:  # noqa: N802,N805
        result = _parse_general(rt, text, provider, styles)
        if result is None:
            raise clr.FormatException(NOT_A_DATE)
        return result

    @clr.static
    def TryParse(rt: Any, *args: Any) -> bool:  # noqa: N802,N805
        text, rest, reference = args[0], args[1:-1], args[-1]
        parsed = None if is_null(text) else _parse_general(rt, text, *rest)
        assign_out(reference, parsed if parsed is not None else DateTime(0, 0), len(args))
        return parsed is not None


def _apply_zone(ticks: int, offset: int | None, styles: int) -> DateTime:
    """DateTimeStyles after parsing: a zone (or AssumeUniversal) makes a UTC instant; AdjustToUniversal keeps it as
    Utc, otherwise it becomes Local (the hosts' zone is UTC, so only the Kind changes); AssumeLocal gives Local."""
    if offset is None and styles & 64:
        offset = 0
    if offset is None:
        return DateTime(ticks, 2 if styles & 32 else 0)
    utc = _ticks_in_range(ticks - offset * 60 * TICKS_PER_SECOND)
    if styles & 16:
        return DateTime(utc, 1)
    return DateTime(utc, 1 if styles & 128 and offset == 0 else 2)


def _parse_exact(rt: Any, text: Any, fmt: Any, provider: Any, styles: Any) -> DateTime | None:
    if is_null(text):
        raise null_arg("s")
    pattern = format_arg(fmt)
    check_provider(provider)
    flags = datetime_styles(styles)
    today = Parts.of(machine_utc_ticks(rt))
    parsed = parse_exact(clr.to_str(text), pattern, flags, (today.year, today.month, today.day))
    return None if parsed is None else _apply_zone(parsed[0], parsed[1], flags)


_GENERAL = [
    "yyyy-MM-ddTHH:mm:ss.FFFFFFFK", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mmK", "yyyy-MM-dd HH:mm:ssK",
    "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd", "M/d/yyyy", "M/d/yyyy H:mm", "M/d/yyyy H:mm:ss",
    "M/d/yyyy h:mm:ss tt", "M/d/yyyy h:mm tt", "yyyy/M/d", "yyyy/M/d H:mm:ss", "H:mm:ss", "H:mm",
]


def _parse_general(rt: Any, text: Any, provider: Any = None, styles: Any = 0) -> DateTime | None:
    """DateTime.Parse for the forms the lab meets (ISO 8601, the invariant and en-US short forms); other text that
    has digits is refused rather than guessed at, text without any is not a date."""
    if is_null(text):
        raise null_arg("s")
    check_provider(provider)
    flags = datetime_styles(styles) | 7
    raw = clr.to_str(text)
    today = Parts.of(machine_utc_ticks(rt))
    for pattern in _GENERAL:
        parsed = parse_exact(raw, pattern, flags, (today.year, today.month, today.day))
        if parsed is not None:
            return _apply_zone(parsed[0], parsed[1], flags)
    if re.search(r"[0-9]", raw):
        raise NotModeled(f"DateTime.Parse of {raw!r} (a form the lab does not parse)")
    return None
