"""MetaBase.xml's event-4006 cause on `host.metabase.files`, a `remediate.lab.state.metabase.MetabaseFiles`."""

from __future__ import annotations

from typing import Any

from remediate.lab.state.metabase import problem


def active_causes(host: Any) -> list[str]:
    """"metabase-corrupt" while the current file is not healthy (does not parse or holds no IIsSmtpServer node at
    /LM/SmtpSvc/1), on a host that has an IIS 6 metabase at all."""
    files = host.metabase.files
    with files.lock:
        if files.current is None and not files.history:
            return []  # no IIS 6 metabase on this host at all
        return ["metabase-corrupt"] if problem(files.current, 1) is not None else []
