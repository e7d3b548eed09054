"""SSH transport for Cisco IOS devices (inventory `connection: {type: ios_ssh, ...}`), on asyncssh.

Why asyncssh: the project already needs it for the lab's SSH server, it is pure Python with no native build, and a
CLI session is a few lines on top of it. netmiko or scrapli would add paramiko/ssh2 stacks and per-platform drivers
for the two dozen lines that matter here (prompt, paging, echo, `%` errors).

`IOSConnection` is an `AgentConnection`: the engine hands it agent requests, and `remediate.transport.ios_agent`
answers them by driving the device's CLI through `IosSession`. One SSH connection and one interactive vty per host
per run, opened by the first request: the session is taken to the privileged prompt (a login at `>` is refused:
give the account privilege 15), `terminal length 0` is sent once (`--More--` is still answered with a space, in
case the device ignores it), and every command waits for the prompt to return within the connection's
operation timeout.

Safe defaults: the server's host key is checked against `known_hosts` (the inventory's file, else
~/.ssh/known_hosts); `validate_cert: false` switches the check off, as it does for WinRM's certificates. Only
password authentication is offered, with the inventory's credential reference.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import asyncssh

from remediate.errors import AuthenticationError, HostError, TransportError, UnreachableError
from remediate.inventory import Host
from remediate.transport import ios_agent
from remediate.transport.base import AgentConnection

T = TypeVar("T")
_PROMPT = re.compile(r"(?:^|[\r\n])(?P<host>[A-Za-z0-9][A-Za-z0-9._-]{0,62})(?P<mode>\([a-z0-9-]+\))?(?P<level>[>#]) ?$")
_MORE = re.compile(r" ?--More-- ?$")
_ERASE = re.compile(r"[\b]+ *[\b]*")


class IosSession:
    """A privileged CLI session on one device; `command` is synchronous, run on the connection's own loop."""

    def __init__(self, process: asyncssh.SSHClientProcess[str], hostname: str, timeout: float) -> None:
        self._process = process
        self.hostname = hostname
        self._timeout = timeout
        self._prompt = re.compile(rf"(?:^|\n){re.escape(hostname)}(?:\([a-z0-9-]+\))?[>#] ?$")

    async def command(self, line: str) -> str:
        if any(ch in line for ch in "\r\n\x1a\x03") or not line.isascii():
            raise ios_agent.OpError("InvalidArgument", "a command must be one line of ASCII text")
        self._process.stdin.write(line + "\n")
        text = await _read_until_prompt(self._process, self._prompt, self._timeout)
        lines = text.split("\n")
        if lines and lines[0].strip().endswith(line.strip()):
            lines = lines[1:]  # the echo of what we typed (after the prompt)
        output = "\n".join(lines[:-1])  # the last line is the prompt
        for out_line in output.split("\n"):
            if out_line.startswith("% "):
                raise ios_agent.CommandError(line, out_line[2:].strip())
        return output


async def _read_until_prompt(process: asyncssh.SSHClientProcess[str], prompt: re.Pattern[str],
                             timeout: float) -> str:
    """Everything up to and including the next prompt, with CR LF as LF and --More-- answered and erased."""
    buffer = ""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        cleaned = _ERASE.sub("", buffer.replace("\r\n", "\n").replace("\r", ""))
        if _MORE.search(cleaned):
            process.stdin.write(" ")
            buffer = _MORE.sub("", cleaned)
            continue
        if prompt.search(cleaned):
            return cleaned
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise asyncio.TimeoutError()
        chunk = await asyncio.wait_for(process.stdout.read(4096), remaining)
        if not chunk:
            raise ConnectionResetError("the device closed the session")
        buffer += chunk


