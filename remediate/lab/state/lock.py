"""The host lock file as scenarios and tests see it: <CommonApplicationData>\\remediate\\apply.lock on the host's
volume (lab/state/files.py), which the agent itself opens, writes and deletes through System.IO under the
interpreter. Its record is the one docs/agent-protocol.md defines: `{"acquired_utc", "expires_utc", "owner",
"run_id"}` as canonical JSON; `parse_record` reads it for tests, adding `expired`.

Test hook: `on_acquired`, when set, runs right after an apply took the lock and before it applies anything (while
the lock is held): a test can hold one apply there and run a second one meanwhile, with no clock involved.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from remediate.lab.state.files import SimFiles

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
RECORD_FIELDS = ("run_id", "owner", "acquired_utc", "expires_utc")


def utc_text(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime(TIME_FORMAT)


def parse_record(text: str | None, now: datetime) -> dict[str, Any] | None:
    """The record in a lock file's text with `expired` as of `now`; None when it is not one (ConvertTo-LockRecord)."""
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(f), str) for f in RECORD_FIELDS):
        return None
    try:
        expires = datetime.strptime(data["expires_utc"], TIME_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    if utc_text(expires) != data["expires_utc"]:  # strptime is laxer than TryParseExact (single digits)
        return None
    return {**{f: data[f] for f in RECORD_FIELDS}, "expired": now >= expires}


class SimHostLock:
    """One host's lock file, <CommonApplicationData>\\remediate\\apply.lock on the host's volume (`fs`, a SimFiles:
    what System.IO sees under the interpreter is this file). Thread-safe: every method that reads and writes the
    file holds `mutex`."""

    def __init__(self, fs: SimFiles | None = None) -> None:
        self.fs = fs or SimFiles()
        self.mutex = threading.Lock()
        self.on_acquired: Callable[[], None] | None = None

    def bind(self, fs: SimFiles) -> None:
        """Moves the lock file onto the host's volume (SimHost shares one SimFiles among its domains)."""
        with self.mutex:
            content = self.content
            self.fs = fs
            self.content = content
        fs.on_written.append(self._written)

    def _written(self, path: str) -> None:
        # The agent wrote the lock file and closed it (Enter-HostLock took the lock): the test hook runs here, where
        # the apply has not changed anything yet, with the file closed so that another agent can read who holds it.
        if self.on_acquired is not None and path.casefold() == self.path.casefold() and self.content:
            self.on_acquired()

    @property
    def path(self) -> str:
        return self.fs.folder("CommonApplicationData") + "\\remediate\\apply.lock"

    @property
    def content(self) -> str | None:
        """The file's text (ASCII, as the agent writes it), None when there is no file."""
        if not self.fs.is_file(self.path):
            return None
        return self.fs.read(self.path).decode("ascii", "replace")

    @content.setter
    def content(self, text: str | None) -> None:
        if text is None:
            if self.fs.is_file(self.path):
                self.fs.delete(self.path)
            return
        self.fs.create_folder(self.path.rsplit("\\", 1)[0])
        self.fs.write(self.path, text.encode("ascii", "replace"))

    def load(self, data: dict[str, Any] | str | None) -> None:
        """Put a lock file in place: a record (`{"run_id", "owner", "acquired_utc", "expires_utc"}`) or raw text."""
        with self.mutex:
            self.content = data if isinstance(data, str) or data is None else _canonical(data)

    def snapshot(self) -> str | None:
        with self.mutex:
            return self.content


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
