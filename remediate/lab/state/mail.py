"""Simulated mail flow of one host: its clock, its Application event log and its outbound mail queue.

The lab's symptoms of event 4006 live here; what makes them appear is `remediate.lab.symptoms`, which steps this
state once per agent command (`symptoms.tick`, called by SimHost.run_command after every domain's `before_command`
and before the agent runs) with the event-4006 causes the other domains report. This module imports neither
symptoms nor the SMTP listeners: state is the lab's lowest layer. Every host has outbound mail:

- **Clock.** `clock` is the host's simulated UTC time: it starts at the real time when the state is made (or the
  scenario's `clock`) and advances by `STEP` (one minute) per agent command, and by whatever a test lets pass with
  `remediate.lab.symptoms.advance`. Windows of time ("4006 in the last 60 minutes") are therefore deterministic:
  they count commands and idle minutes, never the wall clock. The `facts` op reports this clock as `time_utc`.
- **Each simulated minute** `ARRIVALS` messages are submitted for the next hop. While a cause is active they stay:
  the queue is in Retry with the transport's last error, and (Exchange 2000/2003) event 4006 is logged. With no
  cause the next hop takes up to `DRAIN` messages a minute: the queue is Active while it drains, Ready when empty,
  and no new event is logged.
- **The first step** of a host plays `WARMUP_MINUTES` minutes of history before it: a host broken when the lab
  starts has been broken for a while, so its first read already shows a backlog and some events.

What the transport says, per platform (the texts the probes look for):

- Exchange 2000/2003: Application log, Warning, source MSExchangeTransport, category Connection Manager, ID 4006,
  "The connection was dropped by the remote host <IP>, <FQDN>; the semaphore timeout period has expired." (KB 919091
  Symptoms; the freeswing weblog quotes the same event); the link (queue) in Retry, its "Additional queue
  information" (WMI Exchange_Link.ExtendedStateInfo) "The semaphore timeout period has expired." (KB 919091 rev 1.3
  quotes it as "Semaphore timeout period has expired."; the lab uses the Win32 error text ERROR_SEM_TIMEOUT).
- Exchange 2007-2019: no event 4006. The 2007+ transport has no such Connection Manager event; a dropped outbound
  connection shows in the queue: Get-Queue Status Retry, LastError `LAST_ERROR_MODERN` (the "451 4.4.0 Primary
  target IP address responded with: ... Attempted failover to alternate host" form of KB 979175 and KB 4051498, with
  the "421 4.4.2 Connection dropped due to SocketError." reply public reports show for a dropped connection; that
  exact inner reply is not from a Microsoft document).

`load(data)` (scenario key `mail`), every key optional:

```yaml
mail:
  next_hop: relay-masked        # a lab SMTP listener (a peer or another host) this host sends through: trouble on
                                # that path (refused, silent, masked by Cisco inspection) is a cause as well
  remote: {fqdn: mx1.partner.example, ip: 192.0.2.25}   # the remote host event 4006 names (default: these, or
                                # the next hop's lab name and 127.0.0.1)
  messages: 40                  # queued messages at the start
  clock: '2026-11-27T20:00:00Z' # the host's clock at the start
  events:                       # entries already in the event log
    - {minutes_ago: 90, source: MSExchangeTransport, event_id: 4006, type: Warning,
       category: Connection Manager, message: '...', log: Application}   # instance_id: optional
```

Thread-safe: every public method holds `lock`. `snapshot()` is a plain deep copy for equality checks.
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from remediate.lab.state import InvalidArgument

# The lab's DNS domain: every simulated host and SMTP peer is <name>.lab.example (RFC 2606 reserves .example). It
# lives here, the lowest layer that names hosts, so remediate/lab/smtp.py imports it and not the other way round.
DNS_DOMAIN = "lab.example"
STEP = timedelta(minutes=1)  # what one agent command lets pass on the host
WARMUP_MINUTES = 15
ARRIVALS = 2  # outbound messages submitted per simulated minute
DRAIN = 25  # messages a reachable next hop takes per simulated minute
MAX_EVENTS = 20000  # the Application log overwrites its oldest entries (as "Overwrite events as needed")

LOGS = ("Application", "System", "Security")  # the classic logs every Windows host has
SOURCE = "MSExchangeTransport"
EVENT_ID = 4006
CATEGORY = "Connection Manager"
DEFAULT_REMOTE = {"fqdn": "mx1.partner.example", "ip": "192.0.2.25"}  # RFC 2606 name, RFC 5737 address
LAST_ERROR_2003 = "The semaphore timeout period has expired."
LAST_ERROR_MODERN = ('451 4.4.0 Primary target IP address responded with: "421 4.4.2 Connection dropped due to '
                     'SocketError." Attempted failover to alternate host, but that did not succeed. Either there '
                     'are no alternate hosts, or delivery failed to all alternate hosts.')
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}")


def event_message(ip: str, fqdn: str) -> str:
    """Event 4006's description as KB 919091 gives it."""
    return f"The connection was dropped by the remote host {ip}, {fqdn}; the semaphore timeout period has expired."


