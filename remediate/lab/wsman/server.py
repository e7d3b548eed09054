"""``WSManLab``: many simulated hosts, each with its own loopback listener, served by one accept loop.

One thread runs a ``selectors`` loop over every listening socket (so 1000 idle hosts cost 1000 file descriptors
and no threads); each accepted connection gets a thread of its own, which lives as long as the client keeps
the connection alive. ``stop()`` closes the listeners and every open connection and joins those threads.
"""

from __future__ import annotations

import logging
import resource
import selectors
import socket
import threading
from dataclasses import dataclass

from remediate.lab.wsman.connection import Connection, HostRuntime
from remediate.lab.wsman.model import (
    AuthMode,
    CommandHandler,
    Counters,
    EndpointConfig,
    Faults,
    HostEndpoint,
)
from remediate.lab.wsman.service import WinRSService
from remediate.lab.wsman.shells import ShellRegistry
from remediate.lab.wsman.tls import end_point_hash, server_context

log = logging.getLogger(__name__)

_JOIN_TIMEOUT = 5.0


@dataclass
class _Host:
    runtime: HostRuntime
    registry: ShellRegistry
    listener: socket.socket


class WSManLab:
    """A set of simulated WinRM hosts on ``bind`` (loopback by default).

    Add hosts with ``add_host`` (before or after ``start``), then ``start()``; use as a context manager to stop
    on exit. Thread-safe: tests may add hosts and change faults while clients are connected.
    """

    def __init__(self, bind: str = "127.0.0.1") -> None:
        self.bind = bind
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        # Non-blocking: hosts added before start() must not fill the pair's buffer and block add_host.
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._pending: list[_Host] = []  # listeners to register from the loop thread
        self._connections: dict[Connection, threading.Thread] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False

    # --- public API ---------------------------------------------------------------------------------------------
    def add_host(self, name: str, handler: CommandHandler, config: EndpointConfig, port: int = 0) -> HostEndpoint:
        """Open a listener for a new host and return its endpoint (its port is known at once).

        ``port=0`` picks a free port. The scheme is https when ``config.tls`` is set.
        """
        with self._lock:
            if self._stopped:
                raise RuntimeError("this WSManLab has been stopped")
            if name in self._hosts:
                raise ValueError(f"host {name!r} already exists")
        if AuthMode.KERBEROS in config.auth and config.kerberos is None:
            raise ValueError("Kerberos authentication needs the host's service principal (EndpointConfig.kerberos)")
        _raise_fd_limit(len(self._hosts) * 2 + 64)
        listener = socket.socket(socket.AF_INET6 if ":" in self.bind else socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.bind, port))
            listener.listen(128)
            listener.setblocking(False)
            ssl_context = server_context(config.tls) if config.tls else None
            cbt_hash = end_point_hash(config.tls.cert_path) if config.tls else None
        except BaseException:
            listener.close()
            raise
        endpoint = HostEndpoint(name=name, address=self.bind, port=listener.getsockname()[1],
                                scheme="https" if config.tls else "http", counters=Counters(), faults=Faults(),
                                config=config)
        registry = ShellRegistry(handler, endpoint.handler_errors.append)
        service = WinRSService(endpoint, registry, sleep=self._stopping.wait)  # stop() cuts injected delays short
        runtime = HostRuntime(endpoint, service, ssl_context, cbt_hash)
        host = _Host(runtime, registry, listener)
        with self._lock:
            self._hosts[name] = host
            self._pending.append(host)
        self._wake()
        return endpoint

    def host(self, name: str) -> HostEndpoint:
        """The endpoint of a host added earlier."""
        with self._lock:
            return self._hosts[name].runtime.endpoint

    @property
    def hosts(self) -> list[HostEndpoint]:
        with self._lock:
            return [h.runtime.endpoint for h in self._hosts.values()]

    def open_shells(self, name: str) -> int:
        """How many WinRS shells are open on a host (a client that forgets close_shell shows up here)."""
        with self._lock:
            return self._hosts[name].registry.shell_count()

    def expire_shells(self, name: str) -> int:
        """Expire every shell of a host (idle timeout, WinRM restart); the next use of one gets Windows' fault."""
        with self._lock:
            registry = self._hosts[name].registry
        return registry.expire_all()

    def start(self) -> None:
        """Start serving in background threads; returns once every listener accepts connections."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("this WSManLab has been stopped")
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._accept_loop, name="wsman-lab-accept", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Close every listener and connection and join the server threads. Idempotent."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            hosts = list(self._hosts.values())
        self._stopping.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(_JOIN_TIMEOUT)
        for host in hosts:
            host.registry.close()  # wake Receives that wait for a command
            host.listener.close()
        with self._lock:
            connections = list(self._connections.items())
        for connection, _thread in connections:
            connection.close()
        for _connection, thread in connections:
            thread.join(_JOIN_TIMEOUT)
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self) -> WSManLab:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- internals ----------------------------------------------------------------------------------------------
    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass  # already stopped, or the wake-up buffer is full (the loop will wake anyway)

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                pending, self._pending = self._pending, []
            for host in pending:
                self._selector.register(host.listener, selectors.EVENT_READ, host)
            for key, _events in self._selector.select():
                if key.data is None:
                    try:
                        while self._wake_r.recv(4096):
                            pass
                    except BlockingIOError:
                        pass
                    continue
                self._accept(key.data)

    def _accept(self, host: _Host) -> None:
        while not self._stopping.is_set():
            try:
                sock, _peer = host.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.warning("accept failed on %s: %s", host.runtime.endpoint.name, exc)
                return
            sock.setblocking(True)
            # http clients write headers and body separately; without NODELAY Nagle stalls each answer ~40-200 ms.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = Connection(sock, host.runtime, self._stopping)
            thread = threading.Thread(target=self._serve, args=(connection,),
                                      name=f"wsman-{host.runtime.endpoint.name}", daemon=True)
            with self._lock:
                self._connections[connection] = thread
            thread.start()

    def _serve(self, connection: Connection) -> None:
        try:
            connection.serve()
        finally:
            with self._lock:
                self._connections.pop(connection, None)


def _raise_fd_limit(needed: int) -> None:
    """Raise the soft open-files limit towards the hard one when many hosts need many listeners."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        wanted = needed + 1024  # headroom, so that adding hosts one by one does not call setrlimit each time
        target = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
