"""Runs that travel: `history export RUN_ID -o run.json`, and `rollback --from run.json` on another machine.

For runners with no shared journal (a CI job whose runner is thrown away): the export holds the run and every host
row as the journal has them, each row with its integrity code. `rollback --from` adds the run to the local journal
(so `history` shows it and the rollback names it as its parent) and checks each row with this runner's key, as for
any journal row: the key must be the one the run was sealed with, so runners that exchange exports share it
(`REMEDIATE_JOURNAL_KEY`, from the CI's secret store). Format `remediate.run-export`, version 1:

```json
{"format": "remediate.run-export", "version": 1, "tool_version": "0.1.0", "exported_at": "...",
 "journal": "where it came from", "run": {"run_id", "kind", "parent_run", "started_at", "finished_at", "status",
 "user", "workstation", "command", "reason",
 "hosts": [{"host", "status", "changes", "result", "updated_at", "mac", "key_id"}]}}
```
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from remediate import __version__
from remediate.errors import InputError, Location
from remediate.journal.base import RunJournal
from remediate.securefiles import write_private
from remediate.journal.records import JournalHost, JournalRun, now

FORMAT = "remediate.run-export"
VERSION = 1
_RUN_FIELDS = ("run_id", "kind", "parent_run", "started_at", "finished_at", "status", "user", "workstation",
               "command", "reason")
_HOST_FIELDS = ("host", "status", "changes", "result", "updated_at", "mac", "key_id")


def export_document(journal: RunJournal, run_id: str) -> dict[str, Any]:
    run = journal.run(run_id)
    body = {name: getattr(run, name) for name in _RUN_FIELDS}
    body["hosts"] = [{name: getattr(h, name) for name in _HOST_FIELDS} for h in run.hosts]
    return {"format": FORMAT, "version": VERSION, "tool_version": __version__, "exported_at": now(),
            "journal": journal.location, "run": body}


def write_export(document: dict[str, Any], path: Path) -> None:
    """Write the export 0600: it holds every value the run changed (remediate/securefiles.py)."""
    write_private(path, json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n", "replace",
                  what="run export")


def read_export(path: Path) -> JournalRun:
    """The run of an export file, its rows' codes unchecked (the journal that imports it checks them)."""
    where = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(Location(where), f"cannot read the run export: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(Location(where), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputError(Location(where, exc.lineno), f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(Location(where), "not a run export: nested too deeply") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(Location(where, None, "format"), f"not a run export (expected format: {FORMAT}; make one "
                         "with 'remediate history export RUN_ID -o FILE')")
    if data.get("version") != VERSION:
        raise InputError(Location(where, None, "version"),
                         f"run export version {data.get('version')!r} is not supported (expected {VERSION})")
    run = data.get("run")
    if not isinstance(run, dict):
        raise InputError(Location(where, None, "run"), "expected the run as an object")
    for name in _RUN_FIELDS:
        if name not in run or not (run[name] is None or isinstance(run[name], str)):
            raise InputError(Location(where, None, f"run.{name}"), "expected a string or null")
    if not run["run_id"] or run["kind"] not in ("apply", "rollback"):
        raise InputError(Location(where, None, "run.kind"), "expected a run id and a kind of apply or rollback")
    hosts_data = run.get("hosts")
    if not isinstance(hosts_data, list):
        raise InputError(Location(where, None, "run.hosts"), "expected a list of host rows")
    hosts = []
    for index, h in enumerate(hosts_data):
        field = f"run.hosts[{index}]"
        if not isinstance(h, dict) or set(h) != set(_HOST_FIELDS):
            raise InputError(Location(where, None, field), f"expected exactly the fields {', '.join(_HOST_FIELDS)}")
        if not isinstance(h["host"], str) or not isinstance(h["status"], str) or not isinstance(h["changes"], list):
            raise InputError(Location(where, None, field), "expected host and status as text, changes as a list")
        if h["result"] is not None and not isinstance(h["result"], dict):
            raise InputError(Location(where, None, f"{field}.result"), "expected an object or null")
        hosts.append(JournalHost(run["run_id"], h["host"], h["status"], h["changes"], h["result"],
                                 str(h["updated_at"]), mac=h["mac"], key_id=h["key_id"]))
    return JournalRun(run["run_id"], run["kind"], run["parent_run"], run["started_at"], run["finished_at"],
                      run["user"], run["workstation"], run["command"], run["reason"], run["status"], hosts)
