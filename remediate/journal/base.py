"""What every journal does, whatever database holds it: runs, each host's snapshot and outcome, sealed rows.

A backend (sqlite.py, postgres.py) MUST provide `_write` (one statement, committed and durable when it returns),
`_read`, `_alive` (whether a run's process is still there), `close`, and the table names and parameter style its
SQL needs; it MAY hook `_started`/`_ended` (PostgreSQL ties a lock to a running run). The contract users rely on:

- `snapshot()` returns only when the host's row (every change's before and after) is committed: the apply command
  is sent after it, so a runner that dies later leaves a row that `rollback` can use;
- a run whose process is gone without `finish_run` reads as `interrupted`, and is rolled back like any other;
- every host row carries an integrity code (integrity.py) that `run()` checks: `JournalHost.integrity` says why a
  row did not verify, and rollback writes nothing from such a row.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from abc import ABC, abstractmethod
from typing import Any

from remediate.errors import RemediateError
from remediate.journal.integrity import JournalKey
from remediate.journal.records import SENDING, JournalHost, JournalRun, login_name, now

_RUN_COLUMNS = "run_id, kind, parent_run, started_at, finished_at, status, user_name, workstation, command, reason, pid"
_HOST_COLUMNS = "run_id, host, status, changes, result, updated_at, mac, key_id"


class RunJournal(ABC):
    """The run journal. Thread-safe: runs of many hosts record into one journal at once."""

    location: str  # where it lives, for messages: a file path or a database URL without its password
    key: JournalKey

    def __init__(self) -> None:
        self._lock = threading.RLock()

    # -------------------------------------------------------------------------------------------- backend hooks
    runs_table = "runs"
    hosts_table = "hosts"
    order_column = "rowid"

    @abstractmethod
    def _write(self, sql: str, params: tuple[Any, ...]) -> None: ...

    @abstractmethod
    def _read(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def _alive(self, run_id: str, pid: int, workstation: str) -> bool: ...

    @abstractmethod
    def close(self) -> None: ...

    def _started(self, run_id: str) -> None:
        """Called once a run's row is committed (PostgreSQL takes the run's liveness lock here)."""

    def _ended(self, run_id: str) -> None:
        """Called once a run is finished."""

    def _sql(self, text: str) -> str:
        return text.format(runs=self.runs_table, hosts=self.hosts_table)

    # ------------------------------------------------------------------------------------------------- writes
    def begin_run(self, run_id: str, kind: str, command: str, parent_run: str | None = None,
                  reason: str | None = None) -> None:
        self._write(self._sql(
            "INSERT INTO {runs} (run_id, kind, parent_run, started_at, status, user_name, workstation, pid, command, "
            "reason) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)"),
            (run_id, kind, parent_run, now(), login_name(), socket.gethostname(), os.getpid(), command, reason))
        self._started(run_id)

    def finish_run(self, run_id: str, status: str = "finished") -> None:
        self._write(self._sql("UPDATE {runs} SET status = ?, finished_at = ? WHERE run_id = ?"),
                    (status, now(), run_id))
        self._ended(run_id)

    def snapshot(self, run_id: str, host: str, changes: list[dict[str, Any]]) -> None:
        """Commit the host's before/after values, sealed. MUST return before the apply command is sent."""
        changes = _plain(changes)
        self._write(self._sql(
            "INSERT INTO {hosts} (run_id, host, status, changes, updated_at, mac, key_id) VALUES (?, ?, ?, ?, ?, ?, ?)"),
            (run_id, host, SENDING, json.dumps(changes, sort_keys=True), now(),
             self.key.seal(run_id, host, changes), self.key.key_id))

    def record(self, run_id: str, host: str, status: str, result: dict[str, Any],
               changes: list[dict[str, Any]] | None = None) -> None:
        """The host's outcome; a host with no snapshot (nothing sent) gets its row here, sealed likewise."""
        changes = _plain(changes or [])
        self._write(self._sql(
            "INSERT INTO {hosts} (run_id, host, status, changes, result, updated_at, mac, key_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, host) DO UPDATE SET status = excluded.status, "
            "result = excluded.result, updated_at = excluded.updated_at"),
            (run_id, host, status, json.dumps(changes, sort_keys=True),
             json.dumps(result, sort_keys=True, default=str), now(), self.key.seal(run_id, host, changes),
             self.key.key_id))

    def import_run(self, run: JournalRun) -> bool:
        """Add a run read from an export (journal/export.py) with its rows' codes as they are; False when the
        journal has that run already (the journal's copy is then the one used)."""
        if self._read(self._sql("SELECT 1 FROM {runs} WHERE run_id = ?"), (run.run_id,)):
            return False
        self._write(self._sql(
            "INSERT INTO {runs} (run_id, kind, parent_run, started_at, finished_at, status, user_name, workstation, "
            "pid, command, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            (run.run_id, run.kind, run.parent_run, run.started_at, run.finished_at,
             "interrupted" if run.status == "running" else run.status, run.user, run.workstation, 0, run.command,
             run.reason))
        for h in run.hosts:
            self._write(self._sql(
                "INSERT INTO {hosts} (run_id, host, status, changes, result, updated_at, mac, key_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                (run.run_id, h.host, h.status, json.dumps(h.changes, sort_keys=True),
                 json.dumps(h.result, sort_keys=True) if h.result is not None else None, h.updated_at, h.mac,
                 h.key_id))
        return True

    # -------------------------------------------------------------------------------------------------- reads
    def runs(self, limit: int = 20) -> list[JournalRun]:
        ids = [r[0] for r in self._read(self._sql(
            f"SELECT run_id FROM {{runs}} ORDER BY started_at DESC, {self.order_column} DESC LIMIT ?"), (limit,))]
        return [self.run(run_id) for run_id in ids]

    def run(self, run_id: str) -> JournalRun:
        rows = self._read(self._sql(f"SELECT {_RUN_COLUMNS} FROM {{runs}} WHERE run_id = ?"), (run_id,))
        if not rows:
            raise RemediateError(f"no run {run_id!r} in the journal {self.location} (see 'remediate history')")
        row = rows[0]
        host_rows = self._read(self._sql(f"SELECT {_HOST_COLUMNS} FROM {{hosts}} WHERE run_id = ? ORDER BY host"),
                               (run_id,))
        children = [r[0] for r in self._read(self._sql(
            f"SELECT run_id FROM {{runs}} WHERE parent_run = ? ORDER BY started_at, {self.order_column}"), (run_id,))]
        hosts = [self._host(r) for r in host_rows]
        status = row[5]
        if status == "running" and not self._alive(row[0], row[10], row[7]):
            status = "interrupted"
        return JournalRun(row[0], row[1], row[2], row[3], row[4], row[6], row[7], row[8], row[9], status, hosts,
                          children)

    def _host(self, r: tuple[Any, ...]) -> JournalHost:
        run_id, host, status, changes_text, result_text, updated_at, mac, key_id = r
        try:
            changes = json.loads(changes_text)
            result = json.loads(result_text) if result_text else None
        except (TypeError, ValueError):
            return JournalHost(run_id, host, status, [], None, updated_at,
                               integrity="the row is not valid JSON: it was damaged or changed outside remediate",
                               mac=mac, key_id=key_id)
        if not isinstance(changes, list):
            changes = []
            problem: str | None = "its changes are not a list: it was changed outside remediate"
        else:
            problem = self.key.problem(run_id, host, changes, mac, key_id)
        return JournalHost(run_id, host, status, changes, result, updated_at, integrity=problem, mac=mac,
                           key_id=key_id)


def _plain(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The changes exactly as they will read back from the JSON column, so the code is computed on that form."""
    return json.loads(json.dumps(changes, sort_keys=True))  # type: ignore[no-any-return]


def live_pid(pid: int, workstation: str) -> bool:
    """Whether a process of this workstation still runs; another workstation's run cannot be told, so True."""
    if workstation != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
