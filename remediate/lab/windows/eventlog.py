"""Event logs over the lab host's `machine.mail` (its Application/System/Security logs): Get-EventLog,
System.Diagnostics.EventLog and EventLogEntry, Get-WinEvent -FilterHashtable and EventLogRecord.

Documents: "EventLogEntry.EventID" (learn.microsoft.com/dotnet/api/system.diagnostics.eventlogentry.eventid: the
identifier with the top two bits masked off) and "EventLogEntry.InstanceId" (the full 32-bit resource identifier);
"Event Identifiers" (learn.microsoft.com/windows/win32/eventlog/event-identifiers); "EventLog.Exists",
"EventLog.SourceExists"; Get-EventLog (learn.microsoft.com/powershell/module/microsoft.powershell.management/
get-eventlog: -After takes entries generated after the time; entries come newest first; nothing matching is the
non-terminating error "No matches found", id GetEventLogNoEntriesFound); Get-WinEvent (.../microsoft.powershell.
diagnostics/get-winevent: -FilterHashtable keys LogName, ProviderName, Id, Level, StartTime, EndTime; Windows Vista
and later only; the ids NoMatchingEventsFound "No events were found that match the specified selection criteria.",
NoMatchingLogsFound, NoMatchingProvidersFound). For a classic entry, Get-WinEvent's Id is the low 16 bits of the
identifier and Qualifiers the high 16 ("EventLogRecord.Qualifiers").

Times: the lab's entries are stamped in UTC on the host's clock; the hosts' local zone is UTC. DateTime values are
the dotnet simulation's System.DateTime (dotnet_time.py: `DateTime.from_python`, `to_python`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from remediate.lab.state.mail import TIME_FORMAT, Event
from remediate.lab.windows import clr
from remediate.lab.windows.clr import DotNetObject, EnumType, ErrorRecord, Hashtable, Param, cmdlet, register, static
from remediate.lab.windows.refusal import NotModeled
from remediate.lab.windows.wildcard import wildcard

EventLogEntryType = register(EnumType("System.Diagnostics.EventLogEntryType", {
    "Error": 1, "Warning": 2, "Information": 4, "SuccessAudit": 8, "FailureAudit": 16}))
_LEVELS = {"Error": 2, "Warning": 3, "Information": 4}  # StandardEventLevel of a classic entry's type


def _time_module() -> Any:
    try:
        from remediate.lab.windows import dotnet_time  # the dotnet simulation's System.DateTime (same layer)
    except ImportError:  # pragma: no cover - only before the dotnet simulation exists
        raise NotModeled("System.DateTime", "remediate/lab/windows/dotnet_time.py is not there") from None
    return dotnet_time


def to_datetime(utc_text: str) -> Any:
    """An entry's time as a System.DateTime of Kind Local (the hosts' local zone is UTC)."""
    moment = datetime.strptime(utc_text, TIME_FORMAT)
    return _time_module().DateTime.from_python(moment, 2)


def from_datetime(value: Any, name: str) -> datetime:
    """A DateTime argument as an aware UTC datetime (local time is UTC on the lab's hosts)."""
    module = _time_module()
    if not isinstance(value, module.DateTime):
        raise NotModeled(f"{name} given as {type(value).__name__}", "a System.DateTime is expected")
    return module.to_python(value).replace(tzinfo=timezone.utc)


def _moment(event: Event) -> datetime:
    return datetime.strptime(event.time, TIME_FORMAT).replace(tzinfo=timezone.utc)


@register
class EventLogEntry(DotNetObject):
    """System.Diagnostics.EventLogEntry: one classic entry."""

    TYPE_NAME = "System.Diagnostics.EventLogEntry"

    def __init__(self, event: Event, index: int) -> None:
        self._event = event
        self.Index = index
        self.Source = event.source
        self.Message = event.message
        self.Category = event.category
        self.MachineName = "."
        self.UserName = None

    @property
    def InstanceId(self) -> clr.Int64:  # noqa: N802 - .NET names
        return clr.Int64(self._event.full_id)

    @property
    def EventID(self) -> int:  # noqa: N802
        masked = self._event.full_id & 0x3FFFFFFF
        return masked  # the two severity bits removed: what .NET documents, facility and customer bits stay

    @property
    def EntryType(self) -> Any:  # noqa: N802
        return EventLogEntryType.member(self._event.type) or EventLogEntryType.member("Information")

    @property
    def TimeGenerated(self) -> Any:  # noqa: N802
        return to_datetime(self._event.time)

    @property
    def TimeWritten(self) -> Any:  # noqa: N802
        return to_datetime(self._event.time)

    def ToString(self) -> str:  # noqa: N802
        return self.TYPE_NAME


@register
class EventLogRecord(DotNetObject):
    """System.Diagnostics.Eventing.Reader.EventLogRecord as Get-WinEvent returns it for a classic entry."""

    TYPE_NAME = "System.Diagnostics.Eventing.Reader.EventLogRecord"

    def __init__(self, event: Event, record_id: int) -> None:
        self._event = event
        self.Id = event.full_id & 0xFFFF
        self.Qualifiers = event.full_id >> 16
        self.ProviderName = event.source
        self.LogName = event.log
        self.Message = event.message
        self.RecordId = clr.Int64(record_id)
        self.Level = clr.Byte(_LEVELS.get(event.type, 4))
        self.LevelDisplayName = event.type
        self.MachineName = "localhost"

    @property
    def TimeCreated(self) -> Any:  # noqa: N802
        return to_datetime(self._event.time)


def _log_name(machine: Any, name: str) -> str | None:
    return next((n for n in machine.mail.log_names() if n.casefold() == name.casefold()), None)


@register
class EventLog(DotNetObject):
    """System.Diagnostics.EventLog: the statics Exists and SourceExists, and a log's Entries."""

    TYPE_NAME = "System.Diagnostics.EventLog"

    def __init__(self, machine: Any, log: str) -> None:
        self._machine = machine
        self.Log = log

    @classmethod
    def new(cls, rt: Any, log: Any = None, *machine_name: Any) -> EventLog:
        if machine_name and clr.to_str(machine_name[0]) not in (".", ""):
            raise NotModeled("EventLog on another computer")
        return cls(rt.machine, clr.to_str(log))

    @static
    def Exists(rt: Any, log: Any, *machine_name: Any) -> bool:  # noqa: N802,N805
        name = clr.to_str(log)
        return bool(name) and _log_name(rt.machine, name) is not None

    @static
    def SourceExists(rt: Any, source: Any, *machine_name: Any) -> bool:  # noqa: N802,N805
        return _provider_logs(rt.machine, clr.to_str(source)) != []

    @property
    def Entries(self) -> list[EventLogEntry]:  # noqa: N802
        name = _log_name(self._machine, self.Log)
        if name is None:
            raise clr.InvalidOperationException(f"The event log '{self.Log}' on computer '.' does not exist.")
        return [EventLogEntry(e, i + 1) for i, e in enumerate(self._machine.mail.entries(name))]

    def Close(self) -> Any:  # noqa: N802
        return clr.VOID

    def Dispose(self) -> Any:  # noqa: N802
        return clr.VOID


def _provider_logs(machine: Any, source: str) -> list[str]:
    """The logs a source is registered for (HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\<log>\\<source>): those
    it has written to, and Application for MSExchangeTransport wherever Exchange is installed."""
    logs = [n for n in machine.mail.log_names()
            if any(e.source.casefold() == source.casefold() for e in machine.mail.entries(n))]
    if source.casefold() == "msexchangetransport" and getattr(machine, "exchange_version", None) and \
            "Application" not in logs:
        logs.append("Application")
    return logs


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@cmdlet("Get-EventLog", Param("LogName", "System.String", position=0, aliases=("LN",)),
        Param("InstanceId", "System.Int64[]", position=1), Param("Source", "System.String[]", aliases=("ABO",)),
        Param("After", "System.DateTime"), Param("Before", "System.DateTime"), Param("Newest", "System.Int32"),
        Param("EntryType", "System.String[]", aliases=("ET",)), Param("Index", "System.Int32[]"),
        Param("UserName", "System.String[]", aliases=("UN",)), Param("Message", "System.String", aliases=("MSG",)),
        Param("ComputerName", "System.String[]", aliases=("Cn",)),
        Param("List", "System.Management.Automation.SwitchParameter"),
        Param("AsString", "System.Management.Automation.SwitchParameter"),
        Param("AsBaseObject", "System.Management.Automation.SwitchParameter"), module="Microsoft.PowerShell.Management")
def get_event_log(ctx: Any, **bound: Any) -> list[Any]:
    """Get-EventLog -LogName [-Source] [-After] [-Before] [-InstanceId] [-Newest]: classic entries, newest first."""
    for name in ("EntryType", "Index", "UserName", "Message", "ComputerName", "List", "AsString"):
        if name in bound:
            raise NotModeled(f"Get-EventLog -{name}")
    if "LogName" not in bound:
        raise NotModeled("Get-EventLog without -LogName (it prompts)")
    asked = clr.to_str(bound["LogName"])
    log = _log_name(ctx.machine, asked)
    if log is None:
        ctx.write_error(ErrorRecord(clr.InvalidOperationException(f"The event log '{asked}' on computer '.' does not "
                                                                  "exist."),
                                    "System.InvalidOperationException", "NotSpecified", None))
        return []
    entries = [EventLogEntry(e, i + 1) for i, e in enumerate(ctx.machine.mail.entries(log))][::-1]
    sources = [wildcard(clr.to_str(s)) for s in _list(bound.get("Source"))]
    ids = [int(clr.to_int(i, clr.Int64)) for i in _list(bound.get("InstanceId"))]
    after = from_datetime(bound["After"], "-After") if "After" in bound else None
    before = from_datetime(bound["Before"], "-Before") if "Before" in bound else None
    found = [entry for entry in entries
             if (not sources or any(p.fullmatch(entry.Source) for p in sources))
             and (not ids or int(entry.InstanceId) in ids)
             and (after is None or _moment(entry._event) > after)
             and (before is None or _moment(entry._event) < before)]
    if "Newest" in bound:
        found = found[:clr.to_int(bound["Newest"])]
    if not found:
        ctx.write_error(ErrorRecord(clr.ArgumentException("No matches found"), "GetEventLogNoEntriesFound",
                                    "ObjectNotFound", None))
    return found


_FILTER_KEYS = {"logname", "providername", "id", "level", "starttime", "endtime"}


def _no_events(ctx: Any, message: str, error_id: str) -> list[Any]:
    ctx.write_error(ErrorRecord(clr.DotNetException(message), error_id, "ObjectNotFound", None))
    return []


@cmdlet("Get-WinEvent", Param("LogName", "System.String[]", position=0),
        Param("FilterHashtable", "System.Collections.Hashtable[]", position=0),
        Param("ProviderName", "System.String[]"), Param("MaxEvents", "System.Int64"),
        Param("FilterXPath", "System.String"), Param("FilterXml", "System.Xml.XmlDocument"),
        Param("ListLog", "System.String[]"), Param("ListProvider", "System.String[]"),
        Param("Path", "System.String[]"), Param("ComputerName", "System.String"),
        Param("Oldest", "System.Management.Automation.SwitchParameter"),
        Param("Force", "System.Management.Automation.SwitchParameter"),
        module="Microsoft.PowerShell.Diagnostics", since="2.0")
def get_win_event(ctx: Any, **bound: Any) -> list[Any]:
    """Get-WinEvent -FilterHashtable @{LogName; ProviderName; Id; Level; StartTime; EndTime} [-MaxEvents]."""
    if int(str(ctx.machine.os_version).split(".")[0]) < 6:
        raise NotModeled("Get-WinEvent on Windows before Vista/Server 2008", "its event log API does not exist")
    unsupported = [n for n in bound if n not in ("FilterHashtable", "MaxEvents")]
    if unsupported or "FilterHashtable" not in bound:
        raise NotModeled("Get-WinEvent without -FilterHashtable or with -" + ", -".join(unsupported or ["(none)"]))
    tables = _list(bound["FilterHashtable"])
    if len(tables) != 1 or not isinstance(tables[0], Hashtable):
        raise NotModeled("Get-WinEvent with several filter hashtables")
    table = tables[0]
    keys = {str(k).casefold(): table[k] for k in table}
    if set(keys) - _FILTER_KEYS:
        raise NotModeled("Get-WinEvent filter keys " + ", ".join(sorted(set(keys) - _FILTER_KEYS)))
    logs = []
    for asked in map(clr.to_str, _list(keys.get("logname"))):
        name = _log_name(ctx.machine, asked)
        if name is None:
            return _no_events(ctx, f'There is not an event log on the localhost computer that matches "{asked}".',
                              "NoMatchingLogsFound")
        logs.append(name)
    providers = [clr.to_str(p) for p in _list(keys.get("providername"))]
    for provider in providers:
        registered = _provider_logs(ctx.machine, provider)
        if not registered:
            return _no_events(ctx, "There is not an event provider on the localhost computer that matches "
                              f'"{provider}".', "NoMatchingProvidersFound")
        if logs and not {n.casefold() for n in registered} & {n.casefold() for n in logs}:
            return _no_events(ctx, "The specified providers do not write events to any of the specified logs.",
                              "LogsAndProvidersDontOverlap")
        if not logs:
            logs += [n for n in registered if n not in logs]
    if not logs:
        raise NotModeled("Get-WinEvent -FilterHashtable without LogName or ProviderName")
    ids = [clr.to_int(i) for i in _list(keys.get("id"))]
    levels = [clr.to_int(i) for i in _list(keys.get("level"))]
    start = from_datetime(keys["starttime"], "StartTime") if "starttime" in keys else None
    end = from_datetime(keys["endtime"], "EndTime") if "endtime" in keys else None
    found = []
    for log in logs:
        for index, event in enumerate(ctx.machine.mail.entries(log)):
            record = EventLogRecord(event, index + 1)
            if ((not providers or any(p.casefold() == event.source.casefold() for p in providers))
                    and (not ids or record.Id in ids) and (not levels or int(record.Level) in levels)
                    and (start is None or _moment(event) >= start) and (end is None or _moment(event) <= end)):
                found.append((event.time, record))
    records = [r for _, r in sorted(found, key=lambda item: item[0], reverse=True)]
    if "MaxEvents" in bound:
        records = records[:clr.to_int(bound["MaxEvents"], clr.Int64)]
    if not records:
        return _no_events(ctx, "No events were found that match the specified selection criteria.",
                          "NoMatchingEventsFound")
    return records
