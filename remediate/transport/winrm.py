"""WinRM transport over pywinrm's `Protocol`: one shell per host per run, one command per phase.

Why not `winrm.Session.run_ps`: it opens and closes a shell per call (a new TCP connection and, with NTLM, a new
handshake each time), puts the script on the command line (cmd.exe caps it at 8191 characters) and uses code page
437. Here the shell is opened once with code page 65001, the agent travels over stdin in chunks that fit
MaxEnvelopeSize, and a finished command is not signalled: deleting the shell at the end frees it, which saves one
request per phase.
"""

from __future__ import annotations

import functools
import os
import ssl
import time
import urllib.request
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.ssl_ import create_urllib3_context
from winrm.exceptions import (
    InvalidCredentialsError,
    WinRMError,
    WinRMOperationTimeoutError,
    WinRMTransportError,
    WSManFaultError,
)
from winrm.protocol import Protocol

from remediate import debug
from remediate.errors import (
    AuthenticationError,
    HostError,
    KerberosError,
    KerberosFailure,
    TransportError,
    UnreachableError,
)
from remediate.inventory import AuthTransport, Host, Scheme
from remediate.transport import kerberos
from remediate.transport.kerberos import KerberosExchangeError, MutualAuthenticationError
from remediate.transport.base import CommandResult, Connection
from remediate.transport.envelopes import EnvelopeProtocol
from remediate.transport.wire import WireTransport

# pywinrm's default MaxEnvelopeSize is 153600 bytes; base64 grows data by 4/3 and the envelope adds ~1.5 KB.
STDIN_CHUNK = 96 * 1024
UTF8_CODEPAGE = 65001
# WS-Management fault code for a shell id the server does not know (MS-WSMV; what Windows answers once a shell
# has expired or WinRM restarted).
SHELL_NOT_FOUND = 2150858843



