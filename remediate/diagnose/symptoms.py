"""The symptoms of event 4006 on one host, from the plan's symptom probes: what the admin saw, read back first.

- `event_log_probe` items: how many entries of the event in the window, and when the newest was written;
- `mail_queue_probe` items: every queue the host listed, the stuck ones (Retry with messages, or failing with the
  semaphore timeout: remediate/resources/mail_queue_probe.py) first, each with its count, next hop and last error.

`present` when any queue is stuck or any event was logged in the window; `absent` when the probes ran and found
neither; `unknown` when a probe could not read (or no symptom rule applies to an Exchange host); `not_applicable`
on a host without Exchange (a router has no mail queue).
"""

from __future__ import annotations

from typing import Any

from remediate.diagnose.model import EventSymptom, QueueState, Symptoms
from remediate.engine.model import HostPlan, ItemStatus
from remediate.resources.mail_queue_probe import stuck_queues


def read_symptoms(plan: HostPlan, role: str) -> Symptoms:
    if plan.error is not None:
        return Symptoms(state="unknown", summary=f"not read: the host could not be read ({plan.error.message})")
    events = [i for i in plan.items if i.kind == "event_log_probe" and i.status is not ItemStatus.NOT_APPLICABLE]
    queues = [i for i in plan.items if i.kind == "mail_queue_probe" and i.status is not ItemStatus.NOT_APPLICABLE]
    if not events and not queues:
        if role == "exchange":
            return Symptoms(state="unknown", summary="not read: no symptom rule of the playbooks applies to this "
                                                     "host (playbooks/symptoms-4006.yaml reads them)")
        return Symptoms(state="not_applicable", summary="no Exchange transport on this host: no mail queue")
    errors = [f"{i.description}: {i.error}" for i in (*events, *queues) if i.status is ItemStatus.ERROR]
    event = _event(events)
    listed, unavailable = _queues(queues)
    stuck = [q for q in listed if q.stuck]
    logged = event is not None and bool(event.count)
    present = bool(stuck) or logged or bool(unavailable)
    state = "present" if present else ("unknown" if errors else "absent")
    return Symptoms(state=state, summary=_summary(stuck, event, unavailable, errors, state), event_4006=event,
                    queues=listed, queues_unavailable=unavailable, errors=errors)


def _event(items: list[Any]) -> EventSymptom | None:
    for item in items:
        seen = item.before if isinstance(item.before, dict) else {}
        if item.status is ItemStatus.ERROR:
            continue
        return EventSymptom(count=seen.get("count"), newest=seen.get("newest"),
                            window_minutes=int(item.identity.get("since_minutes", 0)), rule_id=item.rule_id)
    return None


def _queues(items: list[Any]) -> tuple[list[QueueState], str | None]:
    out: list[QueueState] = []
    unavailable = None
    for item in items:
        seen = item.before if isinstance(item.before, dict) else None
        if item.status is ItemStatus.ERROR or seen is None:
            continue
        unavailable = unavailable or seen.get("unavailable")
        stuck_ids = {id(q) for q in stuck_queues(seen, int(item.identity.get("max_messages", 0)))}
        for queue in seen.get("queues") or []:
            if not isinstance(queue, dict):
                continue
            count = queue.get("message_count")
            out.append(QueueState(
                identity=str(queue.get("identity", "?")), status=str(queue.get("status", "?")),
                message_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
                next_hop=_text(queue.get("next_hop")), last_error=_text(queue.get("last_error")),
                stuck=id(queue) in stuck_ids))
        break  # one queue reading is enough; a second probe (another limit) reads the same queues
    # Stuck queues first, the fullest first: the datum that decides is never the one a reader has to hunt for.
    out.sort(key=lambda q: (not q.stuck, -(q.message_count or 0)))
    return out, unavailable


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _summary(stuck: list[QueueState], event: EventSymptom | None, unavailable: str | None, errors: list[str],
             state: str) -> str:
    parts = []
    if stuck:
        held = sum(q.message_count or 0 for q in stuck)
        parts.append(f"{held} message{'s' if held != 1 else ''} stuck in {len(stuck)} queue"
                     f"{'s' if len(stuck) != 1 else ''} in Retry")
    if unavailable:
        parts.append(f"queues unreadable: {unavailable}")
    if event is not None and event.count:
        parts.append(f"event 4006 logged {event.count} time{'s' if event.count != 1 else ''} in the last "
                     f"{_span(event.window_minutes)}, newest {event.newest}")
    if parts:
        return "; ".join(parts)
    if state == "unknown":
        return "could not be read: " + "; ".join(errors)
    return "none: no queue stuck" + (", no event 4006 in the window" if event is not None else "")


def _span(minutes: int) -> str:
    if minutes and minutes % 60 == 0:
        return f"{minutes // 60} hours" if minutes != 60 else "hour"
    return f"{minutes} minutes"
