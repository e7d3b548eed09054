"""The simulated hosts' state (registry, ...), held in Python, under the lab's simulations of Windows.

Errors raised by the state carry the agent protocol's error type (`docs/agent-protocol.md`, "Answer"): a state
operation that is refused says what the agent would answer for it.
The state modules import these classes from here; this module imports none of them (no import cycle).
"""

from __future__ import annotations


class StateError(Exception):
    """A failed operation on simulated state. `error_type` is the protocol's error type; str() is its message."""

    error_type = "Failed"


class AccessDenied(StateError):
    """Windows refused the access (the agent maps UnauthorizedAccessException / SecurityException to this)."""

    error_type = "AccessDenied"


class InvalidArgument(StateError):
    """An argument the operation cannot take: unknown hive or type, data that does not fit its type."""

    error_type = "InvalidArgument"