class WinRMConnection(Connection):
    def __init__(self, host: Host, password: str | None) -> None:
        self.host = host.name
        self._conn = host.connection
        self._password = password
        self._protocol: Protocol | None = None
        self._shell_id: str | None = None
        self._kerberos = host.connection.transport is AuthTransport.KERBEROS
        # Kerberos with a password: the process-private cache holding the ticket obtained with it (kerberos.py).
        self._ccache: str | None = None

    def _open(self) -> tuple[Protocol, str]:
        if self._protocol is None or self._shell_id is None:
            protocol = self._new_protocol()
            self._shell_id = self._call(lambda: protocol.open_shell(codepage=UTF8_CODEPAGE, noprofile=True))
        return self._protocol, self._shell_id

    def _new_protocol(self) -> Protocol:
        """A new pywinrm Protocol, its session built (the NTLM handshake done). Never reuse one after a drop or a
        401: its NTLM keys are gone with the connection, and it would seal the next body with them."""
        conn = self._conn
        if self._kerberos:
            self._prepare_kerberos()
        protocol = EnvelopeProtocol(
            endpoint=conn.endpoint,
            transport=conn.transport.value,
            username=conn.user,
            password=self._wire_password(),
            # Kerberos: pywinrm's SPN is SERVICE@HOST; HOST defaults to the endpoint's address, as pywinrm does.
            service=conn.spn_service,
            kerberos_hostname_override=conn.spn.split("/", 1)[1] if conn.spn else None,
            kerberos_delegation=conn.kerberos_delegation,
            server_cert_validation="validate" if conn.validate_cert else "ignore",
            # Explicit trust: the inventory's CA file, else the CA bundle requests ships (never the environment).
            ca_trust_path=conn.ca_file or requests.certs.where(),
            # TLS protects HTTPS; over HTTP only NTLM's or Kerberos' own sealing may carry credentials and data.
            message_encryption="auto" if conn.scheme is Scheme.HTTPS else "always",
            operation_timeout_sec=conn.operation_timeout,
            read_timeout_sec=conn.operation_timeout + 10,
        )
        self._protocol = protocol
        if self._lean_transport_applies():
            # urllib3 directly under pywinrm's Protocol (remediate/transport/wire.py): the same requests, a
            # fraction of requests' CPU per request (docs/performance.md, issue 17).
            protocol.transport = WireTransport(
                conn.endpoint, conn.transport.value, conn.user, protocol.transport.password,
                read_timeout=protocol.read_timeout_sec, seal=conn.scheme is not Scheme.HTTPS,
                ssl_context=self._call(lambda: trust_context(conn.ca_file or requests.certs.where()))
                if conn.scheme is Scheme.HTTPS and conn.validate_cert else None,
                validate=conn.validate_cert)
            self._call(protocol.transport.build_session)  # with NTLM over HTTP this sends the handshake
            return protocol
        if debug.enabled():
            debug.instrument(protocol, self.host)  # --debug: masked wire trace (remediate/debug.py)
        # Build the HTTP session first (with NTLM over HTTP this sends the handshake): pywinrm resolves the
        # environment's proxy and no_proxy settings for this one endpoint into session.proxies while building
        # it. Then stop requests from resolving them again on every request: with trust_env it re-reads and
        # re-parses os.environ three times per request, a fifth of the runner's CPU per host in bench/fleet.py.
        # Same proxies either way (the endpoint never changes); session.auth is always set, so no .netrc.
        session = self._call(protocol.transport.build_session)
        session.trust_env = False
        if conn.scheme is Scheme.HTTPS and conn.validate_cert:
            # One TLS context per CA file for the whole run instead of one per host (see SharedTrustAdapter).
            trust = conn.ca_file or requests.certs.where()
            session.mount("https://", SharedTrustAdapter(self._call(lambda: trust_context(trust))))
        return protocol

    def _lean_transport_applies(self) -> bool:
        """WireTransport covers NTLM and Basic without a proxy. Kerberos keeps pywinrm's requests transport (its
        mutual authentication and error classes), so do a proxy the environment names for this endpoint (pywinrm
        honours it) and --debug (its wire trace hooks into requests' adapters)."""
        if self._kerberos or debug.enabled():
            return False
        return not environment_proxy(self._conn.endpoint)

    def _wire_password(self) -> str | None:
        if self._conn.transport is AuthTransport.KERBEROS:
            return None  # the ticket authenticates; the password, if any, only obtained it (_prepare_kerberos)
        assert self._password is not None  # required for NTLM and Basic when the inventory is loaded
        return self._password if self._conn.transport is AuthTransport.BASIC else ntlm_secret(self._password)

    def _prepare_kerberos(self) -> None:
        missing = kerberos.available(with_password=self._password is not None)
        if missing:
            raise KerberosError(self.host, KerberosFailure.NOT_INSTALLED, missing)
        if self._password is not None and self._ccache is None:
            assert self._conn.user is not None  # required with a password when the inventory is loaded
            self._ccache = kerberos.ticket_cache(self.host, self._conn.user, self._password,
                                                 forwardable=self._conn.kerberos_delegation)

    def run(self, command: str, arguments: list[str], stdin: bytes) -> CommandResult:
        protocol, shell_id = self._open()
        try:
            command_id = self._call(lambda: protocol.run_command(shell_id, command, arguments))
        except TransportError as exc:
            if exc.fault_code != SHELL_NOT_FOUND:
                raise
            # The shell expired between phases (idle timeout, WinRM restarted). No command was started in it,
            # so starting this one in a new shell is safe, for an apply as much as for a read.
            self.reset()
            protocol, shell_id = self._open()
            command_id = self._call(lambda: protocol.run_command(shell_id, command, arguments))
        input_closed = False
        try:
            for start in range(0, max(len(stdin), 1), STDIN_CHUNK):
                chunk = stdin[start : start + STDIN_CHUNK]
                last = start + STDIN_CHUNK >= len(stdin)
                input_closed = input_closed or last  # from here on the command may run, answer or no answer
                self._call(lambda: protocol.send_command_input(shell_id, command_id, chunk, end=last))
            stdout, stderr, code = self._call(lambda: protocol.get_command_output(shell_id, command_id))
        except HostError as exc:
            if input_closed:
                exc.in_flight = (shell_id, command_id)
            raise
        return CommandResult(stdout, stderr, code)

    def collect(self, handle: Any, budget: float) -> CommandResult | None:
        """Receive a started command's output over a new session (WinRS shells outlive connections and belong to
        the user, not the session). Only Receives are sent: the command is never sent again. The old shell is
        adopted, so `close` deletes it: on Windows that ends the command if it is still waiting or running."""
        shell_id, command_id = handle
        self.reset()
        protocol = self._new_protocol()
        self._protocol, self._shell_id = protocol, shell_id
        out: list[bytes] = []
        err: list[bytes] = []
        deadline = time.monotonic() + budget

        def receive() -> tuple[bytes, bytes, int, bool] | None:
            try:
                return protocol.get_command_output_raw(shell_id, command_id)
            except WinRMOperationTimeoutError:
                return None  # the Receive waited its operation timeout: the command is still running

        while True:
            chunk = self._call(receive)  # any other failure is the caller's: this session is gone too
            if chunk is None:
                if time.monotonic() > deadline:
                    return None
                continue
            stdout, stderr, code, done = chunk
            out.append(stdout)
            err.append(stderr)
            if done:
                return CommandResult(b"".join(out), b"".join(err), code)
            if time.monotonic() > deadline:
                return None

    def _call(self, fn):  # type: ignore[no-untyped-def]
        try:
            with kerberos.ccache_scope(self._ccache):
                return self._sealed_anew_once(fn)
        except InvalidCredentialsError:
            self.reset()
            if self._kerberos:
                raise KerberosError(self.host, KerberosFailure.REFUSED, f"{self._conn.endpoint} refused the Kerberos "
                                    f"ticket of {self._conn.user or 'the default principal'} for "
                                    f"{self._conn.spn_service}/{self._conn.spn_host} (HTTP 401): the host's key may "
                                    "not match the KDC's (a stale keytab or SPN on another account), its clock may "
                                    "be off, or the user is not allowed to use WinRM there") from None
            raise AuthenticationError(self.host, f"credentials refused by {self._conn.endpoint} "
                                      f"(user {self._conn.user}, HTTP 401)") from None
        except KerberosExchangeError as exc:
            # pywinrm's Kerberos could not make a token: no ticket, the KDC refused, the SPN is unknown...
            self.reset()
            raise kerberos.explain_exchange(self.host, str(exc), principal=self._conn.user,
                                            spn=f"{self._conn.spn_service}/{self._conn.spn_host}",
                                            address=self._conn.address) from None
        except MutualAuthenticationError:
            self.reset()
            raise KerberosError(self.host, KerberosFailure.REFUSED, f"{self._conn.endpoint} did not prove it holds "
                                f"the key of {self._conn.spn_service}/{self._conn.spn_host} (Kerberos mutual "
                                "authentication failed): the answer is not from that host") from None
        except PermissionError:
            # requests_ntlm's way of saying the NTLM handshake was answered 401 with no challenge: a refusal too.
            self.reset()
            raise AuthenticationError(self.host, f"credentials refused by {self._conn.endpoint} "
                                      f"(user {self._conn.user}, HTTP 401 during the NTLM handshake)") from None
        except WSManFaultError as exc:
            error = TransportError(self.host, f"WS-Management fault {exc.wsman_fault_code or exc.code}: "
                                   f"{(exc.reason or '').strip()}", transient=_transient_fault(exc))
            error.fault_code = exc.wsman_fault_code
            raise error from None
        except WinRMOperationTimeoutError:
            raise TransportError(self.host, "operation timed out", transient=True) from None
        except WinRMTransportError as exc:
            self.reset()
            raise UnreachableError(self.host, f"HTTP {exc.code} from {self._conn.endpoint}",
                                   transient=_status(exc.code) >= 500) from None
        except requests.exceptions.SSLError as exc:
            self.reset()
            raise UnreachableError(self.host, f"TLS failed for {self._conn.endpoint}: {_first_line(exc)}") from None
        except requests.exceptions.Timeout:
            self.reset()
            raise UnreachableError(self.host, f"no answer from {self._conn.endpoint} in time", transient=True) \
                from None
        except requests.exceptions.ConnectionError as exc:
            self.reset()
            reason = _reason(exc)
            raise UnreachableError(self.host, f"cannot connect to {self._conn.endpoint}: {reason}",
                                   transient=reason in _DROPPED) from None
        except WinRMError as exc:
            self.reset()
            raise TransportError(self.host, f"WinRM error: {_first_line(exc)}") from None
        except HostError:
            raise
        except (OSError, ValueError) as exc:
            self.reset()
            raise TransportError(self.host, f"{type(exc).__name__}: {_first_line(exc)}") from None

    def _sealed_anew_once(self, fn):  # type: ignore[no-untyped-def]
        """`fn()`, and once more over a new logon if the host could not read a sealed message (HTTP 400).

        pywinrm's requests transport (Kerberos, a proxy, --debug) after the host closed an idle keep-alive
        connection (HTTP.sys: 120 s): requests reconnects, the host asks for a new logon, requests_kerberos
        re-authenticates and resends the message still sealed under the old context, which the host cannot unseal.
        A 400 is answered before anything is processed, so the same call over a new session (a new logon, a new
        context; the shell is the user's and lives on) is safe for every operation. WireTransport seals again
        itself (remediate/transport/wire.py)."""
        try:
            return fn()
        except WinRMTransportError as exc:
            protocol = self._protocol
            if _status(exc.code) != 400 or protocol is None or isinstance(protocol.transport, WireTransport) \
                    or self._conn.scheme is Scheme.HTTPS:
                raise
            protocol.transport.close_session()
            return fn()

    def reset(self) -> None:
        protocol, self._protocol, self._shell_id = self._protocol, None, None
        if protocol is not None:
            try:
                protocol.transport.close_session()
            except Exception:  # noqa: BLE001 - closing a broken session must never mask the real error
                pass

    def close(self) -> None:
        protocol, shell_id = self._protocol, self._shell_id
        if protocol is not None and shell_id is not None:
            try:
                protocol.close_shell(shell_id)
            except Exception:  # noqa: BLE001 - the run's result is already known; a failed Delete changes nothing
                pass
        self.reset()


