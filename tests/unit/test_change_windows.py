"""Change-window evaluation (remediate/change_windows.py) as tables: UTC instant in, open/closed and the edge out.

Every `now` is an explicit UTC (or other aware) instant; nothing here depends on the machine's zone, and one test
proves it by switching the process's TZ.
"""

from __future__ import annotations

import os
import time as time_module
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from remediate.change_windows import ChangeWindow, evaluate, state_text


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def win(start: str, end: str, zone: str = "Europe/Berlin", days: list[str] | None = None,
        exclude: list[str] | None = None) -> ChangeWindow:
    data: dict[str, object] = {"start": start, "end": end, "timezone": zone, "exclude": exclude or []}
    if days is not None:
        data["days"] = days
    return ChangeWindow.model_validate(data)


SAT_NIGHT = win("22:00", "04:00", days=["sat"], exclude=["2026-12-26"])  # Berlin, opens Saturday, crosses midnight
DAILY_1_TO_4 = win("01:00", "04:00")  # Berlin, every day: spans both DST changes of 2026
SKIPPED_START = win("02:30", "05:00")  # 02:30 does not exist in Berlin on 2026-03-29
TOKYO_DAY = win("09:00", "17:00", zone="Asia/Tokyo", days=["mon", "tue", "wed", "thu", "fri"])
WEEKEND = [win("00:00", "24:00", zone="UTC", days=["sat"]), win("00:00", "24:00", zone="UTC", days=["sun"])]
NEW_YORK = win("20:00", "23:00", zone="America/New_York", days=["sun"])

# (case, windows, now UTC, open, closes_at or next_opening UTC)
CASES = [
    # Midnight crossing. November: Berlin is UTC+1.
    ("before the Saturday opening", [SAT_NIGHT], "2026-11-28T20:59", False, "2026-11-28T21:00"),
    ("at the opening", [SAT_NIGHT], "2026-11-28T21:00", True, "2026-11-29T03:00"),
    ("after midnight, still Saturday's window", [SAT_NIGHT], "2026-11-29T02:59", True, "2026-11-29T03:00"),
    ("at the end: closed, next Saturday", [SAT_NIGHT], "2026-11-29T03:00", False, "2026-12-05T21:00"),
    ("Sunday night is not a Saturday", [SAT_NIGHT], "2026-11-29T21:30", False, "2026-12-05T21:00"),
    # Excluded date: the Saturday 2026-12-26 opening is cancelled; the window of the 19th still ends on the 20th.
    ("excluded Saturday", [SAT_NIGHT], "2026-12-26T22:00", False, "2027-01-02T21:00"),
    ("the week before is not excluded", [SAT_NIGHT], "2026-12-19T23:30", True, "2026-12-20T03:00"),
    ("summer: Berlin is UTC+2", [SAT_NIGHT], "2026-07-04T20:00", True, "2026-07-05T02:00"),
    # DST spring-forward, Berlin, Sunday 2026-03-29: 02:00 CET becomes 03:00 CEST; 01:00-04:00 lasts two hours.
    ("spring day before: three hours", [DAILY_1_TO_4], "2026-03-28T02:30", True, "2026-03-28T03:00"),
    ("spring-forward: opens 01:00 CET", [DAILY_1_TO_4], "2026-03-29T00:00", True, "2026-03-29T02:00"),
    ("spring-forward: 04:00 CEST is 02:00Z", [DAILY_1_TO_4], "2026-03-29T02:00", False, "2026-03-29T23:00"),
    ("skipped 02:30 opens at 03:30 CEST", [SKIPPED_START], "2026-03-29T01:15", False, "2026-03-29T01:30"),
    ("skipped start, then open", [SKIPPED_START], "2026-03-29T01:30", True, "2026-03-29T03:00"),
    # DST fall-back, Berlin, Sunday 2026-10-25: 03:00 CEST becomes 02:00 CET; 01:00-04:00 lasts four hours.
    ("fall-back: opens 01:00 CEST", [DAILY_1_TO_4], "2026-10-24T23:00", True, "2026-10-25T03:00"),
    ("fall-back: fourth hour still open", [DAILY_1_TO_4], "2026-10-25T02:30", True, "2026-10-25T03:00"),
    ("an ordinary day: 02:30Z is 04:30 CEST", [DAILY_1_TO_4], "2026-10-20T02:30", False, "2026-10-20T23:00"),
    # Another zone entirely, and US DST (second Sunday of March 2026 is the 8th).
    ("Tokyo office hours, Friday", [TOKYO_DAY], "2026-11-27T03:00", True, "2026-11-27T08:00"),
    ("Tokyo: Saturday closed until Monday", [TOKYO_DAY], "2026-11-28T03:00", False, "2026-11-30T00:00"),
    ("New York Sunday 19:30 EST: closed", [NEW_YORK], "2026-03-02T00:30", False, "2026-03-02T01:00"),
    ("same UTC time a week later is 20:30 EDT", [NEW_YORK], "2026-03-09T00:30", True, "2026-03-09T03:00"),
    # Several windows: any one opens the host; touching windows merge.
    ("Saturday and Sunday merge", WEEKEND, "2026-11-28T12:00", True, "2026-11-30T00:00"),
    ("either of two windows", [SAT_NIGHT, TOKYO_DAY], "2026-11-27T03:00", True, "2026-11-27T08:00"),
    ("the earlier next opening of two", [SAT_NIGHT, TOKYO_DAY], "2026-11-28T03:00", False, "2026-11-28T21:00"),
]


