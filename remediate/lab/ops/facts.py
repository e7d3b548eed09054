"""The `facts` op (templates/agent/facts.ps1)."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

FACT_KEYS = ("hostname", "os_caption", "os_version", "ps_version", "exchange_version", "antivirus", "time_utc")


def op_facts(host: Any, args: Any) -> dict[str, Any]:
    facts = {key: copy.deepcopy(host.facts.get(key)) for key in FACT_KEYS}
    facts["hostname"] = facts["hostname"] or host.name.split(".")[0].upper()
    facts["antivirus"] = list(facts["antivirus"] or [])
    # The host's clock is its simulated one (lab/state/mail.py), which event-log windows are counted against.
    mail = getattr(host, "mail", None)
    now = mail.now() if mail is not None else datetime.now(timezone.utc)
    facts["time_utc"] = facts["time_utc"] or now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return facts


OPS = {"facts": op_facts}
WRITES: set[str] = set()