# A connection that broke after it was made is worth another try for a read; one that was refused, or a name that
# does not resolve, is not (the host is down or misnamed, and waiting would only slow the run).
_DROPPED = {"connection reset", "remote end closed", "connection aborted", "timed out"}
# WS-Management faults that say "try again": ERROR_INTERNAL_ERROR (w:InternalError, what an HTTP 500 fault of a
# struggling WinRM service carries), and gateway or availability statuses.
_TRANSIENT_FAULT_CODES = {1359}


def _status(code: object) -> int:
    try:
        return int(code)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def _transient_fault(exc: WSManFaultError) -> bool:
    return exc.wsman_fault_code in _TRANSIENT_FAULT_CODES or _status(exc.code) in (502, 503, 504)


def environment_proxy(endpoint: str) -> str | None:
    """The proxy the environment (http_proxy, https_proxy, no_proxy...) names for `endpoint`, as pywinrm resolves it
    with proxy='legacy_requests'; None when there is none (the usual case). Read once per host, not per request."""
    if not _environment_proxies():
        return None  # no proxy variable at all: nothing to resolve
    scheme = endpoint.split(":", 1)[0].lower()
    return requests.utils.get_environ_proxies(endpoint).get(scheme)


@functools.lru_cache(maxsize=1)
def _environment_proxies() -> tuple[tuple[str, str], ...]:
    """The environment's proxy variables, read once per process: scanning os.environ is ~0.2 ms, per host."""
    return tuple(sorted(urllib.request.getproxies_environment().items()))


