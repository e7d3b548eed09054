"""The narrow seam between the engine and the wire: run one command with stdin, get its output.

Everything above this seam (agent framing, plan, apply) is transport-agnostic; everything below it (WinRM today,
SSH for network devices) maps its own failures onto `remediate.errors.HostError` subclasses, so callers never
see a library's exception type.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any


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

    def collect(self, handle: Any, budget: float) -> CommandResult | None:
        """The output of a command started before the connection broke (`HostError.in_flight` is its handle),
        fetched over a new session within `budget` seconds; None when it did not finish in time or this transport
        cannot reattach. MUST NOT send the command or its input again."""
        return None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AgentConnection(Connection):
    """A target that runs no PowerShell (a network device): the agent protocol is executed on the runner's side.

    `execute_request` answers one request of docs/agent-protocol.md exactly as the agent would, speaking the
    device's own language over the wire (remediate.transport.ssh for Cisco IOS). The engine calls it instead of
    sending the PowerShell agent through `run`; transport failures are `HostError`s as for any connection.
    """

    @abstractmethod
    def execute_request(self, request: dict[str, Any]) -> dict[str, Any]: ...

    def run(self, command: str, arguments: list[str], stdin: bytes) -> CommandResult:
        from remediate.errors import TransportError

        raise TransportError(self.host, "a network device runs no commands; its agent runs on the runner's side")
