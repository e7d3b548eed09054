"""What the journal holds, as plain values: a run, and per host of a run its changes and outcome."""

from __future__ import annotations

import getpass
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

SENDING = "sending"  # a host row's status between the snapshot commit and the outcome


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers; the journal still needs a value
        return "unknown"


@dataclass(frozen=True)
class JournalHost:
    run_id: str
    host: str
    status: str
    changes: list[dict[str, Any]]
    result: dict[str, Any] | None
    updated_at: str
    # Integrity of `changes` (remediate/journal/integrity.py): None when the row's code verified with this runner's
    # key, else why it did not. Rollback writes nothing from a row that did not verify.
    integrity: str | None = None
    mac: str | None = None
    key_id: str | None = None


@dataclass(frozen=True)
class JournalRun:
    run_id: str
    kind: str
    parent_run: str | None
    started_at: str
    finished_at: str | None
    user: str
    workstation: str
    command: str
    reason: str | None
    status: str  # running | finished | interrupted (running, but the process that ran it is gone)
    hosts: list[JournalHost]
    # Runs whose parent is this one: the rollbacks of this run (newest last).
    undone_by: list[str] = field(default_factory=list)