@functools.lru_cache(maxsize=16)
def trust_context(ca_path: str) -> ssl.SSLContext:
    """A verifying TLS client context trusting exactly `ca_path` (a CA file, or a directory of hashed CA files),
    built once per process and path and shared by every host that names it.

    What urllib3 builds for each connection when given a CA path (create_urllib3_context with CERT_REQUIRED, which
    also checks the host name), loaded once. Loading is the cost: requests' own CA bundle (the trust of a host
    without `ca_file`) takes ~27 ms of CPU and ~0.6 MB per load, per host (docs/performance.md).
    """
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    if os.path.isdir(ca_path):
        context.load_verify_locations(capath=ca_path)
    else:
        context.load_verify_locations(cafile=ca_path)
    return context


class SharedTrustAdapter(HTTPAdapter):
    """HTTPS through a shared, pre-loaded `trust_context`: requests and urllib3 otherwise hand the CA path to every
    new connection, which loads it into a fresh context. Verification is unchanged (CERT_REQUIRED, host name, the
    same CAs); only the loading is done once. For verifying connections only (the session's `verify` is the path).
    """

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def build_connection_pool_key_attributes(self, request: Any, verify: Any,
                                             cert: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        pool_kwargs.pop("ca_certs", None)  # the trust is already in the shared context
        pool_kwargs.pop("ca_cert_dir", None)
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, verify, cert)  # checks the path exists, sets CERT_REQUIRED
        conn.ca_certs = None
        conn.ca_cert_dir = None


@functools.lru_cache(maxsize=32)
def ntlm_secret(password: str) -> str:
    """The password as pyspnego's "LM:NT" hash pair, derived once per process instead of once per host.

    pyspnego derives both hashes for every new NTLM context, and its LM hash is pure-Python DES: ~0.8 ms of CPU per
    host, a sixth of the runner's budget (docs/performance.md). Given the pair, it uses it as is (`NTLMHash`, the
    same credential); the exchange on the wire is identical. Falls back to the password if pyspnego's helpers move.
    """
    try:
        from spnego._ntlm_raw.crypto import is_ntlm_hash, lmowfv1, ntowfv1
    except ImportError:
        return password
    if is_ntlm_hash(password):
        return password  # already a hash pair: pyspnego would read it as one anyway
    return f"{lmowfv1(password).hex()}:{ntowfv1(password).hex()}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _reason(exc: requests.exceptions.ConnectionError) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Connection reset", "Remote end closed", "Name or service not known",
                   "timed out", "No route to host", "Connection aborted"):
        if marker in text:
            return marker.lower()
    return _first_line(exc)