def utc_text(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime(TIME_FORMAT)


def parse_utc(text: str) -> datetime:
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise InvalidArgument(f"mail: time {text!r} must be written as YYYY-MM-DDTHH:MM:SSZ") from None


# An entry's event identifier is a 32-bit message resource id: severity (bits 30-31), customer (29), facility
# (16-27), code (0-15) ("Event Identifiers", learn.microsoft.com/windows/win32/eventlog/event-identifiers). The Event
# Viewer and Get-WinEvent's Id show the code; EventLogEntry.EventID removes only the severity bits, InstanceId keeps
# all. Exchange 2003's id for 4006 in its message file is not in a document we could read: the lab gives it the
# Warning severity and the customer bit (UNCONFIRMED), so that code which compares EventID with 4006 misses it, as
# issue 18 defect 3 says it would on a host whose message file sets a bit there.
SEVERITY_BITS = {"Information": 0x40000000, "Warning": 0x80000000, "Error": 0xC0000000}
INSTANCE_ID_4006 = 0x80000000 | 0x20000000 | EVENT_ID


@dataclass
class Event:
    """One event log entry, as Get-EventLog / Get-WinEvent show it. `event_id` is the code the Event Viewer shows;
    `instance_id`, when set, the whole 32-bit identifier (else the code with the severity bits of `type`)."""

    time: str  # UTC, TIME_FORMAT
    log: str
    source: str
    event_id: int
    type: str  # Error, Warning, Information
    category: str
    message: str
    instance_id: int | None = None

    @property
    def full_id(self) -> int:
        if self.instance_id is not None:
            return self.instance_id
        return SEVERITY_BITS.get(self.type, 0) | (self.event_id & 0xFFFF)


class SimMail:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clock = datetime.now(timezone.utc).replace(microsecond=0)
        self.started = False  # the first step plays WARMUP_MINUTES of history first
        self.commands = 0  # agent commands this host ran (one step each): the lab's command counter
        self.events: list[Event] = []
        self.messages = 0
        self.status = "Ready"  # Ready, Active (draining) or Retry
        self.last_error: str | None = None
        self.next_hop: str | None = None
        self.remote: dict[str, str] | None = None
        self.last_causes: list[str] = []  # what the latest step saw, for tests and `remediate lab` users
        self.problems: list[str] = []  # a domain's active_causes that raised (remediate.lab.symptoms)

    # ------------------------------------------------------------------------------------------ the simulation

    def step(self, causes: list[str], minutes: int, legacy: bool, command: bool = False) -> None:
        """Let `minutes` simulated minutes pass with these causes active. `legacy` (Exchange 2000/2003) decides
        what the transport reports; `command` counts one agent command."""
        with self.lock:
            if command:
                self.commands += 1
            if not self.started:
                self.started = True
                self.clock -= STEP * WARMUP_MINUTES
                self._flow(causes, WARMUP_MINUTES, legacy)
            self._flow(causes, minutes, legacy)
            self.last_causes = list(causes)

    def _flow(self, causes: list[str], minutes: int, legacy: bool) -> None:
        for _ in range(minutes):
            self.clock += STEP
            if causes:
                self.messages += ARRIVALS
                self.status = "Retry"
                self.last_error = LAST_ERROR_2003 if legacy else LAST_ERROR_MODERN
                if legacy:
                    remote = self.remote_host()
                    self._log(Event(utc_text(self.clock), "Application", SOURCE, EVENT_ID, "Warning", CATEGORY,
                                    event_message(remote["ip"], remote["fqdn"]), INSTANCE_ID_4006))
            else:
                self.messages = max(0, self.messages + ARRIVALS - DRAIN)
                self.status = "Active" if self.messages else "Ready"
                self.last_error = None

    def _log(self, event: Event) -> None:
        self.events.append(event)
        if len(self.events) > MAX_EVENTS:
            del self.events[: len(self.events) - MAX_EVENTS]

    # ------------------------------------------------------------------------------------------------ reads

    def now(self) -> datetime:
        with self.lock:
            return self.clock

    def remote_host(self) -> dict[str, str]:
        """The remote host the transport talks to: loaded, else the next hop's lab name, else DEFAULT_REMOTE."""
        with self.lock:
            if self.remote:
                return dict(self.remote)
            if self.next_hop:
                return {"fqdn": f"{self.next_hop}.{DNS_DOMAIN}", "ip": "127.0.0.1"}
            return dict(DEFAULT_REMOTE)

    def has_log(self, log: str) -> bool:
        with self.lock:
            return any(log.lower() == name.lower() for name in (*LOGS, *(e.log for e in self.events)))

    def entries(self, log: str) -> list[Event]:
        """Copies of the log's entries, oldest first (their index order), for the Windows layer's readers."""
        with self.lock:
            return [Event(**asdict(e)) for e in self.events if e.log.lower() == log.lower()]

    def log_names(self) -> list[str]:
        with self.lock:
            names = list(LOGS)
            for event in self.events:
                if event.log.lower() not in (n.lower() for n in names):
                    names.append(event.log)
            return names

    def count(self, log: str, source: str, event_id: int, since_minutes: int) -> dict[str, Any]:
        """Entries of that log, source and event ID written after now - since_minutes (names compare without
        regard to case, as the event log does): `{"count": n, "newest": UTC time or None}`."""
        with self.lock:
            since = utc_text(self.clock - timedelta(minutes=since_minutes))
            found = [e.time for e in self.events
                     if e.time > since and e.event_id == event_id and e.log.lower() == log.lower()
                     and e.source.lower() == source.lower()]
            return {"count": len(found), "newest": max(found) if found else None}

    def queue(self) -> dict[str, Any]:
        """The outbound queue: `{"messages", "status", "last_error"}` (ops/mail.py shows it per platform)."""
        with self.lock:
            return {"messages": self.messages, "status": self.status, "last_error": self.last_error}

    # ------------------------------------------------------------------------------------ test/scenario API

    def load(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        if not isinstance(data, dict):
            raise InvalidArgument("mail: expected a mapping of next_hop, remote, messages, clock, events")
        unknown = set(data) - {"next_hop", "remote", "messages", "clock", "events"}
        if unknown:
            raise InvalidArgument(f"mail: unknown key(s) {', '.join(sorted(unknown))}; expected next_hop, remote, "
                                  "messages, clock, events")
        with self.lock:
            if "clock" in data:
                self.clock = parse_utc(str(data["clock"]))
            if "next_hop" in data:
                self.next_hop = None if data["next_hop"] is None else str(data["next_hop"])
            if "remote" in data:
                self.remote = _remote(data["remote"])
            if "messages" in data:
                messages = data["messages"]
                if isinstance(messages, bool) or not isinstance(messages, int) or messages < 0:
                    raise InvalidArgument("mail: messages must be a whole number, 0 or more")
                self.messages = messages
                self.status = "Retry" if messages else "Ready"
            for entry in data.get("events") or []:
                self._log(self._event(entry))
            self.events.sort(key=lambda e: e.time)

    def _event(self, entry: Any) -> Event:
        if not isinstance(entry, dict) or not {"source", "event_id"} <= set(entry):
            raise InvalidArgument("mail: an event needs at least source and event_id")
        when = self.clock - timedelta(minutes=int(entry.get("minutes_ago", 0)))
        log, source = str(entry.get("log", "Application")), str(entry["source"])
        if not _NAME.fullmatch(log) or not _NAME.fullmatch(source):
            raise InvalidArgument("mail: an event's log and source are names of letters, digits, spaces, . _ -")
        instance = entry.get("instance_id")
        if instance is not None and (isinstance(instance, bool) or not isinstance(instance, int)
                                     or not 0 <= instance <= 0xFFFFFFFF or instance & 0xFFFF != int(entry["event_id"])):
            raise InvalidArgument("mail: an event's instance_id is a 32-bit number whose low 16 bits are its event_id")
        return Event(utc_text(when), log, source, int(entry["event_id"]), str(entry.get("type", "Information")),
                     str(entry.get("category", "None")), str(entry.get("message", "")), instance)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"clock": utc_text(self.clock), "commands": self.commands, "messages": self.messages,
                    "status": self.status, "last_error": self.last_error, "next_hop": self.next_hop,
                    "remote": self.remote_host(), "events": [asdict(e) for e in self.events]}


def _remote(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"fqdn", "ip"}:
        raise InvalidArgument("mail: remote must be {fqdn: NAME, ip: ADDRESS}")
    return {"fqdn": str(value["fqdn"]), "ip": str(value["ip"])}
