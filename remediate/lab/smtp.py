"""The lab's SMTP services: real listeners on loopback for the simulated hosts and for scenario peers.

Each listener decides what to say when a client connects, from the live simulated state, so a fix applied through
remediate shows on the very next connection (the loop, the routers and the path model: remediate/lab/network.py):

- a host's banner: Exchange 2003 (IIS SMTP): `ConnectResponse` in effect on /LM/SMTPSVC/1 (`host.metabase`),
  else `220 <FQDN> Microsoft ESMTP MAIL Service, Version: 6.0.3790.3959 ready at <date>`; Exchange 2007+: the
  receive connector's Banner (`host.exchange.receive_banner()`), else `220 <FQDN> Microsoft ESMTP MAIL service
  ready at <date>` (reference §0). A set ConnectResponse is sent as the whole greeting line: whether IIS puts
  `220 <FQDN>` in front of it is UNCONFIRMED (KB 281224); the lab takes the case where it does not, as
  remediate/lab/causes/metabase.py does for its `no-banner` cause.
- a peer's banner: its `banner` text verbatim, the default of its `software`, or nothing at all (`silent`).
- Cisco SMTP inspection: when a router whose running-config holds `ip inspect name X smtp` is on the path to the
  listener (`path_to`), the greeting is masked (`220 ` then every character but `2` and `0` as `*`) and EHLO is
  answered `500 5.5.1 Command unrecognized`, as the inspection does (KB 320027). Removing the line over SSH unmasks
  the next connection.
- the EHLO list of Exchange 2003 carries X-EXPS, X-LINK2STATE and XEXCH50 unless another domain reports the
  metabase corrupt (cause `metabase-corrupt` of lab/causes/metabasefile.py), when the Exchange event sinks are not
  loaded (TechNet bb124688).
- a stopped SMTP service (SMTPSVC on 2003, MSExchangeTransport / MSExchangeFrontEndTransport on 2007+, from
  `host.services`) or a host firewall that blocks inbound TCP 25 (cause `port25-blocked` of lab/causes/firewall.py)
  closes its listener: connections are refused, as with nothing listening. A peer with `closed: true` refuses
  from the start (port 25 blocked: cause 1).

Bounded: at most 32 sessions per listener, 100 commands and 60 s idle per session, 2 KB per command line, 1 MB
per message. Listeners hold their port while closed (bound, not listening) so the address never changes.

Scenario (`peers:` at the top of a scenario file; `routers:` see remediate.lab.ios):

```yaml
peers:
  relay-ok: {}                                    # software: postfix (default), exchange2003, exchange2019
  relay-custom: {banner: "220 relay.partner.example ESMTP ready"}
  relay-silent: {silent: true}                    # accepts, says nothing
  relay-blocked: {closed: true}                   # connection refused
```
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any, Protocol

from remediate.lab import causes
from remediate.lab.platforms import is_legacy
from remediate.lab.state.mail import DNS_DOMAIN as DOMAIN

MAX_SESSIONS = 32
MAX_COMMANDS = 100
IDLE_SECONDS = 60.0
MAX_COMMAND = 2048
MAX_MESSAGE = 1024 * 1024

EHLO_2003 = ["TURN", "SIZE", "ETRN", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "8bitmime", "BINARYMIME",
             "CHUNKING", "VRFY", "X-EXPS GSSAPI NTLM LOGIN", "X-EXPS=LOGIN", "AUTH GSSAPI NTLM LOGIN", "AUTH=LOGIN",
             "X-LINK2STATE", "XEXCH50"]
EXCHANGE_VERBS = ("X-EXPS", "X-LINK2STATE", "XEXCH50")
EHLO_2013 = ["SIZE 37748736", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "STARTTLS", "X-ANONYMOUSTLS", "AUTH NTLM",
             "X-EXPS GSSAPI NTLM", "8BITMIME", "BINARYMIME", "CHUNKING", "XRDST"]
EHLO_POSTFIX = ["PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN",
                "SMTPUTF8", "CHUNKING"]


def _now() -> str:
    return format_datetime(datetime.now().astimezone())


def mask(banner: str) -> str:
    """What Cisco SMTP inspection lets through of a greeting: `220 `, then only the characters 2 and 0."""
    return "220 " + "".join(c if c in "20" else "*" for c in banner[4:])


@dataclass
class Greeting:
    """What one SMTP service says, decided when a client connects."""

    banner: str | None  # None: accepts and says nothing
    ehlo: list[str]
    fqdn: str


# -------------------------------------------------------------------------------------- simulated Windows hosts


def _call(obj: Any, method: str, *args: Any) -> Any:
    """obj.method(*args), or None when the domain or the method does not exist (yet) or fails."""
    fn = getattr(obj, method, None)
    if not callable(fn):
        return None
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001 - another domain's state must never break the lab's network
        return None


def domain_causes(sim: Any, domain: str) -> list[str]:
    """The `active_causes` of one cause domain (remediate/lab/causes/<domain>.py) for this host; [] if it has none.

    One named domain, not all of them: the loop thread must never wait for a host's registry lock, which a WinRM
    request holds for its whole length, while that request may be a probe waiting for this very loop.
    """
    found = _call(causes.DOMAINS.get(domain), "active_causes", sim)
    return [str(c) for c in found] if isinstance(found, (list, tuple, set)) else []


def service_state(sim: Any, name: str) -> str | None:
    """The state of the simulated host's service `name` ("running", "stopped", ...), None when not installed;
    "running" while the host has no services domain (remediate/lab/state/services.py)."""
    services = getattr(sim, "services", None)
    if services is None or not callable(getattr(services, "state_of", None)):
        return "running"
    state = _call(services, "state_of", name)
    return state if isinstance(state, str) or state is None else "running"


def host_greeting(sim: Any) -> Greeting:
    fqdn = f"{(sim.facts.get('hostname') or sim.name).lower()}.{DOMAIN}"
    if is_legacy(sim):
        custom = _call(getattr(sim, "metabase", None), "effective", "/LM/SMTPSVC/1", "ConnectResponse")
        if isinstance(custom, dict):
            custom = custom.get("value", custom.get("data"))
        banner = custom if isinstance(custom, str) and custom else \
            f"220 {fqdn} Microsoft ESMTP MAIL Service, Version: 6.0.3790.3959 ready at {_now()}"
        verbs = EHLO_2003
        if "metabase-corrupt" in domain_causes(sim, "metabasefile"):
            verbs = [v for v in verbs if not v.startswith(EXCHANGE_VERBS)]
        return Greeting(banner, verbs, fqdn)
    custom = _call(getattr(sim, "exchange", None), "receive_banner")
    banner = custom if isinstance(custom, str) and custom else f"220 {fqdn} Microsoft ESMTP MAIL service ready at {_now()}"
    return Greeting(banner, EHLO_2013, fqdn)


def host_running(sim: Any) -> bool:
    """Whether the host answers on its SMTP port: its SMTP services run (IIS SMTPSVC on 2003; MSExchangeTransport
    and, on 2013+, MSExchangeFrontEndTransport, which owns port 25 there) and its host firewall lets TCP 25 in. A
    blocked port is refused here where Windows Firewall would drop: the lab filters no packets, and the probe
    calls both unreachable."""
    names = ("SMTPSVC",) if is_legacy(sim) else ("MSExchangeFrontEndTransport", "MSExchangeTransport")
    states = [service_state(sim, name) for name in names]
    if all(state is None for state in states) or any(state not in (None, "running") for state in states):
        return False
    # The firewall domain decides what blocks TCP 25 (rules on 2008+, the SharedAccess service on 2003).
    return "port25-blocked" not in domain_causes(sim, "firewall")


# ------------------------------------------------------------------------------------------------------ peers


@dataclass
class Peer:
    """A mail server that is not a simulated Windows host: a next hop, a smart host, a partner's relay."""

    name: str
    software: str = "postfix"
    banner: str | None = None
    silent: bool = False
    closed: bool = False

    @classmethod
    def from_scenario(cls, name: str, data: dict[str, Any]) -> Peer:
        unknown = set(data) - {"software", "banner", "silent", "closed"}
        if unknown:
            raise ValueError(f"peer {name}: unknown key(s) {', '.join(sorted(unknown))}; expected software, "
                             "banner, silent, closed")
        software = str(data.get("software", "postfix"))
        if software not in ("postfix", "exchange2003", "exchange2019"):
            raise ValueError(f"peer {name}: software must be postfix, exchange2003 or exchange2019")
        banner = data.get("banner")
        return cls(name, software, None if banner is None else str(banner), bool(data.get("silent")),
                   bool(data.get("closed")))

    def running(self) -> bool:
        return not self.closed

    def greeting(self) -> Greeting:
        fqdn = f"{self.name}.{DOMAIN}"
        if self.software == "exchange2003":
            default, verbs = f"220 {fqdn} Microsoft ESMTP MAIL Service, Version: 6.0.3790.3959 ready at {_now()}", \
                EHLO_2003
        elif self.software == "exchange2019":
            default, verbs = f"220 {fqdn} Microsoft ESMTP MAIL service ready at {_now()}", EHLO_2013
        else:
            default, verbs = f"220 {fqdn} ESMTP Postfix", EHLO_POSTFIX
        return Greeting(None if self.silent else (self.banner or default), verbs, fqdn)


