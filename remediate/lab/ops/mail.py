"""Event log and mail queue ops (templates/agent/mail.ps1) on `host.mail`, a `SimMail`. Read-only: no WRITES.

- `eventlog.count {log, source, event_id, since_minutes}` -> `{"count": n, "newest": "YYYY-MM-DDTHH:MM:SSZ"|null}`:
  the entries of that classic event log from that source with that event ID written in the last `since_minutes`
  minutes of the host's clock (names without regard to case). A log the host does not have is `Failed`.
- `queue.list {}` -> `{"queues": [QUEUE, ...], "truncated": bool, "unavailable": null|text}` with QUEUE
  `{"identity", "status", "message_count", "next_hop", "last_error"}` (at most MAX_QUEUES). Exchange 2000/2003: the WMI Exchange_Link
  objects of root\\MicrosoftExchangeV2 (what Exchange System Manager calls queues), identity
  `<ProtocolName>/<VirtualServerName>/<LinkName>`, status Retry / Frozen / Active / Ready from the link's state
  flags, last_error its ExtendedStateInfo. Exchange 2007+: Get-Queue's Identity, Status, MessageCount,
  NextHopDomain and LastError; with the Transport service stopped (Get-Queue would fail) no queues and
  `unavailable` saying so. No Exchange or no Exchange Management Shell: `Failed` with the agent's message.

Arguments are checked in the agent's order with its messages.
"""

from __future__ import annotations

import re
from typing import Any

from remediate.lab.ops.args import text_arg
from remediate.lab.state import InvalidArgument, StateError
from remediate.lab.platforms import has_exchange, is_legacy

MAX_QUEUES = 200
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}")  # the agent's pattern, \z-anchored there
NO_EXCHANGE = "Exchange is not installed on this host: it has no mail queues"


# Get-Queue asks the Transport service and fails while it is stopped; the agent checks the service first and
# answers this instead, so the probe fails with the reason rather than the read erroring.
TRANSPORT_DOWN = "the Microsoft Exchange Transport service is not running, so Get-Queue cannot read the queues"


def _name_arg(args: Any, name: str) -> str:
    value = text_arg(args, name)
    if not NAME_PATTERN.fullmatch(value):
        raise InvalidArgument(f"argument '{name}' must be 1 to 100 letters, digits, spaces, dots, underscores or "
                              "hyphens, starting with a letter or digit")
    return value


def _int_arg(args: Any, name: str, low: int, high: int) -> int:
    value = args.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidArgument(f"argument '{name}' must be a whole number {low}..{high}")
    return value


def op_count(host: Any, args: Any) -> dict[str, Any]:
    log = _name_arg(args, "log")
    source = _name_arg(args, "source")
    event_id = _int_arg(args, "event_id", 0, 65535)
    since = _int_arg(args, "since_minutes", 1, 525600)
    if not host.mail.has_log(log):
        raise StateError(f"the event log '{log}' does not exist on this host")
    return host.mail.count(log, source, event_id, since)


def _server(host: Any) -> str:
    return str(host.facts.get("hostname") or host.name.split(".")[0].upper())


def op_queues(host: Any, args: Any) -> dict[str, Any]:
    if not isinstance(args, dict):
        raise InvalidArgument("args must be an object")
    if not has_exchange(host):
        raise StateError(NO_EXCHANGE)
    queue = host.mail.queue()
    remote = host.mail.remote_host()["fqdn"]
    unavailable = None
    if is_legacy(host):
        queues = [_link("Messages awaiting directory lookup", "Ready", 0, None),
                  _link("Local delivery", "Ready", 0, None),
                  _link(remote, queue["status"], queue["messages"], queue["last_error"])]
    else:
        host.exchange.require_shell()
        server = _server(host)
        if host.services.state_of("MSExchangeTransport") != "running":
            queues, unavailable = [], TRANSPORT_DOWN
        else:
            queues = [{"identity": f"{server}\\Submission", "status": "Ready", "message_count": 0,
                       "next_hop": "Submission", "last_error": None},
                      {"identity": f"{server}\\3", "status": queue["status"], "message_count": queue["messages"],
                       "next_hop": remote, "last_error": queue["last_error"]}]
    return {"queues": queues[:MAX_QUEUES], "truncated": len(queues) > MAX_QUEUES, "unavailable": unavailable}


def _link(name: str, status: str, messages: int, last_error: str | None) -> dict[str, Any]:
    return {"identity": f"SMTP/1/{name}", "status": status, "message_count": messages, "next_hop": name,
            "last_error": last_error}


OPS = {"eventlog.count": op_count, "queue.list": op_queues}
WRITES: set[str] = set()
