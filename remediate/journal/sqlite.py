"""The embedded journal: SQLite in the state directory (`journal.sqlite`, 0600, beside its key `journal.key`).

Durability: WAL with synchronous=FULL, each write its own `BEGIN IMMEDIATE` transaction, so a committed snapshot is
on disk when `snapshot()` returns. Several processes of one workstation may share the file (SQLite's locking; a
writer waits up to 30 s). A run whose process is gone (its pid, on this workstation) reads as interrupted.

Schema versions live in `PRAGMA user_version`; `MIGRATIONS` brings any older journal up to date on open, inside
one transaction. Version 0 is the journal before versioning (the same tables as version 1).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from remediate.errors import RemediateError
from remediate.journal.base import RunJournal, live_pid
from remediate.journal.integrity import JournalKey, key_beside
from remediate.securefiles import check_private_file, private_dir, write_private

JOURNAL_FILE = "journal.sqlite"

_V1 = """
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


def _v2(db: sqlite3.Connection, key: JournalKey) -> None:
    """Integrity codes on host rows; `user` becomes `user_name` (a reserved word in PostgreSQL, one SQL for both).

    Rows written before codes existed are sealed now, trusted as they stand on first open by this version
    (docs/security.md says so): nothing better can be known about them."""
    db.execute("ALTER TABLE runs RENAME COLUMN user TO user_name")
    db.execute("ALTER TABLE hosts ADD COLUMN mac TEXT")
    db.execute("ALTER TABLE hosts ADD COLUMN key_id TEXT")
    db.execute("CREATE INDEX IF NOT EXISTS runs_parent ON runs (parent_run)")
    import json

    for run_id, host, changes in db.execute("SELECT run_id, host, changes FROM hosts").fetchall():
        try:
            parsed = json.loads(changes)
        except ValueError:
            continue  # left without a code: rollback refuses it, naming the host
        db.execute("UPDATE hosts SET mac = ?, key_id = ? WHERE run_id = ? AND host = ?",
                   (key.seal(run_id, host, parsed), key.key_id, run_id, host))


MIGRATIONS: list[Callable[[sqlite3.Connection, JournalKey], None]] = [
    lambda db, key: db.executescript(_V1) and None,  # executescript commits: version 1 runs outside the transaction
    _v2,
]
VERSION = len(MIGRATIONS)


class SqliteJournal(RunJournal):
    def __init__(self, state_dir: Path, key: JournalKey | None = None) -> None:
        super().__init__()
        # 700, ours, and no one else able to write it or the folders above: the journal holds every value a run
        # changed, and rollback writes what it says (remediate/securefiles.py).
        private_dir(state_dir, what="state folder", ancestors=True)
        self.path = state_dir / JOURNAL_FILE
        self.location = str(self.path)
        self.key = key or key_beside(state_dir)
        _secure_database_files(self.path)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._migrate()
        except sqlite3.Error as exc:
            raise RemediateError(f"cannot open journal {self.path}: {exc}") from None

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > VERSION:
            raise RemediateError(f"journal {self.path} has schema version {version}, newer than this remediate "
                                 f"understands ({VERSION}); upgrade remediate")
        if version == VERSION:
            return
        if version == 0:
            MIGRATIONS[0](self._db, self.key)  # CREATE IF NOT EXISTS: the same for a new and an unversioned file
            version = 1
        self._db.execute("BEGIN IMMEDIATE")
        try:
            current = self._db.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated
            for number in range(max(current, version), VERSION):
                MIGRATIONS[number](self._db, self.key)
            self._db.execute(f"PRAGMA user_version = {max(current, VERSION)}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

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

    def _read(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _alive(self, run_id: str, pid: int, workstation: str) -> bool:
        return live_pid(pid, workstation)


def _secure_database_files(path: Path) -> None:
    """SQLite creates its files itself (0644 under the usual umask) and follows symlinks: so the database is made
    here, 0600 and exclusively, and an existing one (and its -wal and -shm, which SQLite creates with the
    database's mode) must be a private regular file of ours."""
    if not check_private_file(path, what="journal"):
        write_private(path, b"", "new", what="journal")
    for suffix in ("-wal", "-shm"):
        check_private_file(path.with_name(path.name + suffix), what="journal")
