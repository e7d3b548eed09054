"""One accepted TCP connection of one simulated host: TLS, keep-alive request loop, auth, encryption, faults.

Order of work for each request, which the counters and fault injections rely on:
count it -> injected latency -> drop_at_request -> status_401 -> method/path -> authentication -> decryption
and the plain-HTTP policy -> empty body (NTLM context set-up) answers 200 -> fault_500 -> parse and size check
-> drop_on_action -> the WinRS action. Answers to encrypted requests are encrypted, faults included.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass

from remediate.lab.wsman import encryption
from remediate.lab.wsman.auth import ConnectionAuth
from remediate.lab.wsman.httpio import (
    HttpError,
    HttpRequest,
    build_response,
    read_request,
)
from remediate.lab.wsman.model import HostEndpoint
from remediate.lab.wsman.kerberos import KerberosError
from remediate.lab.wsman.ntlm import NtlmError
from remediate.lab.wsman.service import WinRSService
from remediate.lab.wsman.soap import (
    ENCODING_LIMIT,
    INTERNAL_ERROR,
    WSManFault,
    fault_envelope,
    parse_request,
)

log = logging.getLogger(__name__)

SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"
HANDSHAKE_TIMEOUT = 10.0


@dataclass
class HostRuntime:
    """What a connection needs to know about its host."""

    endpoint: HostEndpoint
    service: WinRSService
    ssl_context: ssl.SSLContext | None
    cbt_hash: bytes | None


@dataclass
class _Answer:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] | None = None
    keep_alive: bool = True
    seal: Callable[[bytes], tuple[bytes, bytes]] | None = None
    drop: bool = False


class Connection:
    """Serves requests on one socket until the peer closes it, a fault drops it or the lab stops."""

    def __init__(self, sock: socket.socket, runtime: HostRuntime, stopping: threading.Event) -> None:
        self.sock = sock
        self.runtime = runtime
        self.stopping = stopping
        self.endpoint = runtime.endpoint
        self.auth = ConnectionAuth(runtime.endpoint.config, runtime.ssl_context is not None, runtime.cbt_hash)

    def serve(self) -> None:
        try:
            if self.runtime.ssl_context is not None:
                self.sock.settimeout(HANDSHAKE_TIMEOUT)
                self.sock = self.runtime.ssl_context.wrap_socket(self.sock, server_side=True)
            # An idle keep-alive connection is closed as HTTP.sys closes it (EndpointConfig.idle_timeout).
            self.sock.settimeout(self.endpoint.config.idle_timeout)
            rfile = self.sock.makefile("rb")
            while not self.stopping.is_set():
                try:
                    request = read_request(rfile)
                except HttpError as exc:
                    self._send(build_response(exc.status, [("X-WSManLab-Reason", str(exc))], b"", False))
                    return
                if request is None:
                    return
                try:
                    answer = self._handle(request)
                except Exception as exc:  # a lab bug must not kill the thread silently or hang the client
                    log.exception("%s: internal error while handling a request", self.endpoint.name)
                    fault = WSManFault(INTERNAL_ERROR, "w:InternalError", f"Lab internal error: {exc!r}",
                                       receiver=True)
                    answer = self._fault(fault, None, None)
                    answer.keep_alive = False
                if answer.drop or self.stopping.is_set():
                    return
                self._send(self._render(answer, request.keep_alive))
                if not (answer.keep_alive and request.keep_alive):
                    return
        except (OSError, ssl.SSLError) as exc:
            # Client went away, TLS handshake refused (e.g. an untrusted CA on the client side), or stop().
            log.debug("connection to %s ended: %s", self.endpoint.name, exc)
        finally:
            self.close()

    def close(self) -> None:
        """Close the socket; safe to call from another thread (stop) and more than once."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    # --- one request --------------------------------------------------------------------------------------------
    def _handle(self, request: HttpRequest) -> _Answer:
        endpoint, faults = self.endpoint, self.endpoint.faults
        endpoint.counters.add(requests=1, bytes_in=request.wire_size)
        if faults.latency > 0:
            self.stopping.wait(faults.latency)  # a sleep that stop() cuts short
        if faults.take_request_drop():
            log.info("%s: dropping the connection (drop_at_request)", endpoint.name)
            return _Answer(0, drop=True)
        if faults.status_401:
            self.auth.reset()
            return _Answer(401, headers=self.auth.challenge_headers() + [("X-WSManLab-Reason", "injected 401")])
        if request.method != "POST":
            return _Answer(405, headers=[("Allow", "POST")])
        if request.target.split("?", 1)[0].rstrip("/").lower() != "/wsman":
            return _Answer(404)

        result = self.auth.authenticate(request.header("Authorization"))
        if result.status != 200 or result.user is None:
            return self._unauthorized(result.headers, result.reason, result.failure)
        if result.kerberos_logon:
            endpoint.counters.add(kerberos_logons=1, channel_bound_logons=int(result.channel_bound))
        answer = self._authenticated(request, result.user)
        if result.headers and answer.status != 401:
            answer.headers = [*(answer.headers or []), *result.headers]  # Kerberos' AP-REP: mutual authentication
        return answer

    def _authenticated(self, request: HttpRequest, user: str) -> _Answer:
        endpoint, faults = self.endpoint, self.endpoint.faults
        body, seal = request.body, None
        if encryption.is_encrypted(request.header("Content-Type")):
            context = self.auth.context
            if context is None:
                return _Answer(400, headers=[("X-WSManLab-Reason", "encrypted body without a security context")],
                               keep_alive=False)
            try:
                body = encryption.decrypt(body, context.unseal)
            except (encryption.EncryptionError, NtlmError, KerberosError) as exc:
                log.warning("%s: cannot decrypt request: %s", endpoint.name, exc)
                return _Answer(400, headers=[("X-WSManLab-Reason", f"cannot decrypt: {exc}")], keep_alive=False)
            seal = context.seal
        elif body and self.runtime.ssl_context is None and not endpoint.config.allow_unencrypted:
            # Windows' AllowUnencrypted=false: an authenticated but unencrypted SOAP message over HTTP is refused.
            return self._unauthorized(self.auth.challenge_headers(), "unencrypted message over plain HTTP refused "
                                      "(AllowUnencrypted=false); use message encryption or HTTPS", True, reset=True)
        if not body:
            # pywinrm's empty POST that sets up the encryption context, or a bare authentication probe.
            return _Answer(200, seal=None)
        if faults.fault_500:
            return self._fault(WSManFault(INTERNAL_ERROR, "w:InternalError", "Injected internal error.",
                                          receiver=True), _message_id(body), seal)
        try:
            wsman = parse_request(body)
        except WSManFault as fault:
            return self._fault(fault, None, seal)
        limit = wsman.max_envelope_size or endpoint.config.max_envelope_size
        if len(body) > limit:
            return self._fault(WSManFault(ENCODING_LIMIT, "w:EncodingLimit",
                                          f"The WS-Management service cannot process the request because the "
                                          f"envelope size ({len(body)} bytes) exceeds MaxEnvelopeSize ({limit})."),
                               wsman.message_id, seal)
        if faults.take_action_drop(wsman.action):
            log.info("%s: dropping the connection on %s (drop_on_action)", endpoint.name, wsman.action)
            return _Answer(0, drop=True)
        try:
            return _Answer(200, self.runtime.service.handle(wsman, user), seal=seal)
        except WSManFault as fault:
            return self._fault(fault, wsman.message_id, seal)

    def _unauthorized(self, headers: list[tuple[str, str]], reason: str, failure: bool,
                      reset: bool = False) -> _Answer:
        if reset:
            self.auth.reset()
        if failure:
            self.endpoint.counters.add(auth_failures=1)
            log.info("%s: 401 %s", self.endpoint.name, reason)
            headers = headers + [("X-WSManLab-Reason", reason)]
        return _Answer(401, headers=headers)

    def _fault(self, fault: WSManFault, relates_to: str | None,
               seal: Callable[[bytes], tuple[bytes, bytes]] | None) -> _Answer:
        self.endpoint.counters.add(faults=1)
        log.debug("%s: fault %s %s", self.endpoint.name, fault.code, fault.reason)
        return _Answer(500, fault_envelope(fault, relates_to, self.endpoint.name), seal=seal)

    def _render(self, answer: _Answer, keep_alive: bool) -> bytes:
        headers = list(answer.headers or [])
        body = answer.body
        if answer.seal is not None:
            body = encryption.encrypt(body, answer.seal)
            headers.append(("Content-Type", encryption.CONTENT_TYPE))
        elif body:
            headers.append(("Content-Type", SOAP_CONTENT_TYPE))
        return build_response(answer.status, headers, body, keep_alive and answer.keep_alive)

    def _send(self, data: bytes) -> None:
        self.sock.sendall(data)
        self.endpoint.counters.add(bytes_out=len(data))


def _message_id(body: bytes) -> str | None:
    """The request's MessageID, for faults answered without a full parse; None if it cannot be read."""
    try:
        return parse_request(body).message_id
    except WSManFault:
        return None
