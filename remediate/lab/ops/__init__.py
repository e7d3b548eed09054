"""The lab's op table: one module per domain, the same names as the agent's `#op` declarations.

Each module exposes `OPS` (name -> function(host, args) -> value, raising `remediate.lab.state.StateError`
subclasses for typed failures) and `WRITES` (the names among them that change state; the lab counts them so tests
can prove that plan and check never write). Adding a domain adds a module here and one line below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from remediate.lab.ops import exchange, facts, lock, registry, smtp
from remediate.lab.ops import directory, metabase, metabasefile
from remediate.lab.ops import defender, firewall, services
from remediate.lab.ops import mail

_MODULES = (exchange, facts, lock, registry, smtp)
_MODULES += (directory, metabase, metabasefile)  # Exchange 2003: AD, metabase properties, MetaBase.xml
_MODULES += (defender, firewall, services)  # Windows host settings: Defender exclusions, firewall rules, services
_MODULES += (mail,)  # the symptoms of the others' causes: event log, mail queues

OPS: dict[str, Callable[[Any, Any], Any]] = {}
WRITE_OPS: set[str] = set()
for _module in _MODULES:
    _clash = set(OPS) & set(_module.OPS)
    if _clash:
        raise RuntimeError(f"lab op defined twice: {sorted(_clash)}")
    OPS.update(_module.OPS)
    WRITE_OPS.update(_module.WRITES)
