"""Reading a saved plan file for `apply`: strict, and refused before any host is contacted when damaged."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from remediate.engine.model import PLAN_VERSIONS, Plan
from remediate.errors import InputError, Location
from remediate.validation import input_path


def load_plan_file(path: Path) -> Plan:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(Location(str(path)), f"cannot read plan file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise InputError(Location(str(path)), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(Location(str(path), exc.lineno), f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(Location(str(path)), "not a plan: nested too deeply") from None
    if not isinstance(data, dict) or data.get("format") != "remediate.plan":
        raise InputError(Location(str(path), None, "format"), "not a remediate plan file "
                         "(expected format: remediate.plan)")
    if data.get("version") not in PLAN_VERSIONS:
        raise InputError(Location(str(path), None, "version"),
                         f"plan format version {data.get('version')!r} is not supported (expected "
                         f"{' or '.join(map(str, PLAN_VERSIONS))})")
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in input_path(tuple(first["loc"]), data))
        raise InputError(Location(str(path), None, field), f"{first['msg']}") from None
    check_plan_changes(plan, path)
    return plan


def check_plan_changes(plan: Plan, path: Path) -> None:
    """Refuse, before any host is contacted, what `apply` could not send: a host listed twice, an unknown or
    read-only kind, or an identity or value its kind cannot build ops from (a hand-edited or damaged file).
    Found by tests/unit/test_fuzz_loaders.py, where such files crashed the apply with KeyError/AttributeError."""
    from remediate.resources import KINDS

    seen: set[str] = set()
    for h, host in enumerate(plan.hosts):
        if host.host in seen:
            raise InputError(Location(str(path), None, f"hosts[{h}].host"), f"host {host.host!r} is listed twice")
        seen.add(host.host)
        for i, item in enumerate(host.items):
            if not item.is_change:
                continue
            where = Location(str(path), None, f"hosts[{h}].items[{i}]")
            kind = KINDS.get(item.kind)
            if kind is None:
                raise InputError(where, f"unknown resource kind {item.kind!r}")
            if kind.probe:
                raise InputError(where, f"{item.kind} is a read-only probe; it cannot be a change")
            try:
                kind.read_op(item.identity)
                kind.set_op(item.identity, item.before)
                kind.set_op(item.identity, item.after)
            except Exception as exc:  # noqa: BLE001 - any failure here means the file does not describe a change
                shown = ", ".join(f"{k} {v!r:.80}" for k, v in (("identity", item.identity),
                                                                   ("before", item.before), ("after", item.after)))
                raise InputError(where, f"not a valid {item.kind} change ({shown}): {type(exc).__name__}") from None
