"""Change windows: when a host may be changed. Pure: every answer is a function of the windows and a UTC instant.

Declared in the inventory (top level, per group or per host; the most specific level wins, like `vars`):

```yaml
change_window:                       # one window, or a list of them (a host is open when any of them is)
  name: weekend-night                # optional, used in messages
  days: [fri, sat]                   # days the window OPENS on, in its own zone; default every day
  start: '22:00'                     # local wall-clock time in `timezone`
  end: '04:00'                       # an end at or before start crosses midnight; '24:00' is the end of the day
  timezone: Europe/Berlin            # an IANA name; never the workstation's zone
  exclude: [2026-12-24, 2026-12-31]  # dates whose opening is cancelled (the date the window opens on)
```

Contracts:
- `evaluate(windows, now)` takes an aware instant and works in UTC instants only: the workstation's own zone and
  the `TZ` variable play no part, so two admins in different zones get the same answer for the same moment.
- An occurrence runs from `start` on an allowed, non-excluded day to `end` on that day (or the next day when the
  window crosses midnight), both read as wall-clock times in the window's zone. Across a DST change the window
  keeps its wall-clock edges, so its length in real time changes by the shift. A wall-clock time that does not
  exist (skipped by a spring-forward) is taken as the same offset before the change, i.e. later by the gap
  (02:30 on the last Sunday of March in Berlin opens at 03:30 CEST); an ambiguous time (repeated by a fall-back)
  is its first occurrence.
- Overlapping or touching occurrences (of one window or of several) merge: a host is open until the merged
  interval ends, and the next opening is the start of the next merged interval.
- A host with no window declared is always open (`evaluate([], now).open` is True).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")
# How far ahead to look for the next opening: a year and a week covers any weekly pattern and excluded dates.
HORIZON_DAYS = 372


class ChangeWindow(BaseModel):
    """One recurring change window as written in the inventory (validated, normalised)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str | None = None
    days: tuple[str, ...] = DAYS
    start: str
    end: str
    timezone: str
    exclude: tuple[date, ...] = Field(default_factory=tuple)

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)) or not value:
            raise ValueError("expected a non-empty list of days: mon, tue, wed, thu, fri, sat, sun")
        out = []
        for day in value:
            text = str(day).strip().lower()
            if text in _FULL_DAYS:
                text = DAYS[_FULL_DAYS.index(text)]
            if text not in DAYS:
                raise ValueError(f"unknown day {day!r}; expected one of {', '.join(DAYS)}")
            if text not in out:
                out.append(text)
        return tuple(sorted(out, key=DAYS.index))

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        # Quoted in YAML or not: YAML 1.2 reads 22:00 as text. An int means a YAML 1.1 reader made it sexagesimal.
        if not isinstance(value, str) or not _TIME.match(value.strip()):
            raise ValueError("expected a time written HH:MM (00:00 to 23:59, or 24:00 as an end)")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if not _ZONE.match(value) or value.lower() == "localtime":
            raise ValueError(f"{value!r} is not an IANA time zone name (such as Europe/Berlin or UTC)")
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"unknown time zone {value!r}; expected an IANA name such as Europe/Berlin") from None
        return value

    @field_validator("exclude", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        if value is None:
            return ()
        if not isinstance(value, (list, tuple)):
            raise ValueError("expected a list of dates written YYYY-MM-DD")
        for item in value:
            if not (isinstance(item, date) or (isinstance(item, str) and _DATE.match(item))):
                raise ValueError(f"{item!r}: expected a date written YYYY-MM-DD")
        return value

    @model_validator(mode="after")
    def _edges(self) -> ChangeWindow:
        if self.start == "24:00":
            raise ValueError("start must be 00:00 to 23:59 (24:00 is only an end)")
        if self.start == self.end:
            raise ValueError(f"start and end are both {self.start}: for a whole day write start: '00:00', "
                             "end: '24:00'")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def crosses_midnight(self) -> bool:
        return self.end != "24:00" and self.end < self.start

    def describe(self) -> str:
        days = "daily" if self.days == DAYS else ",".join(self.days)
        label = f"{self.name}: " if self.name else ""
        return f"{label}{days} {self.start}-{self.end} {self.timezone}"

    def occurrences(self, first: date, last: date) -> list[tuple[datetime, datetime]]:
        """(start, end) UTC instants of every occurrence opening on a local date from `first` to `last`."""
        zone = self.zone
        excluded = set(self.exclude)
        start_t = _parse(self.start)
        out = []
        day = first
        while day <= last:
            if DAYS[day.weekday()] in self.days and day not in excluded:
                if self.end == "24:00":
                    end_day, end_t = day + timedelta(days=1), time(0, 0)
                else:
                    end_t = _parse(self.end)
                    end_day = day + timedelta(days=1) if self.crosses_midnight else day
                out.append((_instant(day, start_t, zone), _instant(end_day, end_t, zone)))
            day += timedelta(days=1)
        return out


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


# The inventory field: one window or a list of them; None when the level declares none.
WindowList = Annotated[tuple[ChangeWindow, ...] | None, BeforeValidator(_as_list)]


@dataclass(frozen=True)
class WindowState:
    """Where `now` stands. Open: `closes_at` is when the (merged) window ends. Closed: `next_opening` is when the
    next one starts, or None when none opens within the horizon (every day excluded, say). Instants are UTC."""

    open: bool
    closes_at: datetime | None = None
    next_opening: datetime | None = None
    window: ChangeWindow | None = None  # the window that holds `now` or opens next


def _parse(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    # fold=0: a skipped time takes the offset in force before the change (so it lands later by the gap); a repeated
    # time is its first occurrence. Converting to UTC here means nothing downstream ever sees a local time.
    return datetime.combine(day, wall, tzinfo=zone).astimezone(timezone.utc)


def evaluate(windows: list[ChangeWindow] | tuple[ChangeWindow, ...], now: datetime) -> WindowState:
    """Whether `now` (an aware datetime, any zone) is inside any of `windows`; no windows means always open."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("evaluate() needs an aware datetime; a naive one would be read in the machine's zone")
    if not windows:
        return WindowState(open=True)
    now = now.astimezone(timezone.utc)
    spans: list[tuple[datetime, datetime, ChangeWindow]] = []
    for window in windows:
        local_today = now.astimezone(window.zone).date()
        # From yesterday: an occurrence that opened yesterday may cross midnight into today.
        for start, end in window.occurrences(local_today - timedelta(days=1),
                                             local_today + timedelta(days=HORIZON_DAYS)):
            if end > start:  # a DST jump can swallow a one-hour window entirely
                spans.append((start, end, window))
    spans.sort(key=lambda s: (s[0], s[1]))
    merged: list[list[Any]] = []
    for start, end, window in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, window])
    for start, end, window in merged:
        if start <= now < end:
            return WindowState(open=True, closes_at=end, window=window)
        if start > now:
            return WindowState(open=False, next_opening=start, window=window)
    return WindowState(open=False)


def describe_instant(instant: datetime, window: ChangeWindow | None) -> str:
    """An instant for people: in the window's own zone, and in UTC, e.g. `Sat 2026-11-28 22:00 Europe/Berlin
    (21:00Z)`. Never in the workstation's zone."""
    utc = instant.astimezone(timezone.utc)
    if window is None:
        return utc.strftime("%a %Y-%m-%d %H:%MZ")
    local = instant.astimezone(window.zone)
    return f"{local.strftime('%a %Y-%m-%d %H:%M')} {window.timezone} ({utc.strftime('%Y-%m-%dT%H:%MZ')})"


def state_text(state: WindowState) -> str:
    """One phrase for messages: `open until ...`, `next opening ...`, or that none opens within a year."""
    if state.open:
        if state.closes_at is None:
            return "no change window declared"
        return f"open until {describe_instant(state.closes_at, state.window)}"
    if state.next_opening is None:
        return "no opening within a year"
    window = f" (window {state.window.describe()})" if state.window is not None else ""
    return f"next opening {describe_instant(state.next_opening, state.window)}{window}"
