"""MetaBase.xml ops (templates/agent/metabasefile.ps1) on `host.metabase.files`, a `MetabaseFiles`.

- `metabasefile.health` (args `instance`): `{"healthy": true}` when MetaBase.xml parses and holds the
  IIsSmtpServer node at /LM/SmtpSvc/<instance>; else `{"healthy": false, "digest": sha256|null, "problem": P}`
  with P one of "missing", "unparseable", "no IIsSmtpServer node at /LM/SmtpSvc/<n>" (digest null when missing).
- `metabasefile.restore_history` (args `instance`): nothing to do on a healthy file; else keeps the current file in
  remediate's backup folder as MetaBase-<UTC time>-<sha256>.xml, and puts the newest History copy that is healthy
  in its place with IISADMIN stopped (its running dependents stopped with it and started again after).
- `metabasefile.restore_backup` (args `digest`): puts back the backup whose content has that sha256 (after keeping
  the current file the same way); nothing to do when the current file already has it. This is how a rollback
  returns to the before-value `{"healthy": false, "digest": D, ...}`.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from remediate.lab.state import InvalidArgument, StateError
from remediate.lab.state.metabase import MetabaseFiles, digest, problem

_DIGEST = re.compile(r"[0-9a-f]{64}")


def _instance(args: Any) -> int:
    if not isinstance(args, dict):
        raise InvalidArgument("args must be an object")
    instance = args.get("instance")
    if isinstance(instance, bool) or not isinstance(instance, int) or not 1 <= instance <= 999999999:
        raise InvalidArgument("instance must be an integer from 1 to 999999999")
    return instance


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def health(files: MetabaseFiles, instance: int) -> dict[str, Any]:
    with files.lock:
        why = problem(files.current, instance)
        if why is None:
            return {"healthy": True}
        return {"healthy": False, "digest": None if files.current is None else digest(files.current),
                "problem": why}


def op_health(host: Any, args: Any) -> dict[str, Any]:
    return health(host.metabase.files, _instance(args))


def op_restore_history(host: Any, args: Any) -> None:
    instance = _instance(args)
    files: MetabaseFiles = host.metabase.files
    with files.lock:
        if problem(files.current, instance) is None:
            return None
        good = next((text for _, _, text in files.history if problem(text, instance) is None), None)
        if good is None:
            raise StateError(f"no History copy of MetaBase.xml is healthy (parses and holds /LM/SmtpSvc/{instance}); "
                             "restore the metabase by hand")
        if files.current is not None:
            files.backup(files.current, _stamp())
        files.replace_current(good)
    return None


def op_restore_backup(host: Any, args: Any) -> None:
    if not isinstance(args, dict):
        raise InvalidArgument("args must be an object")
    wanted = args.get("digest")
    if wanted is None:
        raise InvalidArgument("MetaBase.xml was missing before; a rollback does not delete the file")
    if not isinstance(wanted, str) or not _DIGEST.fullmatch(wanted):
        raise InvalidArgument("digest must be 64 lowercase hex digits (sha256)")
    files: MetabaseFiles = host.metabase.files
    with files.lock:
        if files.current is not None and digest(files.current) == wanted:
            return None
        text = files.find_backup(wanted)
        if text is None:
            raise StateError(f"no backup of MetaBase.xml with sha256 {wanted} in {MetabaseFiles.BACKUP_DIR}")
        if files.current is not None:
            files.backup(files.current, _stamp())
        files.replace_current(text)
    return None


OPS = {"metabasefile.health": op_health, "metabasefile.restore_history": op_restore_history,
       "metabasefile.restore_backup": op_restore_backup}
WRITES = {"metabasefile.restore_history", "metabasefile.restore_backup"}
