"""The lab's network: one asyncio loop for every SMTP listener and router, and which router is on which path.

`LabNetwork.start` runs one loop in one thread for everything: an SMTP listener per simulated host (its SMTP
service) and per scenario peer (remediate/lab/smtp.py), plus the SSH servers of the scenario's IOS routers
(remediate/lab/ios.py). A router lists in `path_to` the listeners whose traffic crosses it: when its
running-config holds `ip inspect name X smtp`, those listeners answer with the masked greeting of Cisco SMTP
inspection, until the line is removed. Listeners follow their host's services and firewall: after every agent
command run on that host (`sync_host`, called by the lab's command handler) and on every probe (`sync`, called
by the smtp.probe op); a test that changes state behind the agent's back calls `sync` itself. `stop` ends every
session and the loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from functools import partial
from typing import Any, TypeVar

import asyncssh

from remediate.lab.ios import SimRouter, start_router
from remediate.lab.smtp import Listener, Peer, host_greeting, host_running

T = TypeVar("T")


class LabNetwork:
    """The loop, the listeners (hosts and peers), the routers and which listener each router is on the path to."""

    def __init__(self, hosts: dict[str, Any], peers: list[Peer], routers: dict[str, SimRouter]) -> None:
        self.listeners: dict[str, Listener] = {}
        self.routers = routers
        self.router_ports: dict[str, int] = {}
        self.known_hosts: list[str] = []  # OpenSSH known_hosts lines for the routers' host keys
        self._acceptors: list[Any] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        for name, sim in hosts.items():
            self.listeners[name] = Listener(name, partial(host_greeting, sim), partial(host_running, sim), self)
            sim.network = self  # the lab's smtp.probe op syncs the listeners before connecting
        for peer in peers:
            if peer.name in self.listeners:
                raise ValueError(f"peer {peer.name}: a host of the scenario has that name")
            self.listeners[peer.name] = Listener(peer.name, peer.greeting, peer.running, self)
        for router in routers.values():
            unknown = [p for p in router.path_to if p not in self.listeners]
            if unknown:
                raise ValueError(f"router {router.name}: path_to names no host or peer: {', '.join(unknown)}")

    def masked(self, listener: str) -> bool:
        return any(listener in r.path_to and r.inspects_smtp() for r in self.routers.values())

    def addresses(self) -> dict[str, str]:
        """name -> "127.0.0.1:PORT" of every SMTP listener (the `lab_smtp` variable of the lab's inventory)."""
        return {name: listener.address for name, listener in self.listeners.items()}

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    def start(self, password: str, user: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="lab-network", daemon=True)
        self._thread.start()
        self._run(self._start(password, user))

    async def _start(self, password: str, user: str) -> None:
        await self._sync()
        for name, router in self.routers.items():
            key = asyncssh.generate_private_key("ssh-ed25519")
            with router.lock:
                router.users.setdefault(user, (password, 15))
            acceptor, port = await start_router(router, key)
            self._acceptors.append(acceptor)
            self.router_ports[name] = port
            public = key.export_public_key("openssh").decode("ascii").split()
            self.known_hosts.append(f"[127.0.0.1]:{port} {public[0]} {public[1]}")

    def sync(self) -> None:
        """Bring every listener in step with its service's state (called before each probe and periodically)."""
        if self._loop is not None and self._loop.is_running():
            self._run(self._sync())

    async def _sync(self) -> None:
        for listener in self.listeners.values():
            await listener.sync()

    def sync_host(self, name: str) -> None:
        """Bring one host's listener in step, after a command that may have changed its services or firewall.

        Per command and per host, rather than a periodic sweep of every listener: the sweep cost a 1000-host lab
        a share of its CPU in every interval (bench: plan at N=500 took 20.5 s with it, 14.0 s without)."""
        listener = self.listeners.get(name)
        if listener is not None and self._loop is not None and self._loop.is_running():
            self._run(listener.sync())

    def stop(self) -> None:
        loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

    async def _stop(self) -> None:
        for acceptor in self._acceptors:
            acceptor.close()
            await acceptor.wait_closed()
        self._acceptors.clear()
        for listener in self.listeners.values():
            await listener.close()
        current = asyncio.current_task()
        pending = [t for t in asyncio.all_tasks() if t is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