@pytest.mark.parametrize("case, windows, now, is_open, edge", CASES, ids=[c[0] for c in CASES])
def test_window_table(case: str, windows: list[ChangeWindow], now: str, is_open: bool, edge: str) -> None:
    state = evaluate(windows, utc(now))
    assert state.open is is_open
    assert (state.closes_at if is_open else state.next_opening) == utc(edge)


def test_no_window_is_always_open() -> None:
    assert evaluate([], utc("2026-11-28T12:00")).open


def test_excluded_dates_skip_openings_and_none_left_means_no_opening() -> None:
    one_excluded = win("22:00", "23:00", zone="UTC", days=["sat"], exclude=["2026-11-28"])
    state = evaluate([one_excluded], utc("2026-11-28T12:00"))
    assert not state.open and state.next_opening == utc("2026-12-05T22:00")
    saturdays = [(date(2026, 11, 28) + timedelta(weeks=n)).isoformat() for n in range(60)]
    all_excluded = win("22:00", "23:00", zone="UTC", days=["sat"], exclude=saturdays)
    state = evaluate([all_excluded], utc("2026-11-28T12:00"))
    assert not state.open and state.next_opening is None
    assert state_text(state) == "no opening within a year"


def test_same_instant_in_any_zone_gives_the_same_answer() -> None:
    instant = utc("2026-11-28T21:30")
    for zone in ("UTC", "America/Los_Angeles", "Pacific/Kiritimati", "Asia/Kolkata"):
        assert evaluate([SAT_NIGHT], instant.astimezone(ZoneInfo(zone))) == evaluate([SAT_NIGHT], instant)


def test_the_workstation_zone_plays_no_part(monkeypatch: pytest.MonkeyPatch) -> None:
    # An admin in Auckland and one in Los Angeles run at the same moment: the window's zone alone counts.
    answers = []
    for zone in ("Pacific/Auckland", "America/Los_Angeles", "UTC"):
        monkeypatch.setenv("TZ", zone)
        time_module.tzset()
        answers.append((evaluate([SAT_NIGHT], utc("2026-11-28T21:30")), state_text(evaluate(
            [SAT_NIGHT], utc("2026-11-28T20:00")))))
    monkeypatch.delenv("TZ")
    time_module.tzset()
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][1] == ("next opening Sat 2026-11-28 22:00 Europe/Berlin (2026-11-28T21:00Z) "
                             "(window sat 22:00-04:00 Europe/Berlin)")


