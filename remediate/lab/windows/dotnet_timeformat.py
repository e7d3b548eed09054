"""Date and time format strings under the invariant culture (and en-US for the culture-default ToString()):
formatting a DateTime and parsing one with ParseExact.

Sources: "Standard date and time format strings"
(https://learn.microsoft.com/dotnet/standard/base-types/standard-date-and-time-format-strings) with
DateTimeFormatInfo.InvariantInfo's patterns, "Custom date and time format strings"
(https://learn.microsoft.com/dotnet/standard/base-types/custom-date-and-time-format-strings), and
DateTime.ParseExact (https://learn.microsoft.com/dotnet/api/system.datetime.parseexact): in ParseExact "yyyy", "MM",
"dd", "HH", "mm", "ss" take exactly that many digits and "M", "d", "H", "m", "s", "h" one or two; quoted text must
match exactly.

Times are ticks (100 ns since 0001-01-01). The simulated hosts' local time zone is UTC (offset +00:00).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from remediate.lab.windows import clr

TICKS_PER_SECOND = 10_000_000
TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND
BAD_FORMAT = "Input string was not in a correct format."
NOT_A_DATE = "String was not recognized as a valid DateTime."
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_CUMULATIVE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365]

# Standard formats of the invariant culture (DateTimeFormatInfo.InvariantInfo), and en-US where it differs.
INVARIANT_STANDARD = {
    "d": "MM/dd/yyyy", "D": "dddd, dd MMMM yyyy", "f": "dddd, dd MMMM yyyy HH:mm", "F": "dddd, dd MMMM yyyy HH:mm:ss",
    "g": "MM/dd/yyyy HH:mm", "G": "MM/dd/yyyy HH:mm:ss", "m": "MMMM dd", "M": "MMMM dd",
    "o": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK", "O": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
    "r": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'", "R": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "s": "yyyy'-'MM'-'dd'T'HH':'mm':'ss", "t": "HH:mm", "T": "HH:mm:ss", "u": "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
    "U": "dddd, dd MMMM yyyy HH:mm:ss", "y": "yyyy MMMM", "Y": "yyyy MMMM",
}
EN_US_STANDARD = {**INVARIANT_STANDARD, "d": "M/d/yyyy", "D": "dddd, MMMM d, yyyy", "f": "dddd, MMMM d, yyyy h:mm tt",
                  "F": "dddd, MMMM d, yyyy h:mm:ss tt", "g": "M/d/yyyy h:mm tt", "G": "M/d/yyyy h:mm:ss tt",
                  "m": "MMMM d", "M": "MMMM d", "t": "h:mm tt", "T": "h:mm:ss tt", "U": "dddd, MMMM d, yyyy h:mm:ss tt",
                  "y": "MMMM, yyyy", "Y": "MMMM, yyyy"}


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    return _CUMULATIVE[month] - _CUMULATIVE[month - 1] + (1 if month == 2 and is_leap(year) else 0)


def date_to_ticks(year: int, month: int, day: int) -> int:
    y = year - 1
    days = y * 365 + y // 4 - y // 100 + y // 400 + _CUMULATIVE[month - 1] + day - 1
    if month > 2 and is_leap(year):
        days += 1
    return days * TICKS_PER_DAY


def ticks_to_date(ticks: int) -> tuple[int, int, int]:
    """(year, month, day) of a tick count, by DateTime.GetDatePart's 400/100/4/1-year cycles."""
    n = ticks // TICKS_PER_DAY
    y400, n = divmod(n, 146097)
    y100 = min(n // 36524, 3)
    n -= y100 * 36524
    y4, n = divmod(n, 1461)
    y1 = min(n // 365, 3)
    n -= y1 * 365
    year = y400 * 400 + y100 * 100 + y4 * 4 + y1 + 1
    leap = is_leap(year)
    month = 1
    while n >= _CUMULATIVE[month] + (1 if leap and month >= 2 else 0):
        month += 1
    return year, month, n - _CUMULATIVE[month - 1] - (1 if leap and month > 2 else 0) + 1


@dataclass(frozen=True)
class Parts:
    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    fraction: int  # ticks within the second
    weekday: int  # 0 = Sunday

    @classmethod
    def of(cls, ticks: int) -> Parts:
        year, month, day = ticks_to_date(ticks)
        within = ticks % TICKS_PER_DAY
        seconds, fraction = divmod(within, TICKS_PER_SECOND)
        return cls(year, month, day, seconds // 3600, seconds // 60 % 60, seconds % 60, fraction,
                   (ticks // TICKS_PER_DAY + 1) % 7)


_TOKEN = re.compile(r"'[^']*'?|\"[^\"]*\"?|\\.|%.|([dfFghHKmMstyz])\1*|.", re.S)


def tokens(fmt: str) -> list[str]:
    # "%d" is the custom specifier "d" in a one-character format.
    out = [m.group()[1:] if m.group()[0] == "%" else m.group() for m in _TOKEN.finditer(fmt)]
    if "" in out:
        raise clr.FormatException(BAD_FORMAT)
    for token in out:
        if token[0] in "'\"" and (len(token) < 2 or token[-1] != token[0]):
            raise clr.FormatException(f"Cannot find a matching quote character for the character '{token[0]}'.")
    return out


def expand(fmt: str, standard: dict[str, str]) -> str:
    """A one-character format is a standard format (or an error); longer ones are custom."""
    if len(fmt) == 1:
        if fmt not in standard:
            raise clr.FormatException(BAD_FORMAT)
        return standard[fmt]
    return fmt


def format_ticks(ticks: int, kind: int, fmt: str, standard: dict[str, str]) -> str:
    """DateTime.ToString(fmt): `kind` 0 Unspecified, 1 Utc, 2 Local (the local zone is UTC)."""
    p = Parts.of(ticks)
    out = []
    for token in tokens(expand(fmt, standard)):
        c, n = token[0], len(token)
        if c in "'\"":
            out.append(token[1:-1])
        elif c == "\\":
            out.append(token[1])
        elif c == "d":
            out.append(f"{p.day:0{n}d}" if n <= 2 else (DAYS[p.weekday][:3] if n == 3 else DAYS[p.weekday]))
        elif c == "M":
            out.append(f"{p.month:0{n}d}" if n <= 2 else (MONTHS[p.month - 1][:3] if n == 3 else MONTHS[p.month - 1]))
        elif c == "y":
            out.append(f"{p.year % 100:0{n}d}" if n <= 2 else f"{p.year:0{n}d}")
        elif c in "hH":
            hour = p.hour if c == "H" else (p.hour % 12 or 12)
            out.append(f"{hour:0{min(n, 2)}d}")
        elif c == "m":
            out.append(f"{p.minute:0{min(n, 2)}d}")
        elif c == "s":
            out.append(f"{p.second:0{min(n, 2)}d}")
        elif c in "fF":
            if n > 7:
                raise clr.FormatException(BAD_FORMAT)
            digits = f"{p.fraction:07d}"[:n]
            out.append(digits if c == "f" else digits.rstrip("0"))
        elif c == "t":
            out.append(("AM" if p.hour < 12 else "PM")[:n if n < 2 else 2])
        elif c == "K":
            out.append({0: "", 1: "Z", 2: "+00:00"}[kind])
        elif c == "z":
            out.append("+0" if n == 1 else "+00" if n == 2 else "+00:00")
        elif c == "g":
            out.append("A.D.")
        else:
            out.append(token)
    return "".join(out)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text, self.i = text, 0

    def digits(self, low: int, high: int) -> int | None:
        start = self.i
        while self.i < len(self.text) and self.i - start < high and self.text[self.i] in "0123456789":
            self.i += 1
        if self.i - start < low:
            return None
        return int(self.text[start:self.i])

    def word(self, names: list[str]) -> int | None:
        for index, name in sorted(enumerate(names), key=lambda item: -len(item[1])):
            if self.text[self.i:self.i + len(name)].casefold() == name.casefold():
                self.i += len(name)
                return index
        return None

    def literal(self, text: str) -> bool:
        if self.text.startswith(text, self.i):
            self.i += len(text)
            return True
        return False


def parse_exact(text: str, fmt: str, styles: int, today: tuple[int, int, int]) -> tuple[int, int | None] | None:
    """ParseExact: (ticks as written, zone offset in minutes or None) or None when the text does not match."""
    if styles & 1:
        text = text.lstrip(" \t\n\v\f\r")
    if styles & 2:
        text = text.rstrip(" \t\n\v\f\r")
    text = text.rstrip("\0")
    r = _Reader(text)
    year = month = day = None
    hour = minute = second = fraction = 0
    pm: bool | None = None
    twelve = False
    offset: int | None = None
    weekday: int | None = None
    for token in tokens(expand(fmt, INVARIANT_STANDARD)):
        if styles & 4:
            while r.i < len(text) and text[r.i] in " \t" and token[0] != " ":
                r.i += 1
        c, n = token[0], len(token)
        value: int | None = 0
        if c in "'\"":
            value = 0 if r.literal(token[1:-1]) else None
        elif c == "\\":
            value = 0 if r.literal(token[1]) else None
        elif c == "y":
            value = year = r.digits(1, 2) if n == 1 else r.digits(n, n)
            if year is not None and n <= 2:
                year += 2000 if year < 30 else 1900  # Gregorian TwoDigitYearMax 2029
        elif c == "M":
            value = month = (r.digits(1, 2) if n == 1 else r.digits(2, 2)) if n <= 2 else (
                None if (w := r.word([m[:3] if n == 3 else m for m in MONTHS])) is None else w + 1)
        elif c == "d":
            if n <= 2:
                value = day = r.digits(1, 2) if n == 1 else r.digits(2, 2)
            else:
                value = weekday = r.word([d[:3] if n == 3 else d for d in DAYS])
        elif c in "hH":
            value = hour = r.digits(1, 2) if n == 1 else r.digits(2, 2)
            twelve = c == "h"
        elif c == "m":
            value = minute = r.digits(1, 2) if n == 1 else r.digits(2, 2)
        elif c == "s":
            value = second = r.digits(1, 2) if n == 1 else r.digits(2, 2)
        elif c in "fF":
            start = r.i
            value = r.digits(n if c == "f" else 0, n)
            if value is not None:
                fraction = int((text[start:r.i] + "0000000")[:7])
        elif c == "t":
            found = r.word(["AM", "PM"] if n > 1 else ["A", "P"])
            value, pm = found, found == 1 if found is not None else None
        elif c in "Kz":
            if c == "K" and r.literal("Z"):
                offset = 0
            else:
                sign_at = r.i
                if r.i < len(text) and text[r.i] in "+-":
                    r.i += 1
                    hours = r.digits(1, 2)
                    minutes = r.digits(2, 2) if (r.literal(":") or n < 3) and hours is not None else 0
                    if hours is None or minutes is None:
                        return None
                    offset = (hours * 60 + minutes) * (-1 if text[sign_at] == "-" else 1)
                elif c == "z":
                    return None
        else:
            value = 0 if r.literal(token) else None
        if value is None:
            return None
    if r.i != len(text):
        return None
    if twelve and pm is not None:
        hour = hour % 12 + (12 if pm else 0)
    if year is None and month is None and day is None and not styles & 8:
        year, month, day = today
    year, month, day = year or 1, month or 1, day or 1
    if not (1 <= year <= 9999 and 1 <= month <= 12 and 1 <= day <= days_in_month(year, month) and hour < 24
            and minute < 60 and second < 60):
        return None
    ticks = date_to_ticks(year, month, day) + ((hour * 60 + minute) * 60 + second) * TICKS_PER_SECOND + fraction
    if weekday is not None and (ticks // TICKS_PER_DAY + 1) % 7 != weekday:
        return None
    return ticks, offset


def format_arg(value: Any) -> str:
    if value is None or value is clr.VOID:
        raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: format")
    text = clr.to_str(value)
    if text == "":
        raise clr.FormatException("Format specifier was invalid.")
    return text
