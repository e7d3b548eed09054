"""Running one function per host, many at once, with connections that live for the whole run.

A slow or dead host only ever occupies its own worker: each host's work is independent and every failure is
turned into that host's result, never an exception that stops the others.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from remediate import agent
from remediate.errors import RemediateError
from remediate.inventory import Inventory
from remediate.transport.base import AgentConnection, Connection
from remediate.transport.winrm import WinRMConnection

T = TypeVar("T")
DEFAULT_FORKS = 10


class Progress(Protocol):
    """Told what a run does, from worker threads (implementations lock): remediate/engine/progress.py."""

    def phase_started(self, phase: str, total: int) -> None: ...

    def host_started(self, host: str, phase: str) -> None: ...

    def host_finished(self, host: str, phase: str, status: str) -> None: ...

    def note(self, message: str) -> None: ...

    def phase_finished(self, phase: str) -> None: ...


class NoProgress:
    def phase_started(self, phase: str, total: int) -> None:
        pass

    def host_started(self, host: str, phase: str) -> None:
        pass

    def host_finished(self, host: str, phase: str, status: str) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def phase_finished(self, phase: str) -> None:
        pass


def select_hosts(inventory: Inventory, limit: str | None) -> list[str]:
    """`--limit`: comma-separated host names, group names or globs; `!pattern` excludes. Inventory order kept."""
    names = list(inventory.hosts)
    if limit is None:
        return names
    if not limit.replace(",", "").strip():
        # `--limit "$HOSTS"` with an empty variable must not quietly mean every host.
        raise RemediateError(f"--limit {limit!r} names no host, group or pattern")
    include: set[str] = set()
    exclude: set[str] = set()
    any_include = False
    for raw in (p.strip() for p in limit.split(",")):
        if not raw:
            continue
        negate = raw.startswith("!")
        pattern = raw[1:] if negate else raw
        matched = _match(inventory, pattern)
        if not matched:
            raise RemediateError(f"--limit: {pattern!r} matches no host or group in {inventory.path}")
        (exclude if negate else include).update(matched)
        any_include = any_include or not negate
    chosen = [n for n in names if (n in include or not any_include) and n not in exclude]
    if not chosen:
        raise RemediateError(f"--limit {limit!r} leaves no host selected")
    return chosen


def _match(inventory: Inventory, pattern: str) -> set[str]:
    hosts = {n for n in inventory.hosts if fnmatch.fnmatchcase(n, pattern)}
    for group, members in inventory.groups.items():
        if fnmatch.fnmatchcase(group, pattern):
            hosts.update(members)
    return hosts


ConnectionFactory = Callable[[str], Connection]


class ConnectionPool:
    """One connection (one WinRM shell) per host for the whole run; `close_all` deletes the shells."""

    def __init__(self, inventory: Inventory, factory: ConnectionFactory | None = None,
                 forks: int = DEFAULT_FORKS) -> None:
        self._inventory = inventory
        self._forks = forks
        self._factory = factory or self._winrm
        self._connections: dict[str, Connection] = {}
        self._lock = threading.Lock()

    def check_credentials(self, hosts: Iterable[str]) -> None:
        """Resolve every credential reference before contacting any host: a missing one is bad input."""
        for name in hosts:
            password = self._inventory.hosts[name].connection.password
            if password is not None:  # None: Kerberos with the user's own ticket
                password.resolve(name)

    def _winrm(self, name: str) -> Connection:
        """The connection for the host's `type`: WinRM, or SSH to a Cisco IOS device (imported only when used)."""
        host = self._inventory.hosts[name]
        password = host.connection.password.resolve(name) if host.connection.password is not None else None
        if host.connection.type == "ios_ssh":
            from remediate.transport.ssh import IOSConnection

            assert password is not None  # required for ios_ssh when the inventory is loaded
            return IOSConnection(host, password)
        return WinRMConnection(host, password)

    def get(self, name: str) -> Connection:
        with self._lock:
            conn = self._connections.get(name)
            if conn is None:
                conn = self._connections[name] = self._factory(name)
            return conn

    def close_all(self) -> None:
        with self._lock:
            connections, self._connections = list(self._connections.values()), {}
        # As wide as the run itself: deleting shells is one request per host, and a fixed width would make a run
        # with many forks wait on the slowest few at the very end.
        with ThreadPoolExecutor(max_workers=max(1, min(self._forks, len(connections)))) as pool:
            list(pool.map(lambda c: c.close(), connections))


def call_agent(connection: Connection, request: dict[str, Any]) -> dict[str, Any]:
    """One agent request (docs/agent-protocol.md) on one host: the PowerShell agent over `run`, or, for a target
    that runs no PowerShell (`AgentConnection`: a network device), the agent the connection runs on our side."""
    if isinstance(connection, AgentConnection):
        return connection.execute_request({"version": agent.PROTOCOL_VERSION, **request})
    return agent.call(connection, request)


def for_each_host(hosts: list[str], work: Callable[[str], T], forks: int) -> list[T]:
    """`work(host)` for every host, at most `forks` at once; results in the order of `hosts`."""
    if not hosts:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(forks, len(hosts))), thread_name_prefix="host") as pool:
        return list(pool.map(work, hosts))