def test_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        evaluate([SAT_NIGHT], datetime(2026, 11, 28, 22, 0))


def test_days_accept_full_names_any_case_and_keep_week_order() -> None:
    assert win("01:00", "02:00", days=["Sunday", "MON", "sat", "mon"]).days == ("mon", "sat", "sun")
    assert win("01:00", "02:00").days == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.mark.parametrize("data, message", [
    ({"start": "25:00", "end": "04:00", "timezone": "UTC"}, "HH:MM"),
    ({"start": "9:00", "end": "17:00", "timezone": "UTC"}, "HH:MM"),
    ({"start": 1320, "end": "04:00", "timezone": "UTC"}, "HH:MM"),
    ({"start": "24:00", "end": "04:00", "timezone": "UTC"}, "only an end"),
    ({"start": "22:00", "end": "22:00", "timezone": "UTC"}, "whole day"),
    ({"start": "22:00", "end": "04:00", "timezone": "Mars/Olympus"}, "unknown time zone"),
    ({"start": "22:00", "end": "04:00", "timezone": "CET+1; rm"}, "IANA"),
    ({"start": "22:00", "end": "04:00", "timezone": "localtime"}, "IANA"),
    ({"start": "22:00", "end": "04:00", "timezone": "UTC", "days": ["someday"]}, "unknown day"),
    ({"start": "22:00", "end": "04:00", "timezone": "UTC", "days": []}, "non-empty"),
    ({"start": "22:00", "end": "04:00", "timezone": "UTC", "exclude": ["24.12.2026"]}, "YYYY-MM-DD"),
    ({"start": "22:00", "end": "04:00", "timezone": "UTC", "exclude": ["2026-02-30"]}, "date"),
    ({"start": "22:00", "end": "04:00", "timezone": "UTC", "when": "always"}, "Extra inputs"),
])
def test_bad_windows_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ChangeWindow.model_validate(data)


INVENTORY = """
connection: {address: 127.0.0.1, user: admin, password: {env: REMEDIATE_TEST_PW}}
change_window: {start: '20:00', end: '06:00', timezone: UTC}
groups:
  berlin:
    hosts: [ex1, ex2]
    change_window: {days: [sat], start: '22:00', end: '04:00', timezone: Europe/Berlin, exclude: [2026-12-26]}
hosts:
  ex1: {}
  ex2:
    change_window:
      - {start: '01:00', end: '02:00', timezone: Asia/Tokyo}
      - {start: '03:00', end: '04:00', timezone: Asia/Tokyo}
  ex3: {}
"""


def test_inventory_windows_most_specific_level_wins(write) -> None:  # type: ignore[no-untyped-def]
    from remediate.inventory import load_inventory

    inventory = load_inventory(write("inventory.yaml", INVENTORY))
    assert inventory.hosts["ex1"].windows == (SAT_NIGHT,)  # the group's, not the top level's
    assert [w.start for w in inventory.hosts["ex2"].windows] == ["01:00", "03:00"]  # the host's own list
    assert inventory.hosts["ex3"].windows[0].timezone == "UTC"  # the top level's


def test_a_bad_window_in_the_inventory_names_file_line_and_field(write) -> None:  # type: ignore[no-untyped-def]
    from remediate.errors import InputError
    from remediate.inventory import load_inventory

    path = write("inventory.yaml", INVENTORY.replace("timezone: Europe/Berlin", "timezone: Europe/Berlinn"))
    with pytest.raises(InputError) as info:
        load_inventory(path)
    assert info.value.location.line == 7
    assert "groups.berlin.change_window.timezone" in str(info.value)
    assert "unknown time zone 'Europe/Berlinn'" in str(info.value)
