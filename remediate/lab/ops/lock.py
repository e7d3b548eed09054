"""Host lock ops (templates/agent/lock.ps1) on `host.host_lock`, a `SimHostLock`; and the checks of an apply
request's `lock` object, shared with `remediate.lab.agent_sim.locked_apply` (the twin of Invoke-LockedApply)."""

from __future__ import annotations

from typing import Any

from remediate.lab.ops.args import text_arg
from remediate.lab.state import InvalidArgument


def _units(text: str) -> int:
    """Length as .NET counts it (UTF-16 code units), so limits match the agent's `.Length`."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def check_lock_request(lock: Any) -> tuple[str, str, int]:
    """(run_id, owner, ttl_seconds) of a request's `lock`; InvalidArgument with the agent's messages otherwise."""
    run_id = text_arg(lock, "run_id")
    owner = text_arg(lock, "owner")
    if not 1 <= _units(run_id) <= 128:
        raise InvalidArgument("argument 'run_id' must be 1 to 128 characters")
    if not 1 <= _units(owner) <= 256:
        raise InvalidArgument("argument 'owner' must be 1 to 256 characters")
    ttl = lock.get("ttl_seconds")
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 1 <= ttl <= 86400:
        raise InvalidArgument("argument 'ttl_seconds' must be an integer from 1 to 86400")
    return run_id, owner, ttl


def op_get(host: Any, args: Any) -> dict[str, Any] | None:
    return host.host_lock.record()


def op_release(host: Any, args: Any) -> dict[str, Any]:
    return host.host_lock.release(text_arg(args, "run_id"))


OPS = {"lock.get": op_get, "lock.release": op_release}
WRITES = {"lock.release"}

