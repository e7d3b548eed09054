"""A journal for teams: PostgreSQL through psycopg 3 (`journal: postgresql://...` or `REMEDIATE_JOURNAL`).

The same guarantees as the SQLite journal:

- Durability: every write is its own transaction, committed with `synchronous_commit = on` (set for the session,
  whatever the server's default), so a snapshot is in the server's WAL on disk when `snapshot()` returns.
- Interrupted runs: a running run holds a session-level advisory lock named after its run id for as long as its
  process (its connection) lives. Any other process, on any machine, finds the lock free once that process is
  gone, and reads the run as interrupted (`_alive`). A network cut between runner and server reads the same way:
  the server ends the session; the runner's next write then fails loudly rather than pretending.
- Concurrent runs from several machines: rows are keyed by run id and host, runs never write each other's rows,
  and every statement commits on its own; readers see each committed row at once.
- Versioned schema: tables live in the schema `remediate`; `remediate.schema_version` lists the versions applied.
  Opening the journal applies missing migrations in one transaction under a transaction-level advisory lock, so
  two runners opening an old journal at once migrate it once. A newer schema than this tool knows is refused.

The account needs CREATE on the database the first time (or a DBA runs the first open), then SELECT, INSERT and
UPDATE on `remediate.*`. The password comes from libpq's own sources (PGPASSWORD, ~/.pgpass), never the inventory.
"""

from __future__ import annotations

import hashlib
from typing import Any

from remediate import __version__
from remediate.errors import RemediateError
from remediate.journal.base import RunJournal
from remediate.journal.integrity import JournalKey
from remediate.journal.location import shown

try:
    import psycopg
except ImportError:  # pragma: no cover - an optional extra
    psycopg = None

_MIGRATION_LOCK = int.from_bytes(hashlib.sha256(b"remediate journal migration").digest()[:8], "big", signed=True)

MIGRATIONS: list[list[str]] = [
    [  # 1: runs and host rows, as the SQLite journal holds them
        """CREATE TABLE IF NOT EXISTS remediate.runs (
            seq BIGSERIAL NOT NULL,
            run_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            parent_run TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,
            user_name TEXT NOT NULL,
            workstation TEXT NOT NULL,
            pid INTEGER NOT NULL,
            command TEXT NOT NULL,
            reason TEXT)""",
        """CREATE TABLE IF NOT EXISTS remediate.hosts (
            run_id TEXT NOT NULL REFERENCES remediate.runs(run_id),
            host TEXT NOT NULL,
            status TEXT NOT NULL,
            changes TEXT NOT NULL,
            result TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (run_id, host))""",
        "CREATE INDEX IF NOT EXISTS runs_started ON remediate.runs (started_at, seq)",
    ],
    [  # 2: integrity codes on host rows (remediate/journal/integrity.py)
        "ALTER TABLE remediate.hosts ADD COLUMN IF NOT EXISTS mac TEXT",
        "ALTER TABLE remediate.hosts ADD COLUMN IF NOT EXISTS key_id TEXT",
        "CREATE INDEX IF NOT EXISTS runs_parent ON remediate.runs (parent_run)",
    ],
]
VERSION = len(MIGRATIONS)


def _run_lock(run_id: str) -> int:
    return int.from_bytes(hashlib.sha256(b"remediate run\0" + run_id.encode()).digest()[:8], "big", signed=True)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class PostgresJournal(RunJournal):
    runs_table = "remediate.runs"
    hosts_table = "remediate.hosts"
    order_column = "seq"

    def __init__(self, url: str, key: JournalKey) -> None:
        super().__init__()
        if psycopg is None:
            raise RemediateError("the PostgreSQL journal needs psycopg 3: pip install 'remediate[postgresql]'")
        self.url = url
        self.location = shown(url)
        self.key = key
        self._mine: set[str] = set()  # runs this process runs: their locks are held by our own session
        self._conn = self._connect()
        self._migrate()

    def _connect(self) -> Any:
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=15, application_name="remediate")
            conn.execute("SET synchronous_commit = on")
        except psycopg.Error as exc:
            raise RemediateError(f"cannot open journal {self.location}: {_first_line(exc)}") from None
        return conn

    def _migrate(self) -> None:
        try:
            with self._conn.transaction():
                self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                self._conn.execute("CREATE SCHEMA IF NOT EXISTS remediate")
                self._conn.execute("CREATE TABLE IF NOT EXISTS remediate.schema_version (version INTEGER PRIMARY "
                                   "KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), tool_version TEXT NOT NULL)")
                row = self._conn.execute("SELECT COALESCE(MAX(version), 0) FROM remediate.schema_version").fetchone()
                current = int(row[0])
                if current > VERSION:
                    raise RemediateError(f"journal {self.location} has schema version {current}, newer than this "
                                         f"remediate understands ({VERSION}); upgrade remediate")
                for number in range(current, VERSION):
                    for statement in MIGRATIONS[number]:
                        self._conn.execute(statement)
                    self._conn.execute("INSERT INTO remediate.schema_version (version, tool_version) VALUES (%s, %s)",
                                       (number + 1, __version__))
        except psycopg.Error as exc:
            raise RemediateError(f"cannot prepare journal {self.location}: {_first_line(exc)}") from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _execute(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            cursor = self._conn.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        try:
            self._execute(sql, params)
        except psycopg.OperationalError as exc:
            if not self._conn.closed:
                raise RemediateError(f"journal {self.location}: {_first_line(exc)}") from None
            # The session is gone (server restart, network cut): one new session, the runs' locks taken again, and
            # the statement once more. An INSERT that had committed before the cut reads as a duplicate: done.
            self._reconnect()
            try:
                self._execute(sql, params)
            except psycopg.errors.UniqueViolation:
                pass
        except psycopg.Error as exc:
            raise RemediateError(f"journal {self.location}: {_first_line(exc)}") from None

    def _reconnect(self) -> None:
        with self._lock:
            self._conn = self._connect()
            for run_id in self._mine:
                self._conn.execute("SELECT pg_advisory_lock(%s)", (_run_lock(run_id),))

    def _read(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        try:
            return self._execute(sql, params)
        except psycopg.Error as exc:
            raise RemediateError(f"journal {self.location}: {_first_line(exc)}") from None

    def _started(self, run_id: str) -> None:
        with self._lock:
            self._conn.execute("SELECT pg_advisory_lock(%s)", (_run_lock(run_id),))
            self._mine.add(run_id)

    def _ended(self, run_id: str) -> None:
        with self._lock:
            if run_id in self._mine:
                self._conn.execute("SELECT pg_advisory_unlock(%s)", (_run_lock(run_id),))
                self._mine.discard(run_id)

    def _alive(self, run_id: str, pid: int, workstation: str) -> bool:
        if run_id in self._mine:
            return True
        with self._lock:
            lock = _run_lock(run_id)
            got = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (lock,)).fetchone()[0]
            if got:
                self._conn.execute("SELECT pg_advisory_unlock(%s)", (lock,))
        return not got
