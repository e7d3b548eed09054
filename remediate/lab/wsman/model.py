"""The data the lab's WS-Management endpoint is configured with and reports through.

Everything here is plain data that tests and the rest of the lab code against: what a command handler returns,
how an endpoint authenticates, the counters it keeps and the faults it can be told to inject. The server code
(``server.py``, ``connection.py``) only reads these objects.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from remediate.lab.wsman.kerberos import KerberosService
    from remediate.lab.wsman.tls import TlsMaterial


@dataclass(frozen=True)
class CommandOutput:
    """What one WinRS command produced once it finished."""

    stdout: bytes
    stderr: bytes
    exit_code: int


class CommandHandler(Protocol):
    """Runs one WinRS command of a simulated host.

    Called once per command, in a worker thread of its own, after the client closed stdin (a Send with
    ``End="true"``) or, when the client never sent stdin, when its first Receive arrives. It may block for seconds:
    Receives meanwhile wait and time out the way Windows' do. ``arguments`` holds the text of each
    ``rsp:Arguments`` element in order (pywinrm joins its argument list with spaces into one element).
    An exception from the handler becomes exit code 1 with the error text on stderr, and is kept in
    ``HostEndpoint.handler_errors`` so tests can notice it.
    """

    def __call__(self, command: str, arguments: list[str], stdin: bytes) -> CommandOutput: ...


class AuthMode(enum.Enum):
    """An HTTP authentication scheme the endpoint accepts."""

    BASIC = "basic"
    NTLM = "ntlm"
    KERBEROS = "kerberos"  # needs EndpointConfig.kerberos and the host's key in the keytab KRB5_KTNAME names


@dataclass
class EndpointConfig:
    """How one simulated host's WinRM listener behaves.

    ``users`` maps a user name to its password. A key without a domain ("admin") matches that user in any domain
    the client names ("admin", "LAB\\admin"); a key with a domain ("LAB\\admin") matches that domain or none.
    Names compare case-insensitively, as Windows does. Passwords and names must not contain ":" or line breaks
    (the NTLM acceptor reads them from a ``DOMAIN:USER:PASSWORD`` file).

    The defaults are Windows' own: NTLM only, and nothing unencrypted over plain HTTP (``AllowUnencrypted=false``).
    ``denied_users`` authenticate but get the WS-Management "access denied" fault (code 5) on every operation,
    like a valid account that is not in the host's Administrators or Remote Management Users.
    ``operation_timeout_cap`` shortens how long a Receive waits for a running command before answering the
    w:TimedOut fault (tests set it low so that retries happen quickly).
    ``max_envelope_size`` applies when a request carries no ``w:MaxEnvelopeSize`` header of its own.
    ``idle_timeout`` is how long a keep-alive connection may sit idle before the server closes it (HTTP.sys: 120 s;
    tests set it low to make a client meet a connection closed between two of its requests).
    ``kerberos`` names the host's service principal (remediate/lab/wsman/kerberos.py); a Kerberos logon is known by
    its principal (``user@REALM``), which ``users`` and ``denied_users`` may list with any password.
    """

    users: dict[str, str]
    auth: frozenset[AuthMode] = frozenset({AuthMode.NTLM})
    tls: TlsMaterial | None = None
    allow_unencrypted: bool = False
    operation_timeout_cap: float | None = None
    denied_users: frozenset[str] = frozenset()
    max_envelope_size: int = 153600
    idle_timeout: float = 120.0
    kerberos: KerberosService | None = None

    def __post_init__(self) -> None:
        for name, password in self.users.items():
            for text in (name, password):
                if any(bad in text for bad in (":", "\n", "\r")):
                    raise ValueError(f"user {name!r}: user names and passwords must not contain ':' or line breaks")



@dataclass
class Counters:
    """What one endpoint has seen. Updated by the server threads; read them through ``snapshot()``.

    ``requests`` counts every HTTP request, including NTLM handshake legs and requests that were refused or
    dropped. ``bytes_in``/``bytes_out`` count raw bytes on the socket (headers included, before TLS).
    ``auth_failures`` counts answers of 401 for bad or refused credentials (not the 401 that starts a handshake,
    nor those injected by ``Faults.status_401``). ``faults`` counts SOAP faults sent, injected ones included.
    ``kerberos_logons`` counts completed Kerberos logons, ``channel_bound_logons`` those whose token carried the
    TLS channel binding of this listener.
    """

    requests: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    auth_failures: int = 0
    faults: int = 0
    kerberos_logons: int = 0
    channel_bound_logons: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **deltas: int) -> None:
        """Add to one or more counters atomically, e.g. ``add(requests=1, bytes_in=512)``."""
        with self._lock:
            for name, delta in deltas.items():
                setattr(self, name, getattr(self, name) + delta)

    def snapshot(self) -> Counters:
        """A consistent copy, safe to compare while the server keeps counting."""
        with self._lock:
            return Counters(**{f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")})

    def reset(self) -> None:
        """Set every counter back to zero."""
        with self._lock:
            for f in fields(self):
                if not f.name.startswith("_"):
                    setattr(self, f.name, 0)


# Faults fields whose assignment restarts the "counted from when set" request count.
_ARMING_FIELDS = ("drop_at_request", "drop_on_action")


@dataclass
class Faults:
    """Faults to inject on one endpoint, changed by tests while the lab runs and read on every request.

    ``latency`` is added before answering every request; ``slow_receive`` before answering a Receive.
    ``drop_at_request`` closes the TCP connection, without answering, on the Nth request (1-based) counted from
    the moment it is set; ``drop_on_action`` does the same on the next request whose action ends with that name
    ("Create", "Command", "Send", "Receive", "Signal", "Delete"), before the action is carried out. Both fire
    once, then reset themselves to None. ``status_401`` answers every request 401; ``fault_500`` answers every
    authenticated request with a SOAP w:InternalError fault (HTTP 500).
    """

    latency: float = 0.0
    drop_at_request: int | None = None
    drop_on_action: str | None = None
    status_401: bool = False
    fault_500: bool = False
    slow_receive: float = 0.0
    _seen: int = field(default=0, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __setattr__(self, name: str, value: object) -> None:
        # Restart the request count whenever a test arms a drop, so "the Nth request" means from now on.
        if name in _ARMING_FIELDS and "_lock" in self.__dict__:
            with self._lock:
                object.__setattr__(self, name, value)
                object.__setattr__(self, "_seen", 0)
            return
        object.__setattr__(self, name, value)

    def take_request_drop(self) -> bool:
        """Count one request; True (once) when it is the one ``drop_at_request`` names."""
        with self._lock:
            self._seen += 1
            if self.drop_at_request is not None and self._seen >= self.drop_at_request:
                object.__setattr__(self, "drop_at_request", None)
                return True
            return False

    def take_action_drop(self, action: str) -> bool:
        """True (once) when ``action`` (a full WS-Addressing action URI) ends with ``drop_on_action``."""
        with self._lock:
            wanted = self.drop_on_action
            if wanted and action.rsplit("/", 1)[-1].lower() == wanted.lower():
                object.__setattr__(self, "drop_on_action", None)
                return True
            return False


@dataclass
class HostEndpoint:
    """One simulated host's listener, as returned by ``WSManLab.add_host``."""

    name: str
    address: str
    port: int
    scheme: str
    counters: Counters
    faults: Faults
    config: EndpointConfig
    handler_errors: list[BaseException] = field(default_factory=list, repr=False)

    @property
    def url(self) -> str:
        """The endpoint URL to give pywinrm, e.g. ``http://127.0.0.1:5985/wsman``."""
        host = f"[{self.address}]" if ":" in self.address else self.address  # IPv6 literals need brackets
        return f"{self.scheme}://{host}:{self.port}/wsman"
