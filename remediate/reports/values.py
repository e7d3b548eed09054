"""Values as people read them, for every report: never cut at a fixed width.

A value is shown whole; where the whole value buries what matters (a probe's reading, a list of 200 queues), an
item is summarised by what decides it (`item_lines`): a failed probe by the fields that failed, a mail queue probe
by its stuck queues, first. The terminal wraps long lines; nothing here shortens them. `host_label` is the one word
for a host's findings that plan, check and the check report show.
"""

from __future__ import annotations

import json
from typing import Any

from remediate.engine.model import HostPlan, HostStatus, ItemStatus, PlanItem


def show(value: Any, limit: int | None = None) -> str:
    """A value as one readable line: registry values as `REG_DWORD 2`, absence as `(absent)`.

    `limit` is for places with a fixed budget (a JUnit message attribute); a report line passes none."""
    if isinstance(value, dict) and set(value) <= {"exists", "type", "data"}:
        if not value.get("exists"):
            return "(absent)"
        if set(value) == {"exists"}:  # kinds whose whole value is presence (a Defender exclusion)
            return "(present)"
        text = f"{value.get('type')} {json.dumps(value.get('data'), ensure_ascii=False)}"
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."


def queue_line(queue: dict[str, Any]) -> str:
    """`SMTP/1/relay: Retry, 42 messages, next hop relay, last error: 451 4.4.0 ...`: the decisive fields in the
    order an admin reads them, nothing cut."""
    parts = [str(queue.get("status") or "?")]
    count = queue.get("message_count")
    if isinstance(count, int) and not isinstance(count, bool):
        parts.append(f"{count} message{'s' if count != 1 else ''}")
    if queue.get("next_hop"):
        parts.append(f"next hop {queue['next_hop']}")
    line = f"{queue.get('identity', '?')}: " + ", ".join(parts)
    if queue.get("last_error"):
        line += f", last error: {queue['last_error']}"
    return line


def item_lines(item: PlanItem) -> list[str]:
    """What decides an item, one line each: `live -> desired` for a setting; for a failed probe the fields that
    failed (a mail queue probe: each stuck queue; a banner probe: its verdict and the banner); for an error the
    error."""
    if item.status is ItemStatus.ERROR:
        return [item.error or "unknown error"]
    if item.kind == "mail_queue_probe" and item.status is ItemStatus.FAILED:
        stuck = [d for d in item.diff if d.path.startswith("stuck[")]
        if stuck:
            return [f"stuck: {queue_line({'identity': d.path[6:-1], **(d.before or {})})}" for d in stuck]
    if item.status is ItemStatus.FAILED and item.diff:
        return [f"{d.path}: {show(d.before)}" + ("" if d.after is None else f" (needs {show(d.after)})")
                for d in item.diff]
    return [f"{show(item.before)} -> {show(item.after)}"]


def host_label(host: HostPlan, statuses: set[ItemStatus] | None = None) -> str:
    """The word in a host's header: what its findings are, not "drift" for every kind of finding. `drift` only
    when remediate would change something; `manual` when what is left is a person's to fix; `symptoms` when only
    probes failed (the mail is stuck, or the path to the next hop is broken: diagnose says why). `statuses` are
    the findings that count (check leaves waived ones out)."""
    if host.status is HostStatus.ERROR:
        return "error"
    found = {i.status for i in host.items} if statuses is None else statuses
    for status, label in ((ItemStatus.DRIFT, "drift"), (ItemStatus.MANUAL, "manual"), (ItemStatus.FAILED, "symptoms")):
        if status in found:
            return label
    return "compliant"