class IOSConnection(AgentConnection):
    """A Cisco IOS device over SSH for one run. Thread-safe for the engine: requests are serialised."""

    def __init__(self, host: Host, password: str) -> None:
        self.host = host.name
        self._conn = host.connection
        self._password = password
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ssh: asyncssh.SSHClientConnection | None = None
        self._session: IosSession | None = None
        self._lock = threading.Lock()

    # --------------------------------------------------------------------------------------------- the seam

    def execute_request(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return ios_agent.execute_request(request, _SyncDevice(self))

    def reset(self) -> None:
        with self._lock:
            self._drop()

    def close(self) -> None:
        with self._lock:
            self._drop()
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            loop.close()

    # ------------------------------------------------------------------------------------------- internals

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on this connection's loop; library errors become `HostError`s naming the device."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name=f"ssh-{self.host}", daemon=True)
            self._thread.start()
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout=self._conn.operation_timeout + 15)
        except (HostError, ios_agent.OpError):
            raise
        except asyncssh.PermissionDenied:
            self._drop()
            raise AuthenticationError(self.host, f"credentials refused by {self._conn.endpoint} "
                                      f"(user {self._conn.user})") from None
        except asyncssh.HostKeyNotVerifiable as exc:
            self._drop()
            raise UnreachableError(self.host, f"host key of {self._conn.endpoint} not trusted: {exc.reason} "
                                   "(add it to the known_hosts file the inventory names)") from None
        except (asyncio.TimeoutError, TimeoutError):
            future.cancel()
            self._drop()
            raise TransportError(self.host, f"no prompt from {self._conn.endpoint} in time") from None
        except (ConnectionError, OSError) as exc:
            self._drop()
            raise UnreachableError(self.host, f"cannot reach {self._conn.endpoint}: "
                                   f"{exc.strerror or exc.__class__.__name__}") from None
        except asyncssh.Error as exc:
            self._drop()
            raise TransportError(self.host, f"SSH error from {self._conn.endpoint}: {exc.reason}") from None

    def command(self, line: str) -> str:
        return self._call(self._command(line))

    async def _command(self, line: str) -> str:
        if self._session is None:
            self._session = await self._open()
        return await self._session.command(line)

    async def _open(self) -> IosSession:
        conn = self._conn
        known_hosts: Any = conn.known_hosts if conn.known_hosts else ()  # () = ~/.ssh/known_hosts
        if not conn.validate_cert:
            known_hosts = None
        self._ssh = await asyncio.wait_for(asyncssh.connect(
            conn.address, conn.port, username=conn.user, password=self._password, known_hosts=known_hosts,
            client_keys=None, agent_path=None, preferred_auth=("password", "keyboard-interactive"),
            config=None, keepalive_interval=0,
        ), conn.operation_timeout)
        process = await self._ssh.create_process(term_type="vt100", term_size=(200, 24), encoding="utf-8",
                                                 errors="replace")
        first = await _read_until_prompt(process, _PROMPT, conn.operation_timeout)
        match = _PROMPT.search(first)
        assert match is not None
        if match["level"] != "#":
            raise TransportError(self.host, f"logged in at user EXEC ({match['host']}>); remediate needs the "
                                 "privileged prompt: give the account privilege 15")
        session = IosSession(process, match["host"], float(conn.operation_timeout))
        await session.command("terminal length 0")
        return session

    def _drop(self) -> None:
        ssh, self._ssh, self._session = self._ssh, None, None
        if ssh is not None and self._loop is not None and self._loop.is_running():
            ssh.close()
            try:
                asyncio.run_coroutine_threadsafe(ssh.wait_closed(), self._loop).result(timeout=5)
            except Exception:  # noqa: BLE001 - closing a broken session must never mask the real error
                pass


class _SyncDevice:
    """`ios_agent.Device` on top of the connection: each command blocks until the device's prompt is back."""

    def __init__(self, connection: IOSConnection) -> None:
        self._connection = connection

    @property
    def hostname(self) -> str:
        session = self._connection._session
        return session.hostname if session is not None else self._connection.host

    def command(self, line: str) -> str:
        return self._connection.command(line)
