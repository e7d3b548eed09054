"""Which journal a command uses: the inventory's `journal:`, else `REMEDIATE_JOURNAL`, else SQLite in the state dir.

```yaml
journal: postgresql://remediate@db.contoso.com/remediate          # a team journal; key from REMEDIATE_JOURNAL_KEY
journal:
  url: postgresql://remediate@db.contoso.com:5432/remediate?sslmode=verify-full
  key: {env: REMEDIATE_JOURNAL_KEY}                               # or {keyring: "SERVICE/USERNAME"}
```

The database password is never written in the inventory (refused, not echoed): libpq reads it from `PGPASSWORD`,
`~/.pgpass` (`PGPASSFILE`) or a client certificate. A PostgreSQL journal needs the team's integrity key (it is
never stored in the database): the inventory's `key:` reference, else `REMEDIATE_JOURNAL_KEY`.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from remediate.credentials import CredentialRef, remember
from remediate.errors import RemediateError
from remediate.journal.base import RunJournal
from remediate.journal.integrity import KEY_ENV, JournalKey, key_from_environment, key_from_reference

JOURNAL_ENV = "REMEDIATE_JOURNAL"
_SCHEMES = ("postgresql", "postgres")
EXPECTED = "a PostgreSQL URL such as postgresql://USER@HOST:5432/DATABASE (the password goes in PGPASSWORD or ~/.pgpass)"


def _url_problem(url: str) -> str | None:
    """Why `url` is not a journal URL remediate takes, never echoing it (it may hold a password)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return f"not a URL: expected {EXPECTED}"
    if parts.scheme not in _SCHEMES:
        return f"unsupported journal {parts.scheme or 'location'!r}: expected {EXPECTED}"
    return None


class JournalSetting(BaseModel):
    """The inventory's `journal:`: a URL string, or `{url, key}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    url: str
    key: CredentialRef | None = None

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = {"url": value}
        if isinstance(value, dict) and isinstance(value.get("url"), str):
            url = value["url"]
            problem = _url_problem(url)
            if problem:
                raise ValueError(problem)
            parts = urllib.parse.urlsplit(url)
            if parts.password is not None or "password=" in parts.query.lower():
                raise ValueError("a database password must not be written in the inventory; libpq reads it from "
                                 "PGPASSWORD or ~/.pgpass (PGPASSFILE)")
        return value


def shown(url: str) -> str:
    """The URL for messages: any password replaced."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":********@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def open_journal(state_dir: Path, setting: JournalSetting | None = None) -> RunJournal:
    """The journal this command uses (see the module docstring for the order)."""
    url = setting.url if setting is not None else os.environ.get(JOURNAL_ENV) or None
    if url is None:
        from remediate.journal.sqlite import SqliteJournal

        return SqliteJournal(state_dir, key=_shared_key(setting))
    problem = _url_problem(url)
    if problem:
        raise RemediateError(f"{JOURNAL_ENV}: {problem}")
    password = urllib.parse.urlsplit(url).password
    if password:
        remember(urllib.parse.unquote(password))
    key = _shared_key(setting)
    if key is None:
        raise RemediateError(f"the PostgreSQL journal {shown(url)} needs the team's integrity key, which is never "
                             f"stored in the database: set {KEY_ENV} (at least 32 characters, the same on every "
                             "runner), or name it in the inventory as journal: {url: ..., key: {env: NAME}} "
                             "(docs/security.md)")
    from remediate.journal.postgres import PostgresJournal

    return PostgresJournal(url, key)


def _shared_key(setting: JournalSetting | None) -> JournalKey | None:
    if setting is not None and setting.key is not None:
        return key_from_reference(setting.key)
    return key_from_environment()
