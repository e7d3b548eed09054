"""How an apply rolls out: in batches (`--serial`), stopping when too many hosts fail (`--max-fail`), and never
starting a host whose change window has closed.

Contracts:
- Batches are formed from the hosts that have changes to apply, in plan order. `--serial N` makes batches of N
  hosts; `--serial N%` of N percent of those hosts, rounded down, at least one. Without it, one batch holds all.
- Within a batch up to `--forks` hosts are in flight; the next batch starts when the whole batch has finished.
- `--max-fail N` / `N%`: after each batch, the failed hosts of all batches so far are counted (an outcome whose
  `failed` is true: reverted, revert failed, untouched, unreachable, error, unknown); when they are MORE than N
  (or more than N percent of the hosts in those batches), the rollout stops. Hosts of later batches are not
  contacted and are reported `not_attempted`. Without `--max-fail` the rollout never stops for failures.
- The gate is asked right before each host would start; a reason (the change window closed) leaves that host
  `not_attempted` with the reason. Hosts already in flight are never interrupted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from remediate.change_windows import evaluate, state_text
from remediate.inventory import Inventory

_AMOUNT = re.compile(r"^\s*(\d{1,9})\s*(%?)\s*$")

# host -> None to start it, or the reason it must not start (e.g. its change window has closed).
Gate = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Amount:
    """A count (`10`) or a percentage (`20%`) of some number of hosts."""

    value: int
    percent: bool = False

    @classmethod
    def parse(cls, text: str, option: str, allow_zero: bool = True) -> Amount:
        """`N` or `N%`; ValueError with a message naming `option` otherwise."""
        match = _AMOUNT.match(text or "")
        if not match:
            raise ValueError(f"{option}: expected a number of hosts (10) or a percentage (20%), got {text!r}")
        amount = cls(int(match[1]), bool(match[2]))
        if amount.percent and amount.value > 100:
            raise ValueError(f"{option}: a percentage must be 0% to 100%, got {text!r}")
        if not allow_zero and amount.value == 0:
            raise ValueError(f"{option}: must be at least 1 (or 1%), got {text!r}")
        return amount

    def __str__(self) -> str:
        return f"{self.value}{'%' if self.percent else ''}"

    def batch_size(self, total: int) -> int:
        if self.percent:
            return max(1, total * self.value // 100)
        return max(1, self.value)

    def exceeded_by(self, failed: int, attempted: int) -> bool:
        """True when `failed` of `attempted` hosts is more than this amount allows."""
        if self.percent:
            return failed * 100 > self.value * attempted
        return failed > self.value


@dataclass
class Rollout:
    """The shape of an apply: batch size, failure limit, and the gate each host passes before it starts."""

    serial: Amount | None = None
    max_fail: Amount | None = None
    gate: Gate | None = None

    def batches(self, hosts: list[str]) -> list[list[str]]:
        if not hosts:
            return []
        size = len(hosts) if self.serial is None else self.serial.batch_size(len(hosts))
        return [hosts[i : i + size] for i in range(0, len(hosts), size)]

    def should_stop(self, failed: int, attempted: int) -> bool:
        return self.max_fail is not None and attempted > 0 and self.max_fail.exceeded_by(failed, attempted)

    def why_not_start(self, host: str) -> str | None:
        return self.gate(host) if self.gate is not None else None


def window_gate(inventory: Inventory, clock: Callable[[], datetime]) -> Gate:
    """The gate of a run inside change windows: a host whose window is closed at `clock()` is not started."""

    def gate(name: str) -> str | None:
        host = inventory.hosts[name]
        if not host.windows:
            return None
        state = evaluate(host.windows, clock())
        if state.open:
            return None
        return f"not started: its change window closed during the run ({state_text(state)})"

    return gate


def outside_windows(inventory: Inventory, hosts: list[str], now: datetime) -> str | None:
    """None when every host may be changed at `now`; else one message naming the closed hosts and next openings."""
    closed: dict[str, list[str]] = {}
    for name in hosts:
        host = inventory.hosts[name]
        state = evaluate(host.windows, now)
        if not state.open:
            closed.setdefault(state_text(state), []).append(name)
    if not closed:
        return None
    parts = [f"{', '.join(names)}: {text}" for text, names in closed.items()]
    return ("outside the change window: " + "; ".join(parts) + ". Use --limit to leave those hosts out, wait for "
            "the opening, or override with --outside-window --reason TEXT")
