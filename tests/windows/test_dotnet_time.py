"""DateTime and TimeSpan as .NET Framework documents them (table-driven)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from dotnet_helpers import raises, ref, runtime

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_culture import EN_US, INVARIANT, DateTimeStyles
from remediate.lab.windows.dotnet_time import DateTime, DateTimeKind, to_python
from remediate.lab.windows.dotnet_timespan import TimeSpan
from remediate.lab.windows.refusal import NotModeled

RT = runtime()
UTC_TEXT = "yyyy-MM-dd'T'HH:mm:ss'Z'"
STYLES = clr.EnumValue(DateTimeStyles, "AdjustToUniversal, AssumeUniversal", 80)


def at(*parts: int, kind: int = 0) -> DateTime:
    return DateTime.new(RT, *parts, DateTimeKind.from_value(kind))


def test_utc_now_comes_from_the_machine_clock() -> None:
    mail = SimpleNamespace(now=lambda: dt.datetime(2026, 11, 27, 20, 0, 5, tzinfo=dt.timezone.utc))
    now = DateTime.UtcNow(runtime(mail=mail))
    assert (now.Year, now.Month, now.Day, now.Hour, now.Second) == (2026, 11, 27, 20, 5)
    assert now.Kind.name == "Utc"
    assert DateTime.Now(runtime(mail=mail)).Kind.name == "Local"
    assert DateTime.UtcNow(runtime(mail=None)).Year >= 2024


FORMATS: list[tuple[DateTime, tuple[Any, ...], str]] = [
    (at(2026, 11, 27, 20, 0, 5, kind=1), (UTC_TEXT, INVARIANT), "2026-11-27T20:00:05Z"),
    (at(2026, 1, 2, 3, 4, 5, kind=1), ("yyyyMMdd'T'HHmmss'Z'", INVARIANT), "20260102T030405Z"),
    (at(2026, 1, 2, 3, 4, 5, kind=1), ("o",), "2026-01-02T03:04:05.0000000Z"),
    (at(2026, 1, 2, 3, 4, 5, kind=0), ("o",), "2026-01-02T03:04:05.0000000"),
    (at(2026, 1, 2, 3, 4, 5, kind=2), ("o",), "2026-01-02T03:04:05.0000000+00:00"),
    (at(2026, 1, 2, 13, 4, 5), (), "1/2/2026 1:04:05 PM"),
    (at(2026, 1, 2, 13, 4, 5), (INVARIANT,), "01/02/2026 13:04:05"),
    (at(2026, 1, 2, 13, 4, 5), ("G", EN_US), "1/2/2026 1:04:05 PM"),
    (at(2026, 1, 2), ("dddd, MMMM d", INVARIANT), "Friday, January 2"),
    (at(2026, 1, 2), ("s",), "2026-01-02T00:00:00"),
    (at(2026, 1, 2), ("u",), "2026-01-02 00:00:00Z"),
    (at(2026, 1, 2), ("r",), "Fri, 02 Jan 2026 00:00:00 GMT"),
    (at(2026, 1, 2), ("%d",), "2"),
]


@pytest.mark.parametrize("when, args, expected", FORMATS)
def test_to_string(when: DateTime, args: tuple[Any, ...], expected: str) -> None:
    assert when.ToString(*args) == expected


def test_bad_format() -> None:
    raises(clr.FormatException, "Input string was not in a correct format.", lambda: at(2026, 1, 1).ToString("Q"))


def test_try_parse_exact_as_the_lock_reads_expires() -> None:
    box = ref(DateTime.MinValue(RT))
    assert DateTime.TryParseExact(RT, "2026-11-27T20:10:00Z", UTC_TEXT, INVARIANT, STYLES, box)
    assert box.Value == at(2026, 11, 27, 20, 10, 0) and box.Value.Kind.name == "Utc"
    for bad in ("2026-11-27T20:10:00", "2026-02-30T20:10:00Z", "2026-11-27T20:10:00Z ", "", "x"):
        assert not DateTime.TryParseExact(RT, bad, UTC_TEXT, INVARIANT, STYLES, box)
        assert box.Value.ticks == 0
    assert not DateTime.TryParseExact(RT, None, UTC_TEXT, INVARIANT, STYLES, box)


def test_try_parse_exact_rejects_conflicting_styles() -> None:
    raises(clr.ArgumentException, "The DateTimeStyles values AssumeLocal and AssumeUniversal cannot be used "
           "together.\r\nParameter name: style",
           lambda: DateTime.TryParseExact(RT, "x", UTC_TEXT, INVARIANT, 96, ref()))


PARSE_EXACT: list[tuple[str, str, int, tuple[int, ...], str]] = [
    ("2026-11-27T20:10:00Z", "yyyy-MM-dd'T'HH:mm:ssK", 0, (2026, 11, 27, 20, 10, 0), "Local"),
    ("2026-11-27T20:10:00+02:00", "yyyy-MM-dd'T'HH:mm:ssK", 16, (2026, 11, 27, 18, 10, 0), "Utc"),
    ("2026-11-27T20:10:00", "yyyy-MM-dd'T'HH:mm:ss", 0, (2026, 11, 27, 20, 10, 0), "Unspecified"),
    ("2026-11-27T20:10:00.1234567Z", "o", 128, (2026, 11, 27, 20, 10, 0), "Utc"),
    ("Fri, 27 Nov 2026 01:02:03 GMT", "r", 0, (2026, 11, 27, 1, 2, 3), "Unspecified"),
    ("1/2/2026 1:04 PM", "M/d/yyyy h:mm tt", 0, (2026, 1, 2, 13, 4, 0), "Unspecified"),
]


@pytest.mark.parametrize("text, fmt, styles, parts, kind", PARSE_EXACT)
def test_parse_exact(text: str, fmt: str, styles: int, parts: tuple[int, ...], kind: str) -> None:
    parsed = DateTime.ParseExact(RT, text, fmt, INVARIANT, styles)
    assert parsed == at(*parts) if parsed.Millisecond == 0 else parsed.AddTicks(-1234567) == at(*parts)
    assert parsed.Kind.name == kind


def test_parse_exact_failures() -> None:
    raises(clr.FormatException, "String was not recognized as a valid DateTime.",
           lambda: DateTime.ParseExact(RT, "2026-1-27", "yyyy-MM-dd", INVARIANT))
    raises(clr.ArgumentNullException, "Value cannot be null.\r\nParameter name: s",
           lambda: DateTime.ParseExact(RT, None, "yyyy", INVARIANT))
    raises(clr.FormatException, "Format specifier was invalid.", lambda: DateTime.ParseExact(RT, "1", "", INVARIANT))


def test_parse_general_forms() -> None:
    assert DateTime.Parse(RT, "2026-11-27T20:10:00Z") == at(2026, 11, 27, 20, 10, 0)
    assert DateTime.Parse(RT, "11/27/2026 20:10:00") == at(2026, 11, 27, 20, 10, 0)
    raises(clr.FormatException, "String was not recognized as a valid DateTime.", lambda: DateTime.Parse(RT, "x"))


def test_arithmetic_and_order() -> None:
    start = at(2026, 11, 27, 20, 0, 0, kind=1)
    later = start.AddSeconds(300)
    assert later.ToString(UTC_TEXT, INVARIANT) == "2026-11-27T20:05:00Z" and later.Kind.name == "Utc"
    assert start.AddMinutes(-0.5).Second == 30
    assert start.AddSeconds(0.0004) == start and start.AddSeconds(0.0005).Millisecond == 1
    assert start < later and later - start == TimeSpan.FromMinutes(RT, 5)
    assert at(2026, 1, 31).AddMonths(1) == at(2026, 2, 28)
    assert at(2026, 1, 1, kind=1) == at(2026, 1, 1, kind=2)  # equality ignores Kind
    assert DateTime.MinValue(RT).Ticks == 0 and DateTime.MaxValue(RT).Year == 9999
    raises(clr.ArgumentOutOfRangeException, "The added or subtracted value results in an un-representable "
           "DateTime.\r\nParameter name: value", lambda: DateTime.MinValue(RT).AddSeconds(-1))
    assert at(2024, 2, 29).DayOfYear == 60 and at(2024, 2, 29).DayOfWeek.name == "Thursday"


def test_ticks_round_trip_over_the_calendar() -> None:
    for when in (dt.datetime(1, 1, 1), dt.datetime(1600, 2, 29), dt.datetime(2000, 12, 31, 23, 59, 59),
                 dt.datetime(2026, 3, 1), dt.datetime(9999, 12, 31)):
        value = DateTime.from_python(when, 0)
        assert to_python(value) == when
        assert value.Ticks == (when - dt.datetime(1, 1, 1)) // dt.timedelta(microseconds=1) * 10


TIMESPANS: list[tuple[TimeSpan, str]] = [
    (TimeSpan.new(RT, 1, 2, 3), "01:02:03"),
    (TimeSpan.new(RT, 2, 1, 2, 3, 4), "2.01:02:03.0040000"),
    (TimeSpan.FromSeconds(RT, -90), "-00:01:30"),
    (TimeSpan.FromMilliseconds(RT, 1.5), "00:00:00.0020000"),
]


@pytest.mark.parametrize("span, text", TIMESPANS)
def test_timespan_to_string(span: TimeSpan, text: str) -> None:
    assert span.ToString() == text


def test_timespan_parts() -> None:
    span = TimeSpan.new(RT, 1, 2, 3, 4, 5)
    assert (span.Days, span.Hours, span.Minutes, span.Seconds, span.Milliseconds) == (1, 2, 3, 4, 5)
    assert span.TotalHours == pytest.approx(26.0511125)
    assert TimeSpan.FromSeconds(RT, -90).Minutes == -1


def test_operator_methods_for_powershell_arithmetic() -> None:
    """PowerShell's `$a - $b` on DateTime calls op_Subtraction(a, b); `[datetime]::op_Subtraction` gets rt too."""
    start, later = at(2026, 1, 1), at(2026, 1, 1, 0, 1, 0)
    assert DateTime.op_Subtraction(later, start).TotalSeconds == 60
    assert DateTime.op_Subtraction(RT, later, start) == TimeSpan.FromMinutes(RT, 1)
    assert DateTime.op_Addition(start, TimeSpan.FromMinutes(RT, 1)) == later
    assert DateTime.op_Subtraction(later, TimeSpan.FromMinutes(RT, 1)) == start
    assert TimeSpan.op_Addition(TimeSpan.FromSeconds(RT, 1), TimeSpan.FromSeconds(RT, 2)).TotalSeconds == 3
    with pytest.raises(NotModeled):
        DateTime.op_Subtraction(later, 5)
