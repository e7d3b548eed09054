"""Batches and the failure limit (remediate/engine/batches.py) as tables."""

from __future__ import annotations

import pytest

from remediate.engine.batches import Amount, Rollout

HOSTS = [f"h{i}" for i in range(25)]


@pytest.mark.parametrize("serial, sizes", [
    (None, [25]),
    ("10", [10, 10, 5]),
    ("1", [1] * 25),
    ("100", [25]),
    ("20%", [5] * 5),
    ("10%", [2] * 12 + [1]),  # 2.5 rounds down
    ("1%", [1] * 25),  # never an empty batch
    ("100%", [25]),
])
def test_batch_sizes(serial: str | None, sizes: list[int]) -> None:
    rollout = Rollout(serial=Amount.parse(serial, "--serial", allow_zero=False) if serial else None)
    batches = rollout.batches(HOSTS)
    assert [len(b) for b in batches] == sizes
    assert [h for b in batches for h in b] == HOSTS  # plan order, each host once


@pytest.mark.parametrize("max_fail, failed, attempted, stop", [
    ("20%", 2, 10, False),  # exactly 20%: not more than
    ("20%", 3, 10, True),
    ("20%", 5, 20, True),
    ("0%", 1, 50, True),
    ("0%", 0, 50, False),
    ("100%", 10, 10, False),
    ("2", 2, 10, False),
    ("2", 3, 100, True),
    (None, 10, 10, False),  # no limit: never stops for failures
])
def test_max_fail(max_fail: str | None, failed: int, attempted: int, stop: bool) -> None:
    rollout = Rollout(max_fail=Amount.parse(max_fail, "--max-fail") if max_fail else None)
    assert rollout.should_stop(failed, attempted) is stop


@pytest.mark.parametrize("text, message", [
    ("ten", "expected a number of hosts"), ("-1", "expected a number"), ("1.5%", "expected a number"),
    ("101%", "0% to 100%"), ("", "expected a number"), ("0", "at least 1"), ("0%", "at least 1"),
])
def test_bad_serial(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Amount.parse(text, "--serial", allow_zero=False)


def test_gate_reason_is_passed_on() -> None:
    rollout = Rollout(gate=lambda host: "closed" if host == "h1" else None)
    assert rollout.why_not_start("h1") == "closed" and rollout.why_not_start("h2") is None
    assert Rollout().why_not_start("h1") is None