# ---------------------------------------------------------------------------------------------------- sessions


async def _session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, greeting: Greeting,
                   masked: bool) -> None:
    """One SMTP conversation, bounded in commands, idle time and sizes."""

    async def say(*lines: str) -> None:
        writer.write("".join(line + "\r\n" for line in lines).encode("utf-8", "replace"))
        await writer.drain()

    async def line() -> bytes:
        data = await asyncio.wait_for(reader.readline(), IDLE_SECONDS)
        if len(data) > MAX_COMMAND:
            raise ValueError("line too long")
        return data

    if greeting.banner is None:  # accepts and says nothing, until the client gives up
        while await line():
            pass
        return
    await say(mask(greeting.banner) if masked else greeting.banner)
    for _ in range(MAX_COMMANDS):
        data = await line()
        if not data:
            return
        words = data.decode("utf-8", "replace").strip().split()
        verb = words[0].upper() if words else ""
        if verb == "QUIT":
            await say(f"221 2.0.0 {greeting.fqdn} Service closing transmission channel")
            return
        if verb == "EHLO" and masked:
            await say("500 5.5.1 Command unrecognized")
        elif verb == "EHLO":
            items = [f"{greeting.fqdn} Hello [127.0.0.1]", *greeting.ehlo, "OK"]
            await say(*[f"250-{item}" for item in items[:-1]], f"250 {items[-1]}")
        elif verb == "HELO":
            await say(f"250 {greeting.fqdn} Hello [127.0.0.1]")
        elif verb in ("NOOP", "RSET"):
            await say("250 2.0.0 OK")
        elif verb == "MAIL":
            await say("250 2.1.0 Sender OK")
        elif verb == "RCPT":
            await say("250 2.1.5 Recipient OK")
        elif verb == "DATA":
            await say("354 Start mail input; end with <CRLF>.<CRLF>")
            size = 0
            while (chunk := await line()) not in (b".\r\n", b".\n", b""):
                size += len(chunk)
                if size > MAX_MESSAGE:
                    await say("552 5.3.4 Message size exceeds fixed maximum message size")
                    return
            await say("250 2.6.0 Queued mail for delivery")
        else:
            await say("500 5.3.3 Unrecognized command")


