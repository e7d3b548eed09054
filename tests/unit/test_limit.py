"""`--limit` (remediate/engine/fleet.py select_hosts) as a table: host names, group names, globs over both,
`!pattern` exclusions, inventory order kept; and the patterns that are refused rather than guessed at."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from remediate.engine.fleet import select_hosts
from remediate.errors import RemediateError
from remediate.inventory import Inventory, load_inventory

INVENTORY = """
connection: {address: 127.0.0.1, user: admin, password: {env: REMEDIATE_TEST_PW}}
groups:
  exchange2003: {hosts: [ex03a, ex03b]}
  exchange2019: {hosts: [ex19a, ex19b]}
  dmz: {hosts: [edge1, ex19b]}
hosts:
  ex03a: {}
  ex03b: {}
  ex10a: {}
  ex19a: {}
  ex19b: {}
  edge1: {}
"""
ALL = ["ex03a", "ex03b", "ex10a", "ex19a", "ex19b", "edge1"]


@pytest.fixture
def inventory(write: Callable[[str, str], Path]) -> Inventory:
    return load_inventory(write("inventory.yaml", INVENTORY))


SELECTS = [
    (None, ALL),
    ("ex03a", ["ex03a"]),
    ("exchange2003", ["ex03a", "ex03b"]),
    ("ex19*", ["ex19a", "ex19b"]),
    ("exchange*", ["ex03a", "ex03b", "ex19a", "ex19b"]),  # a glob over group names
    ("ex?0a", ["ex10a"]),
    ("ex[01][03]a", ["ex03a", "ex10a"]),
    ("ex10a,ex03a", ["ex03a", "ex10a"]),  # inventory order, not the order written
    (" ex03a , ex10a ", ["ex03a", "ex10a"]),
    ("ex03a,ex03a,exchange2003", ["ex03a", "ex03b"]),  # each host once
    ("exchange2019,dmz", ["ex19a", "ex19b", "edge1"]),
    ("exchange2019,!dmz", ["ex19a"]),  # exclusions win over inclusions, whatever the order
    ("!dmz,exchange2019", ["ex19a"]),
    ("!dmz", ["ex03a", "ex03b", "ex10a", "ex19a"]),  # only exclusions: every other host
    ("!exchange*,!edge1", ["ex10a"]),
    ("*,!ex1?a", ["ex03a", "ex03b", "ex19b", "edge1"]),
    ("ex03a,", ["ex03a"]),
]


@pytest.mark.parametrize("limit, expected", SELECTS, ids=[str(s[0]) for s in SELECTS])
def test_limit_selects(inventory: Inventory, limit: str | None, expected: list[str]) -> None:
    assert select_hosts(inventory, limit) == expected


REFUSED = [
    ("nosuch", "'nosuch' matches no host or group"),
    ("ex03a,nosuch*", "'nosuch*' matches no host or group"),
    ("!nosuch", "'nosuch' matches no host or group"),  # a typo in an exclusion must not widen a run silently
    ("EX03A", "'EX03A' matches no host or group"),  # case-sensitive, like the inventory's keys
    ("ex03a,!exchange2003", "leaves no host selected"),
    ("", "names no host, group or pattern"),  # --limit "$EMPTY" must not mean every host
    (" , ", "names no host, group or pattern"),
]


@pytest.mark.parametrize("limit, message", REFUSED, ids=[repr(r[0]) for r in REFUSED])
def test_limit_refuses(inventory: Inventory, limit: str, message: str) -> None:
    with pytest.raises(RemediateError, match=message.replace("*", r"\*").replace("?", r"\?")):
        select_hosts(inventory, limit)
