"""Event logs over the lab's mail state (remediate/lab/windows/eventlog.py): EventID vs InstanceId (issue 18 defect
3), Get-EventLog, Get-WinEvent -FilterHashtable and their documented "nothing found" errors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from lab_hosts import ctx_for

from remediate.lab.state.mail import INSTANCE_ID_4006
from remediate.lab.windows import clr
from remediate.lab.windows.eventlog import EventLog, get_event_log, get_win_event
from remediate.lab.windows.refusal import NotModeled

CLOCK = "2026-11-27T20:00:00Z"
NOW = datetime(2026, 11, 27, 20, 0, tzinfo=timezone.utc)


try:
    from remediate.lab.windows import dotnet_time
except ImportError:  # until the dotnet simulation lands: a stand-in with its two entry points
    import sys
    import types

    class _DateTime:
        TYPE_NAME = "System.DateTime"

        def __init__(self, moment: datetime) -> None:
            self.moment = moment

        @classmethod
        def from_python(cls, moment: datetime, kind: int) -> _DateTime:
            return cls(moment)

    dotnet_time = types.ModuleType("remediate.lab.windows.dotnet_time")
    dotnet_time.DateTime = _DateTime
    dotnet_time.to_python = lambda value: value.moment
    sys.modules["remediate.lab.windows.dotnet_time"] = dotnet_time


def since(minutes: int):
    return dotnet_time.DateTime.from_python((NOW - timedelta(minutes=minutes)).replace(tzinfo=None), 2)


def events_ctx(platform: str, *events: dict):
    return ctx_for(platform, mail={"clock": CLOCK, "events": list(events)})


E4006 = {"minutes_ago": 5, "source": "MSExchangeTransport", "event_id": 4006, "type": "Warning",
         "instance_id": INSTANCE_ID_4006}
OTHER = {"minutes_ago": 90, "source": "MSExchangeTransport", "event_id": 4006, "type": "Warning"}


def test_event_id_keeps_the_bits_above_the_code_instance_id_all_of_them():
    ctx = events_ctx("win2003-ex2003", E4006, OTHER)
    entries = get_event_log(ctx, LogName="Application", Source=["MSExchangeTransport"])
    assert [int(e.InstanceId) for e in entries] == [INSTANCE_ID_4006, 0x80000FA6]
    # .NET masks only the two severity bits: an id with the customer (or facility) bits set is not 4006.
    assert [e.EventID for e in entries] == [INSTANCE_ID_4006 & 0x3FFFFFFF, 4006]
    assert [int(e.InstanceId) & 0xFFFF for e in entries] == [4006, 4006]
    assert entries[0].EntryType.ToString() == "Warning" and ctx.errors == []


def test_generated_4006_on_2003_carries_the_lab_instance_id():
    ctx = ctx_for("win2003-ex2003")
    ctx.machine.mail.step(["a cause"], 1, legacy=True)
    (entry,) = get_event_log(ctx, LogName="Application", Newest=1)
    assert int(entry.InstanceId) == INSTANCE_ID_4006 and entry.EventID != 4006


def test_get_event_log_after_and_no_matches():
    ctx = events_ctx("win2003-ex2003", E4006, OTHER)
    assert len(get_event_log(ctx, LogName="application", Source=["MSExchange*"], After=since(60))) == 1
    assert get_event_log(ctx, LogName="Application", Source=["Nope"]) == []
    ((record),) = ctx.errors
    assert (record.error_id, record.category, str(record.exception)) == (
        "GetEventLogNoEntriesFound", "ObjectNotFound", "No matches found")
    assert get_event_log(ctx, LogName="Nope") == [] and "does not exist" in str(ctx.errors[-1].exception)


def test_event_log_exists():
    ctx = events_ctx("win2003-ex2003", {**E4006, "log": "Custom Log"})
    assert EventLog.Exists(ctx, "application") and EventLog.Exists(ctx, "Custom Log")
    assert not EventLog.Exists(ctx, "Nope") and not EventLog.Exists(ctx, "")
    assert EventLog.SourceExists(ctx, "MSExchangeTransport") and not EventLog.SourceExists(ctx, "Nope")
    assert len(EventLog.new(ctx, "Custom Log").Entries) == 1


def test_get_win_event_filter_hashtable():
    ctx = events_ctx("win2019-ex2019", E4006, OTHER)
    filter_ = clr.Hashtable([("LogName", "Application"), ("ProviderName", "MSExchangeTransport"), ("Id", 4006),
                             ("StartTime", since(60))])
    (record,) = get_win_event(ctx, FilterHashtable=filter_)
    assert (record.Id, record.Qualifiers, record.ProviderName) == (4006, INSTANCE_ID_4006 >> 16,
                                                                  "MSExchangeTransport")
    assert dotnet_time.to_python(record.TimeCreated) == (NOW - timedelta(minutes=5)).replace(tzinfo=None)
    assert len(get_win_event(ctx, FilterHashtable=clr.Hashtable([("LogName", "Application"), ("Id", 4006)]))) == 2


@pytest.mark.parametrize("table, error_id", [
    ([("LogName", "Application"), ("ProviderName", "MSExchangeTransport"), ("Id", 4006)], "NoMatchingEventsFound"),
    ([("LogName", "Nope")], "NoMatchingLogsFound"),
    ([("LogName", "Application"), ("ProviderName", "NoSuchSource")], "NoMatchingProvidersFound"),
    ([("LogName", "System"), ("ProviderName", "MSExchangeTransport")], "LogsAndProvidersDontOverlap"),
])
def test_get_win_event_nothing_found_errors(table, error_id):
    ctx = events_ctx("win2019-ex2019")
    assert get_win_event(ctx, FilterHashtable=clr.Hashtable(table)) == []
    ((record),) = ctx.errors
    assert record.error_id == error_id
    if error_id == "NoMatchingEventsFound":
        assert str(record.exception) == "No events were found that match the specified selection criteria."


def test_get_win_event_does_not_run_on_2003():
    ctx = events_ctx("win2003-ex2003")
    with pytest.raises(NotModeled):
        get_win_event(ctx, FilterHashtable=clr.Hashtable([("LogName", "Application")]))