class PathModel(Protocol):
    """What a listener asks of the lab's network (remediate/lab/network.py, which builds the listeners): named here
    rather than imported, so network.py -> smtp.py is the only direction between the two modules."""

    def masked(self, name: str) -> bool: ...


@dataclass
class Listener:
    """One SMTP service's address. `greeting` and `running` are asked at every connection / sync."""

    name: str
    greeting: Callable[[], Greeting]
    running: Callable[[], bool]
    network: PathModel
    port: int = 0
    server: asyncio.AbstractServer | None = None
    holder: socket.socket | None = None  # bound, not listening: the port stays ours while the service is down
    sessions: dict[asyncio.Task[None], asyncio.StreamWriter] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _bind(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        return sock

    async def sync(self) -> None:
        """Listen while the service runs; refuse connections while it does not."""
        want = self.running()
        if want and self.server is None:
            sock = self.holder or self._bind()
            self.holder = None
            self.server = await asyncio.start_server(self._accept, sock=sock, limit=MAX_COMMAND + 2)
        elif not want and self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
            self.holder = self._bind()
        elif self.holder is None and self.server is None:
            self.holder = self._bind()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is None or len(self.sessions) >= MAX_SESSIONS:
            writer.close()
            return
        self.sessions[task] = writer
        try:
            await _session(reader, writer, self.greeting(), self.network.masked(self.name))
        except (asyncio.TimeoutError, ConnectionError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            self.sessions.pop(task, None)
            writer.close()

    async def close(self) -> None:
        """Stop listening and end every session: their connections are dropped, so each task returns by itself."""
        if self.server is not None:
            self.server.close()
        for writer in list(self.sessions.values()):
            writer.transport.abort()
        if self.sessions:
            await asyncio.wait(list(self.sessions), timeout=5)
        if self.server is not None:
            await self.server.wait_closed()
        if self.holder is not None:
            self.holder.close()
        self.server = self.holder = None
