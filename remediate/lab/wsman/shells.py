"""WinRS shells and commands of one simulated host, and the worker threads that run the commands.

A shell belongs to the user who created it; a command belongs to a shell. A command's handler runs once, in a
thread of its own, as soon as stdin is complete (Send with End="true") or, for a command that never received
stdin, at its first Receive. Receives wait on one condition variable per host for the handler to finish.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from remediate.lab.wsman.model import CommandHandler, CommandOutput
from remediate.lab.wsman.soap import (
    INVALID_PARAMETER,
    WSManFault,
    access_denied,
    command_not_found,
    shell_not_found,
)

log = logging.getLogger(__name__)


def _new_id() -> str:
    # Windows hands out upper-case GUIDs for shells and commands.
    return str(uuid.uuid4()).upper()


@dataclass
class Command:
    """One command: its input so far, and its output once the handler returned."""

    id: str
    command: str
    arguments: list[str]
    stdin: bytearray = field(default_factory=bytearray)
    stdin_sent: bool = False  # at least one Send arrived
    stdin_closed: bool = False
    started: bool = False
    output: CommandOutput | None = None
    delivered_out: int = 0  # bytes of stdout already sent in Receive answers
    delivered_err: int = 0


@dataclass
class Shell:
    """One WinRS shell and the options it was created with."""

    id: str
    owner: str
    options: dict[str, str]
    environment: dict[str, str]
    working_directory: str | None
    commands: dict[str, Command] = field(default_factory=dict)


@dataclass(frozen=True)
class OutputChunk:
    """What one Receive answer carries. ``done`` is True only with the last chunk of a finished command."""

    stdout: bytes
    stderr: bytes
    done: bool
    exit_code: int


class ShellRegistry:
    """All shells of one host. Every method is thread-safe; faults are raised as ``WSManFault``."""

    def __init__(self, handler: CommandHandler, on_handler_error: Callable[[BaseException], None]) -> None:
        self._handler = handler
        self._on_handler_error = on_handler_error
        self._shells: dict[str, Shell] = {}
        self._cond = threading.Condition()
        self._closed = False

    # --- shells -------------------------------------------------------------------------------------------------
    def create_shell(self, owner: str, options: dict[str, str], environment: dict[str, str],
                     working_directory: str | None) -> Shell:
        shell = Shell(_new_id(), owner, dict(options), dict(environment), working_directory)
        with self._cond:
            self._shells[shell.id] = shell
        return shell

    def shell(self, shell_id: str | None, user: str) -> Shell:
        """The shell with this id, if ``user`` owns it (another user gets "access denied", as on Windows)."""
        with self._cond:
            shell = self._shells.get(shell_id or "")
        if shell is None:
            raise shell_not_found(shell_id or "(none)")
        if shell.owner != user:
            raise access_denied()
        return shell

    def delete_shell(self, shell: Shell) -> None:
        with self._cond:
            self._shells.pop(shell.id, None)
            # Commands of a deleted shell are abandoned; wake Receives that wait for them.
            shell.commands.clear()
            self._cond.notify_all()

    def shell_count(self) -> int:
        with self._cond:
            return len(self._shells)

    def expire_all(self) -> int:
        """Forget every shell, as Windows does when a shell's idle timeout passes or WinRM restarts."""
        with self._cond:
            shells = list(self._shells.values())
        for shell in shells:
            self.delete_shell(shell)
        return len(shells)

    # --- commands -----------------------------------------------------------------------------------------------
    def add_command(self, shell: Shell, command: str, arguments: list[str]) -> Command:
        cmd = Command(_new_id(), command, list(arguments))
        with self._cond:
            shell.commands[cmd.id] = cmd
        return cmd

    def command(self, shell: Shell, command_id: str | None) -> Command:
        with self._cond:
            cmd = shell.commands.get(command_id or "")
        if cmd is None:
            raise command_not_found(command_id or "(none)")
        return cmd

    def send(self, cmd: Command, data: bytes, end: bool) -> None:
        """Append stdin; on ``end`` close stdin and start the handler."""
        with self._cond:
            if cmd.stdin_closed or cmd.started:
                raise WSManFault(INVALID_PARAMETER, "w:InvalidParameter",
                                 f"The stdin stream of command {cmd.id} is already closed.")
            cmd.stdin += data
            cmd.stdin_sent = True
            if end:
                cmd.stdin_closed = True
                self._start(cmd)

    def signal(self, shell: Shell, cmd: Command) -> None:
        """Terminate: forget the command. A handler still running finishes unseen (threads cannot be killed)."""
        with self._cond:
            shell.commands.pop(cmd.id, None)
            self._cond.notify_all()

    def receive(self, shell: Shell, cmd: Command, timeout: float, budget: int) -> OutputChunk | None:
        """Wait up to ``timeout`` seconds for the command to finish, then hand out up to ``budget`` output bytes.

        Returns None when the command is still running at the deadline (the caller answers w:TimedOut). A command
        whose output exceeds ``budget`` is drained over several Receives, the last one marked done.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            if not cmd.started and not cmd.stdin_sent:
                cmd.stdin_closed = True
                self._start(cmd)
            while cmd.output is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed or cmd.id not in shell.commands:
                    return None
                self._cond.wait(remaining)
            out = cmd.output
            stdout = out.stdout[cmd.delivered_out:cmd.delivered_out + budget]
            cmd.delivered_out += len(stdout)
            stderr = out.stderr[cmd.delivered_err:cmd.delivered_err + max(0, budget - len(stdout))]
            cmd.delivered_err += len(stderr)
            done = cmd.delivered_out >= len(out.stdout) and cmd.delivered_err >= len(out.stderr)
            return OutputChunk(stdout, stderr, done, out.exit_code)

    def close(self) -> None:
        """Stop waiting: every pending Receive returns at once. Running handlers are left to finish."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # --- workers ------------------------------------------------------------------------------------------------
    def _start(self, cmd: Command) -> None:
        # Called with self._cond held.
        cmd.started = True
        thread = threading.Thread(target=self._run, args=(cmd,), name=f"wsman-cmd-{cmd.id[:8]}", daemon=True)
        thread.start()

    def _run(self, cmd: Command) -> None:
        try:
            output = self._handler(cmd.command, list(cmd.arguments), bytes(cmd.stdin))
            if not isinstance(output, CommandOutput):
                raise TypeError(f"command handler returned {type(output).__name__}, not CommandOutput")
        except BaseException as exc:  # any handler failure, even SystemExit, must still end the command
            log.exception("lab command handler failed for %r", cmd.command)
            self._on_handler_error(exc)
            output = CommandOutput(b"", f"lab handler error: {exc!r}\r\n".encode(), 1)
        with self._cond:
            cmd.output = output
            self._cond.notify_all()
