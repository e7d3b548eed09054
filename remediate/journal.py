"""The run journal: SQLite in the state directory, the memory that makes rollback possible.

A host's row, holding every change's before- and after-value, is committed (WAL, synchronous=FULL, so it is on
disk) *before* the apply command leaves for that host. If the runner dies or the connection drops afterwards, the
row is still there in state `sending`, `history` shows the run as interrupted, and `rollback RUN` can restore it.
The journal holds values and identities only: no passwords, no connection secrets.
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import socket
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from remediate.errors import RemediateError
from remediate.securefiles import check_private_file, private_dir, write_private

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,               -- apply | rollback
    parent_run TEXT,                  -- for a rollback: the run it undoes
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,             -- running | finished
    user TEXT NOT NULL,
    workstation TEXT NOT NULL,
    pid INTEGER NOT NULL,
    command TEXT NOT NULL,
    reason TEXT
);
CREATE TABLE IF NOT EXISTS hosts (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    host TEXT NOT NULL,
    status TEXT NOT NULL,             -- sending | a HostOutcome value
    changes TEXT NOT NULL,            -- JSON list: kind, identity, description, rule_id, before, after
    result TEXT,                      -- JSON HostResult, once known
    updated_at TEXT NOT NULL,
    PRIMARY KEY (run_id, host)
);
"""

SENDING = "sending"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


@dataclass(frozen=True)
class JournalHost:
    run_id: str
    host: str
    status: str
    changes: list[dict[str, Any]]
    result: dict[str, Any] | None
    updated_at: str


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
    status: str  # running | finished | interrupted (running, but its process on this workstation is gone)
    hosts: list[JournalHost]


class Journal:
    def __init__(self, state_dir: Path) -> None:
        # 700, ours, and no one else able to write it or the folders above: the journal holds every value a run
        # changed, and rollback writes what it says (remediate/securefiles.py).
        private_dir(state_dir, what="state folder", ancestors=True)
        self.path = state_dir / "journal.sqlite"
        _secure_database_files(self.path)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise RemediateError(f"cannot open journal {self.path}: {exc}") from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(sql, params)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def begin_run(self, run_id: str, kind: str, command: str, parent_run: str | None = None,
                  reason: str | None = None) -> None:
        self._write(
            "INSERT INTO runs (run_id, kind, parent_run, started_at, status, user, workstation, pid, command, reason)"
            " VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)",
            (run_id, kind, parent_run, _now(), _user(), socket.gethostname(), os.getpid(), command, reason),
        )

    def finish_run(self, run_id: str) -> None:
        self._write("UPDATE runs SET status = 'finished', finished_at = ? WHERE run_id = ?", (_now(), run_id))

    def snapshot(self, run_id: str, host: str, changes: list[dict[str, Any]]) -> None:
        """Commit the host's before/after values. MUST return before the apply command is sent."""
        self._write(
            "INSERT INTO hosts (run_id, host, status, changes, updated_at) VALUES (?, ?, ?, ?, ?)",
            (run_id, host, SENDING, json.dumps(changes, sort_keys=True), _now()),
        )

    def record(self, run_id: str, host: str, status: str, result: dict[str, Any],
               changes: list[dict[str, Any]] | None = None) -> None:
        with self._lock:
            exists = self._db.execute("SELECT 1 FROM hosts WHERE run_id = ? AND host = ?", (run_id, host)).fetchone()
        if exists:
            self._write("UPDATE hosts SET status = ?, result = ?, updated_at = ? WHERE run_id = ? AND host = ?",
                        (status, json.dumps(result, sort_keys=True, default=str), _now(), run_id, host))
        else:
            self._write(
                "INSERT INTO hosts (run_id, host, status, changes, result, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, host, status, json.dumps(changes or []), json.dumps(result, sort_keys=True, default=str),
                 _now()),
            )

    def runs(self, limit: int = 20) -> list[JournalRun]:
        with self._lock:
            ids = [r[0] for r in self._db.execute(
                "SELECT run_id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?", (limit,))]
        return [self.run(run_id) for run_id in ids]

    def run(self, run_id: str) -> JournalRun:
        with self._lock:
            row = self._db.execute(
                "SELECT run_id, kind, parent_run, started_at, finished_at, status, user, workstation, command, "
                "reason, pid FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if row is None:
                raise RemediateError(f"no run {run_id!r} in the journal {self.path} (see 'remediate history')")
            host_rows = self._db.execute(
                "SELECT run_id, host, status, changes, result, updated_at FROM hosts WHERE run_id = ? ORDER BY host",
                (run_id,)).fetchall()
        hosts = [JournalHost(r[0], r[1], r[2], json.loads(r[3]), json.loads(r[4]) if r[4] else None, r[5])
                 for r in host_rows]
        status = row[5]
        if status == "running" and not _pid_alive(row[10], row[7]):
            status = "interrupted"
        return JournalRun(row[0], row[1], row[2], row[3], row[4], row[6], row[7], row[8], row[9], status, hosts)


def _secure_database_files(path: Path) -> None:
    """SQLite creates its files itself (0644 under the usual umask) and follows symlinks: so the database is made
    here, 0600 and exclusively, and an existing one (and its -wal and -shm, which SQLite creates with the
    database's mode) must be a private regular file of ours."""
    if not check_private_file(path, what="journal"):
        write_private(path, b"", "new", what="journal")
    for suffix in ("-wal", "-shm"):
        check_private_file(path.with_name(path.name + suffix), what="journal")


def _pid_alive(pid: int, workstation: str) -> bool:
    if workstation != socket.gethostname():
        return True  # another workstation's run: we cannot tell, so do not call it interrupted
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers; the journal still needs a value
        return "unknown"
