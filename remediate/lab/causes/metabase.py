"""The IIS 6 SMTP virtual server's event-4006 causes on `host.metabase`, a `SimMetabase`.

"smart-host-wrong" when /LM/SMTPSVC/1 always uses a smart host (SmartHostType 2) and none of its smart hosts
answers (the lab's convention, as in lab/state/exchange.py: a name under the reserved `.invalid` top-level domain,
RFC 2606, never answers); "no-banner" when a ConnectResponse is in effect that does not start with a 220 reply. The
lab sends a set ConnectResponse as the whole greeting line: whether the real service puts "220 <FQDN>" in front of
it is UNCONFIRMED (KB 281224), so the lab takes the case where it does not.
"""

from __future__ import annotations

import re
from typing import Any

INSTANCE = "/LM/SMTPSVC/1"
REPLY_220 = re.compile(r"220(?:[ -]|$)")  # RFC 5321 4.2: a reply code, then a space, a hyphen or the line's end


def active_causes(host: Any) -> list[str]:
    metabase = host.metabase
    if not metabase.exists(INSTANCE):
        return []
    causes = []
    if metabase.effective(INSTANCE, "SmartHostType") == 2:
        listed = [h.strip().lower() for h in (metabase.effective(INSTANCE, "SmartHost") or "").split(";")]
        if not any(h and not h.endswith(".invalid") for h in listed):
            causes.append("smart-host-wrong")
    banner = metabase.effective(INSTANCE, "ConnectResponse")
    if banner and not REPLY_220.match(banner):
        causes.append("no-banner")
    return causes
