"""`event_log_probe` (a probe): no entry of an event in a host's event log within the last N minutes.

Built for event 4006 (KB 919091: Warning, source MSExchangeTransport, category Connection Manager, ID 4006, "The
connection was dropped by the remote host <IP>, <FQDN>; the semaphore timeout period has expired."), which is
what every field defaults to. Passing means the symptom is gone: no such entry was written in the window.

MAY give:
- `log` (default `Application`), `source` (default `MSExchangeTransport`): names of 1 to 100 letters, digits,
  spaces, dots, underscores or hyphens, starting with a letter or digit (no wildcard characters: the agent hands
  them to Get-EventLog / Get-WinEvent as data);
- `event_id` (default 4006), 0..65535: compared with the entry's EventID as the event viewer shows it, not with
  the classic InstanceId, which carries more bits;
- `since_minutes` (default 1440, the 24 hours over which the Exchange Server Analyzer looks for event 4006 of
  MSExchangeTransport: Exchange Server Analyzer topic aa996281), 1..525600. The window is the host's clock: after
  a fix the probe passes once the last event is older than the window, so a short window shows a fix sooner and a
  long one catches intermittent trouble.

Wire value of the `eventlog.count` op (args `{log, source, event_id, since_minutes}`): `{"count": n, "newest":
"YYYY-MM-DDTHH:MM:SSZ" (UTC) or null}`. Desired `{"count": 0}`; `same` compares the count only. A log the host does
not have is an error of the op, not a pass: "no such log" must not read as "no events".

On Windows Server 2003 the agent uses Get-EventLog -LogName -Source -After (PowerShell 2.0, classic log), on Vista /
Server 2008 and later Get-WinEvent -FilterHashtable. Exchange 2007 and later do not log event 4006: rules that
look for it apply to Exchange 2000/2003 (playbooks/symptoms-4006.yaml).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from remediate.resources.base import FieldChange, Op, ResourceKind, WholeNumber

# The agent's pattern (templates/agent/mail.ps1, Get-MailNameArg).
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$"
DEFAULT_WINDOW_MINUTES = 1440


class EventLogProbeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["event_log_probe"]
    log: str = Field(default="Application", pattern=NAME_PATTERN)
    source: str = Field(default="MSExchangeTransport", pattern=NAME_PATTERN)
    event_id: WholeNumber = Field(default=4006, ge=0, le=65535)
    since_minutes: WholeNumber = Field(default=DEFAULT_WINDOW_MINUTES, ge=1, le=525600)


class EventLogProbe(ResourceKind[EventLogProbeSpec]):
    kind: ClassVar[str] = "event_log_probe"
    spec_model: ClassVar[type[BaseModel]] = EventLogProbeSpec
    probe: ClassVar[bool] = True

    def identity(self, spec: EventLogProbeSpec) -> dict[str, Any]:
        return {"log": spec.log, "source": spec.source, "event_id": spec.event_id,
                "since_minutes": spec.since_minutes}

    def key(self, identity: dict[str, Any]) -> str:
        # Event log and source names compare without regard to case on Windows.
        return (f"{identity['log'].lower()}/{identity['source'].lower()}/{identity['event_id']}/"
                f"{identity['since_minutes']}")

    def describe(self, identity: dict[str, Any]) -> str:
        return (f"event {identity['event_id']} from {identity['source']} in the {identity['log']} log, "
                f"last {_span(identity['since_minutes'])}")

    def read_op(self, identity: dict[str, Any]) -> Op:
        return Op("eventlog.count", dict(identity))

    def desired(self, spec: EventLogProbeSpec) -> Any:
        return {"count": 0}

    def set_op(self, identity: dict[str, Any], value: Any) -> Op:
        raise TypeError("event_log_probe is a probe: it reads and never sets")

    def same(self, observed: Any, desired: Any) -> bool:
        return isinstance(observed, dict) and observed.get("count") == desired.get("count")

    def changes(self, observed: Any, desired: Any) -> list[FieldChange]:
        """How many entries were found, and when the newest was written."""
        if not isinstance(observed, dict):
            return [FieldChange("value", observed, desired)]
        return [FieldChange("count", observed.get("count"), desired.get("count")),
                FieldChange("newest", observed.get("newest"), None)]


def _span(minutes: int) -> str:
    if minutes % 1440 == 0:
        days = minutes // 1440
        return "24 hours" if days == 1 else f"{days} days"
    if minutes % 60 == 0:
        return f"{minutes // 60} hour(s)"
    return f"{minutes} minute(s)"
