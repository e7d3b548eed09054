"""The host lock of a Cisco IOS device, held in the device's own configuration.

IOS keeps no file an agent could create exclusively, and `configure terminal lock` needs `configuration mode
exclusive`, which few devices have configured. Every IOS since 10.x has exec aliases, and every session sees the
one running-config, so the lock is a line in it that no one types:

    alias exec remediate-lock-3f2a9c01d4e5 run 20261204T173534Z-ab12cd owner admin@ws1
        acquired 2026-12-04T17:35:34Z expires 2026-12-04T18:05:34Z       (one line on the device)

The alias's name is fixed by the run id (a digest), so two runs write two lines, never one over the other.

- **Take** (before the compare of an apply): read the running-config. A lock line of another run that has not
  expired: the device is locked, nothing is written. Expired lines of other runs, and lines under our prefix that
  do not parse, are removed (the answer names the one taken over). Then our line is written, the running-config
  read again, and if an unexpired line of another run is there too (two runs took the lock at once), ours is
  removed and the device reported locked: of two racing runs at least one backs off, and a run proceeds only after
  reading its own line as the only one. Both may back off; neither writes.
- **Release** (after the apply, whatever its outcome): our line is removed when it is still there; `write memory`
  follows when the apply saved the configuration with the lock line in it, so the startup-config does not keep it.
- Times are the runner's clock (UTC): a device's clock is often unset. Runners whose clocks differ by more than the
  lock's lifetime (30 minutes) could take an unexpired lock over.
- Every value on the line is generated from checked fields: the run id must be 1-64 of `[A-Za-z0-9._:-]`, the owner
  is reduced to those characters and `@` (it is information, not identity). Nothing else reaches the command.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

PREFIX = "remediate-lock-"
_RUN_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_STAMP = "%Y-%m-%dT%H:%M:%SZ"
_LINE = re.compile(rf"alias exec ({re.escape(PREFIX)}[0-9a-f]{{12}}) run ({_RUN_ID.pattern}) owner "
                   r"([A-Za-z0-9@._:-]{1,64}) acquired (\S+) expires (\S+)")
_OURS = re.compile(rf"alias exec ({re.escape(PREFIX)}\S*)(?: .*)?")


class Device(Protocol):
    def command(self, line: str) -> str: ...


class LockError(Exception):
    """A bad `lock` object of the request (InvalidArgument) or a device that would not take the line (Failed)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


@dataclass(frozen=True)
class LockLine:
    name: str
    run_id: str
    owner: str
    acquired: str
    expires: str

    def record(self, now: datetime) -> dict[str, Any]:
        return {"run_id": self.run_id, "owner": self.owner, "acquired_utc": self.acquired,
                "expires_utc": self.expires, "expired": _expired(self.expires, now)}


def _expired(stamp: str, now: datetime) -> bool:
    try:
        return datetime.strptime(stamp, _STAMP).replace(tzinfo=timezone.utc) <= now
    except ValueError:
        return True  # a time we cannot read does not hold a device


def alias_name(run_id: str) -> str:
    return PREFIX + hashlib.sha256(run_id.encode("utf-8")).hexdigest()[:12]


def checked(lock: Any) -> tuple[str, str, int]:
    """(run_id, owner as written on the device, ttl_seconds) of a request's `lock`."""
    if not isinstance(lock, dict):
        raise LockError("InvalidArgument", "lock must be an object")
    run_id, owner, ttl = lock.get("run_id"), lock.get("owner"), lock.get("ttl_seconds")
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
        raise LockError("InvalidArgument", "argument 'run_id' must be 1 to 64 letters, digits, '.', '_', ':' or '-' "
                        "on a network device")
    if not isinstance(owner, str) or not owner:
        raise LockError("InvalidArgument", "argument 'owner' must be 1 to 256 characters")
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 1 <= ttl <= 86400:
        raise LockError("InvalidArgument", "argument 'ttl_seconds' must be an integer from 1 to 86400")
    shown = re.sub(r"[^A-Za-z0-9@._:-]", "_", owner)[:64]
    return run_id, shown, ttl


def read_locks(config: str) -> tuple[list[LockLine], list[str]]:
    """Lock lines of a running-config, and the names under our prefix that are not lock lines (to clear)."""
    locks, broken = [], []
    for line in config.splitlines():
        line = line.strip()
        match = _LINE.fullmatch(line)
        if match:
            locks.append(LockLine(*match.groups()))
        elif (other := _OURS.fullmatch(line)) is not None:
            broken.append(other[1])
    return locks, broken


def _configure(device: Device, lines: list[str]) -> None:
    if not lines:
        return
    device.command("configure terminal")
    try:
        for line in lines:
            device.command(line)
    finally:
        device.command("end")


def take(device: Device, lock: Any, now: datetime | None = None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(holder, taken_over): holder is the record of the run that holds the device (nothing was written then)."""
    run_id, owner, ttl = checked(lock)
    now = now or datetime.now(timezone.utc)
    mine = alias_name(run_id)
    locks, broken = read_locks(device.command("show running-config"))
    others = [lk for lk in locks if lk.run_id != run_id]
    held = [lk for lk in others if not _expired(lk.expires, now)]
    if held:
        return held[0].record(now), None
    stale = [lk for lk in others if _expired(lk.expires, now)]
    taken_over = stale[-1].record(now) if stale else None
    expires = (now + timedelta(seconds=ttl)).strftime(_STAMP)
    line = f"alias exec {mine} run {run_id} owner {owner} acquired {now.strftime(_STAMP)} expires {expires}"
    _configure(device, [*(f"no alias exec {lk.name}" for lk in stale), *(f"no alias exec {n}" for n in broken), line])
    locks, _ = read_locks(device.command("show running-config"))
    if not any(lk.name == mine and lk.run_id == run_id for lk in locks):
        raise LockError("Failed", "the lock line did not appear in the running-config")
    rivals = [lk for lk in locks if lk.run_id != run_id and not _expired(lk.expires, now)]
    if rivals:  # another run wrote its line between our read and our write: back off, write nothing
        _configure(device, [f"no alias exec {mine}"])
        return rivals[0].record(now), None
    return None, taken_over


def release(device: Device, run_id: str, save: bool) -> bool:
    """Remove our lock line; True when it was there. `save`: the apply wrote memory with the line in it."""
    mine = alias_name(run_id)
    locks, _ = read_locks(device.command("show running-config"))
    present = any(lk.name == mine for lk in locks)
    if present:
        _configure(device, [f"no alias exec {mine}"])
    if save:
        device.command("write memory")
    return present
