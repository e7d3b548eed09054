"""`mail_queue_probe` (a probe): no outbound mail queue stuck in Retry on the host.

A queue is stuck when its status is Retry and it holds more than `max_messages` messages, or, whatever it holds,
its last error says the semaphore timeout expired (KB 919091: "Semaphore timeout period has expired" in the queue's
Additional queue information, next to event 4006). Passing means no queue is stuck.

MAY give `max_messages` (default 0: a Retry queue holding any message fails), 0..1000000. A larger value lets a
few messages wait for a peer that is briefly down without failing the check; the semaphore timeout still fails.

Wire value of the `queue.list` op (args `{}`): `{"queues": [QUEUE, ...], "truncated": bool, "unavailable": null or
a reason}` (at most 200 queues), QUEUE `{"identity": str, "status": str, "message_count": int, "next_hop":
str|null, "last_error": str|null}`:
- Exchange 2000/2003: WMI root\\MicrosoftExchangeV2 Exchange_Link (Exchange System Manager's queues; identity
  `<protocol>/<virtual server>/<link name>`), status Retry / Frozen / Active / Ready from the link's state flags,
  last_error its ExtendedStateInfo. That namespace is the Exchange 2003 SDK's; whether Exchange 2000 has it is
  UNCONFIRMED (its documented class is root\\cimv2\\applications\\exchange ExchangeLink, which is not read), so
  on Exchange 2000 the op may fail;
- Exchange 2007-2019: Get-Queue (Identity, Status, MessageCount, NextHopDomain, LastError) through the Exchange
  Management Shell snap-in. Get-Queue asks the Transport service: while that service is stopped the agent answers
  no queues and `unavailable` with that reason, and the probe fails (a queue that cannot be read is not known to
  be empty, and a stopped transport is a finding, not a broken read).

Desired `{"stuck": [], "max_messages": N}`: the limit travels in the desired value because `same` sees only
observed and desired. A failed probe lists each stuck queue with its status, count, next hop and last error.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from remediate.resources.base import FieldChange, Op, ResourceKind, WholeNumber

SEMAPHORE_TIMEOUT = re.compile(r"semaphore timeout", re.IGNORECASE)


def stuck_queues(observed: Any, max_messages: int) -> list[dict[str, Any]]:
    """The queues of a `queue.list` value that fail the probe, in the order the host listed them."""
    queues = observed.get("queues") if isinstance(observed, dict) else None
    out = []
    for queue in queues if isinstance(queues, list) else []:
        if not isinstance(queue, dict) or str(queue.get("status", "")).lower() != "retry":
            continue
        count = queue.get("message_count")
        over = isinstance(count, int) and not isinstance(count, bool) and count > max_messages
        timeout = isinstance(queue.get("last_error"), str) and bool(SEMAPHORE_TIMEOUT.search(queue["last_error"]))
        if over or timeout:
            out.append(queue)
    return out


class MailQueueProbeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["mail_queue_probe"]
    max_messages: WholeNumber = Field(default=0, ge=0, le=1000000)


class MailQueueProbe(ResourceKind[MailQueueProbeSpec]):
    kind: ClassVar[str] = "mail_queue_probe"
    spec_model: ClassVar[type[BaseModel]] = MailQueueProbeSpec
    probe: ClassVar[bool] = True

    def identity(self, spec: MailQueueProbeSpec) -> dict[str, Any]:
        return {"max_messages": spec.max_messages}

    def key(self, identity: dict[str, Any]) -> str:
        return f"queues/retry/{identity['max_messages']}"

    def describe(self, identity: dict[str, Any]) -> str:
        limit = identity["max_messages"]
        held = "any message" if limit == 0 else f"more than {limit} message(s)"
        return f"mail queues: none in Retry holding {held} or failing with the semaphore timeout"

    def read_op(self, identity: dict[str, Any]) -> Op:
        return Op("queue.list", {})

    def desired(self, spec: MailQueueProbeSpec) -> Any:
        return {"stuck": [], "max_messages": spec.max_messages}

    def set_op(self, identity: dict[str, Any], value: Any) -> Op:
        raise TypeError("mail_queue_probe is a probe: it reads and never sets")

    def same(self, observed: Any, desired: Any) -> bool:
        if not isinstance(observed, dict) or not isinstance(observed.get("queues"), list):
            return False
        if observed.get("unavailable"):
            return False
        return not stuck_queues(observed, int(desired.get("max_messages", 0)))

    def changes(self, observed: Any, desired: Any) -> list[FieldChange]:
        """One line per stuck queue: what it holds and why it is stuck; or why the queues could not be read."""
        if not isinstance(observed, dict) or not isinstance(observed.get("queues"), list):
            return [FieldChange("value", observed, desired)]
        if observed.get("unavailable"):
            return [FieldChange("unavailable", observed["unavailable"], None)]
        out = []
        for queue in stuck_queues(observed, int(desired.get("max_messages", 0))):
            seen = {k: queue.get(k) for k in ("status", "message_count", "next_hop", "last_error")}
            out.append(FieldChange(f"stuck[{queue.get('identity')}]", seen, None))
        return out
