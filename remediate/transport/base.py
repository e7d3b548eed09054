"""The narrow seam between the engine and the wire: run one command with stdin, get its output.

Everything above this seam (agent framing, plan, apply) is transport-agnostic; everything below it (WinRM today,
SSH for network devices) maps its own failures onto `remediate.errors.HostError` subclasses, so callers never
see a library's exception type.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class CommandResult:
    stdout: bytes
    stderr: bytes
    exit_code: int


class Connection(ABC):
    """One host, one run. Opened lazily by the first `run`; `close` MUST be safe to call more than once."""

    host: str

    @abstractmethod
    def run(self, command: str, arguments: list[str], stdin: bytes) -> CommandResult:
        """Run one command to completion. Raises `HostError` subclasses, never library exceptions."""

    @abstractmethod
    def reset(self) -> None:
        """Forget the current session (after a broken connection) so the next `run` starts afresh."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
