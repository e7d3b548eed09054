"""An integrity code on every journal row that rollback writes from.

Each host row's changes (kind, identity, rule, before, after) are sealed with HMAC-SHA256 under a key the journal's
database does not hold: for the SQLite journal a random key in `journal.key` beside it (created 0600, never
through a link), for a team journal in PostgreSQL a key shared by the team's runners out of band (an environment
variable or the OS keyring, like the WinRM password), never stored in the database. The code covers the run id
and the host name too, so a row cannot be moved to another run or host. Before rollback writes anything it checks
every row it will use; a row that fails (edited, moved, or sealed with a key this runner does not hold) is refused
with the host named. docs/security.md says what this protects against and what it does not.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from remediate.credentials import CredentialRef, remember
from remediate.errors import RemediateError
from remediate.securefiles import UnsafePathError, check_private_file, write_private

KEY_ENV = "REMEDIATE_JOURNAL_KEY"
KEY_FILE = "journal.key"
MIN_KEY_CHARS = 32
_FORMAT = 1  # what the code covers; a change here is a new format, and old rows keep theirs


@dataclass(frozen=True)
class JournalKey:
    secret: bytes
    source: str  # for messages: "key file /x/journal.key", "environment variable REMEDIATE_JOURNAL_KEY"

    @property
    def key_id(self) -> str:
        """A short public name for the key (a hash of it), so a row sealed with another key is told apart."""
        return hashlib.sha256(b"remediate journal key id\0" + self.secret).hexdigest()[:16]

    def seal(self, run_id: str, host: str, changes: list[dict[str, Any]]) -> str:
        return hmac.new(self.secret, _message(run_id, host, changes), hashlib.sha256).hexdigest()

    def problem(self, run_id: str, host: str, changes: list[dict[str, Any]], mac: str | None,
                key_id: str | None) -> str | None:
        """None when the row's code verifies; else why it does not (for the refusal message)."""
        if not mac:
            return "the row carries no integrity code"
        if key_id and key_id != self.key_id:
            return (f"the row was sealed with another journal key (id {key_id}; this runner's {self.source} has id "
                    f"{self.key_id})")
        if not hmac.compare_digest(mac, self.seal(run_id, host, changes)):
            return "its integrity code does not match its content: it was changed outside remediate"
        return None


def _message(run_id: str, host: str, changes: list[dict[str, Any]]) -> bytes:
    body = {"format": _FORMAT, "run_id": run_id, "host": host, "changes": changes}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _from_text(text: str, source: str) -> JournalKey:
    text = text.strip()
    if len(text) < MIN_KEY_CHARS:
        raise RemediateError(f"the journal key from {source} is too short: at least {MIN_KEY_CHARS} characters "
                             "(make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
    remember(text)  # masked wherever a message could carry it (remediate/credentials.py)
    return JournalKey(text.encode("utf-8"), source)


def key_from_reference(ref: CredentialRef) -> JournalKey:
    """A team key named in the inventory (`journal: {key: {env: NAME}}` or `{keyring: ...}`)."""
    return _from_text(ref.resolve("journal"), ref.describe())


def key_from_environment() -> JournalKey | None:
    value = os.environ.get(KEY_ENV)
    if value is None or value == "":
        return None
    return _from_text(value, f"environment variable {KEY_ENV}")


def key_beside(state_dir: Path) -> JournalKey:
    """The SQLite journal's own key: `journal.key` in its (private, checked) state folder, made on first use
    (0600, exclusively, never through a link). A key others could read may have been copied: refused."""
    path = state_dir / KEY_FILE
    _refuse_if_readable_by_others(path)
    if not check_private_file(path, what="journal key"):
        try:
            write_private(path, secrets.token_urlsafe(32) + "\n", "new", what="journal key")
        except UnsafePathError:
            if not check_private_file(path, what="journal key"):  # not a second runner that made it just now
                raise
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            text = os.read(fd, 4096).decode("ascii")
        finally:
            os.close(fd)
    except OSError as exc:
        raise RemediateError(f"cannot read the journal key {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise RemediateError(f"journal key {path} is not a key remediate made (not ASCII text)") from None
    return _from_text(text, f"key file {path}")


def _refuse_if_readable_by_others(path: Path) -> None:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return
    if os.name == "posix" and mode & 0o044:
        raise RemediateError(f"journal key {path} is readable by others (mode {mode & 0o777:04o}): whoever copied it "
                             "can forge journal rows. If nobody else can have read it, chmod 600 it; otherwise "
                             "move it away (rows it sealed then fail their check and must be restored by hand)")
