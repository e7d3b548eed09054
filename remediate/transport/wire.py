"""A lean HTTP transport under pywinrm's `Protocol`: urllib3 directly, NTLM (sealed over HTTP, with channel binding
over HTTPS) and Basic over HTTPS, behind pywinrm's own transport interface (`send_message`, `build_session`,
`close_session`, `encryption`).

Why: profiling the runner (docs/performance.md, issue 17) put about half of its CPU per host in requests for 8 HTTP
requests: per-request environment proxy lookups, cookie jars, hooks, `prepare_request` merging, and then urllib3 under
it. WinRM uses none of that: one endpoint, one keep-alive connection, a fixed header set. This object sends exactly
the requests pywinrm + requests_ntlm send (same handshake legs, so the same request counts), seals with the same
pyspnego context calls, and raises the exceptions requests and pywinrm would raise, so the caller's error mapping
(remediate/transport/winrm.py `_call`) is unchanged.

Not covered here, and left to pywinrm's own requests-based `Transport` by the caller: Kerberos (pykerberos' mutual
authentication and its error classes), an environment proxy that applies to the endpoint, and `--debug` (its wire
trace hooks into requests' adapters).
"""

from __future__ import annotations

import base64
import functools
import struct
import warnings
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests.exceptions
import spnego
import urllib3
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    InsecureRequestWarning,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
)
from urllib3.exceptions import SSLError as Urllib3SSLError
from winrm.exceptions import InvalidCredentialsError, WinRMTransportError

# pywinrm's Transport.default_headers; requests_ntlm adds Keep-Alive (NTLM authenticates the connection).
_HEADERS = {"Content-Type": "application/soap+xml;charset=UTF-8", "User-Agent": "Python WinRM client",
            "Connection": "Keep-Alive"}
# MS-WSMV 2.2.9.1.1, as pywinrm's winrm/encryption.py frames it.
_BOUNDARY = b"--Encrypted Boundary"
_PROTOCOL = b"application/HTTP-SPNEGO-session-encrypted"
_SEALED_TYPE = 'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"'


class WireSession:
    """What pywinrm's `Transport.encryption` test reads: present once messages are sealed."""


class WireTransport:
    """One host's HTTP connection for pywinrm's `Protocol` (assigned to `protocol.transport`).

    `auth` is "ntlm" or "basic". `seal` asks for NTLM message encryption (HTTP); over HTTPS TLS protects the body and
    the NTLM authentication carries the channel binding of the server's certificate (RFC 5929 tls-server-end-point),
    as requests_ntlm does with send_cbt.
    """

    def __init__(self, endpoint: str, auth: str, username: str | None, password: str | None, read_timeout: float,
                 seal: bool, ssl_context: Any = None, validate: bool = True) -> None:
        if auth not in ("ntlm", "basic"):
            raise ValueError(f"WireTransport does not do {auth!r} authentication")
        parts = urlsplit(endpoint)
        self.endpoint = endpoint
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if self._https else 80)
        self._path = parts.path or "/"
        self._auth = auth
        self._username = username
        self._password = password
        self._timeout = urllib3.Timeout(connect=read_timeout, read=read_timeout)  # requests' timeout=read_timeout
        self._seal = seal
        self._ssl_context = ssl_context
        self._validate = validate
        self._pool: Any = None
        self._context: Any = None  # the NTLM context once authenticated (the connection is authenticated)
        self._basic = None if auth != "basic" else \
            "Basic " + base64.b64encode(f"{username or ''}:{password or ''}".encode("latin-1")).decode("ascii")
        self.encryption: WireSession | None = None

    # --- pywinrm's Transport interface ---------------------------------------------------------------------------

    def build_session(self) -> WireTransport:
        """The connection, authenticated and ready to seal when sealing is asked for (pywinrm's setup_encryption:
        an empty POST that the NTLM handshake answers)."""
        if self._pool is None:
            self._pool = self._new_pool()
            if self._seal:
                if self._auth != "ntlm":
                    from winrm.exceptions import WinRMError

                    raise WinRMError("message encryption is set to 'always' but the selected auth method "
                                     f"{self._auth} does not support it")
                self._checked(self._post(b"", None))
                self.encryption = WireSession()
        return self

    def close_session(self) -> None:
        pool, self._pool, self._context, self.encryption = self._pool, None, None, None
        if pool is not None:
            pool.close()

    def send_message(self, message: str | bytes) -> bytes:
        self.build_session()
        if isinstance(message, str):
            message = message.encode("utf-8")
        if self.encryption is not None:
            plain = message
            response = self._post(self._sealed(plain), _SEALED_TYPE, reseal=lambda: self._sealed(plain))
        else:
            response = self._post(message, None)
        return self._content(self._checked(response))

    # --- HTTP -----------------------------------------------------------------------------------------------------

    def _new_pool(self) -> Any:
        common = {"maxsize": 1, "block": False, "timeout": self._timeout, "retries": False}
        if not self._https:
            return urllib3.HTTPConnectionPool(self._host, self._port, **common)
        if not self._validate:
            warnings.simplefilter("ignore", category=InsecureRequestWarning)  # as pywinrm does when asked to ignore
            return urllib3.HTTPSConnectionPool(self._host, self._port, cert_reqs="CERT_NONE", assert_hostname=False,
                                               **common)
        return urllib3.HTTPSConnectionPool(self._host, self._port, ssl_context=self._ssl_context, **common)

    def _post(self, body: bytes, content_type: str | None, reseal: Callable[[], bytes] | None = None) -> Any:
        """One POST, with the NTLM handshake first if the connection is not authenticated yet.

        An authenticated keep-alive connection can be closed between two requests (HTTP.sys closes one idle for
        120 s; a fleet's early hosts wait that long for their shell's Delete at the end of a long run): urllib3
        opens a new one, the server answers 401, and the handshake makes a new NTLM context. A sealed body must
        then be sealed again with the new context (`reseal`): sent as sealed under the old one, the server cannot
        verify it (requests_ntlm under pywinrm resends the old bytes, and the host answers 400)."""
        headers = dict(_HEADERS)
        if content_type:
            headers["Content-Type"] = content_type
        if self._basic is not None:
            headers["Authorization"] = self._basic
        response = self._send(body, headers)
        if response.status == 401 and self._auth == "ntlm":  # requests_ntlm: any 401 to a request without auth
            kind = _auth_type(response.headers.get("www-authenticate", "").lower())
            if kind is not None:
                response = self._ntlm_handshake(response, kind, body, headers, reseal)
        return response

    def _send(self, body: bytes, headers: dict[str, str], keep: bool = False) -> Any:
        try:
            return self._pool.urlopen("POST", self._path, body=body, headers=headers, redirect=False,
                                      assert_same_host=False, preload_content=True, release_conn=not keep)
        except Exception as exc:  # noqa: BLE001 - translated into what requests raises, for the caller's mapping
            raise _as_requests_error(exc) from exc

    def _ntlm_handshake(self, first: Any, kind: str, body: bytes, headers: dict[str, str],
                        reseal: Callable[[], bytes] | None = None) -> Any:
        """requests_ntlm's retry_using_http_NTLM_auth: NEGOTIATE and AUTHENTICATE legs, each resending the body
        (sealed again under the new context for the AUTHENTICATE leg, which the server reads)."""
        cbt = None
        if self._https:
            der = self._peer_certificate()
            digest = _certificate_hash(der) if der else None
            if digest:
                cbt = spnego.channel_bindings.GssChannelBindings(
                    application_data=b"tls-server-end-point:" + digest)
        options = spnego.NegotiateOptions.use_ntlm if self._username and self._password else \
            spnego.NegotiateOptions.none
        client = spnego.client(self._username, self._password, protocol="ntlm", channel_bindings=cbt,
                               hostname=self._host, service="http", options=options)
        headers = dict(headers, Authorization=f"{kind} {base64.b64encode(client.step() or b'').decode()}")
        second = self._send(body, headers)
        if second.headers.get("set-cookie"):
            headers["Cookie"] = second.headers["set-cookie"]
        prefix = kind + " "
        token = next((s.strip() for s in (v.lstrip() for v in second.headers.get("www-authenticate", "").split(","))
                      if s.startswith(prefix)), None)
        if not token:
            raise PermissionError("Access denied: Server did not respond with NTLM challenge token")
        answer = client.step(base64.b64decode(token[len(prefix):].encode()))
        headers["Authorization"] = f"{kind} {base64.b64encode(answer or b'').decode()}"
        self._context = client
        third = self._send(reseal() if reseal is not None else body, headers)
        return third

    def _peer_certificate(self) -> bytes | None:
        """The server's certificate (DER) of the pool's connection: opened by the first request, kept alive."""
        pool = self._pool
        try:
            conn = pool.pool.queue[-1] if pool.pool is not None and pool.pool.queue else None
            sock = getattr(conn, "sock", None)
            return sock.getpeercert(True) if sock is not None else None
        except (AttributeError, IndexError, ValueError):
            return None

    def _checked(self, response: Any) -> Any:
        """pywinrm's `_send_message_request`: 401 -> InvalidCredentialsError, other errors -> WinRMTransportError."""
        status = response.status
        if status < 400:
            return response
        if status == 401:
            raise InvalidCredentialsError("the specified credentials were rejected by the server")
        text = self._content(response) if response.data else b""
        raise WinRMTransportError("http", status, text.decode())

    # --- sealing (MS-WSMV 2.2.9.1.1, as pywinrm's Encryption class frames it) -----------------------------------

    def _sealed(self, message: bytes) -> bytes:
        wrapped = self._context.wrap(message, encrypt=True).data  # requests_ntlm's ShimSessionSecurity.wrap
        signature, sealed = wrapped[:16], wrapped[16:]
        return b"".join((_BOUNDARY, b"\r\n\tContent-Type: ", _PROTOCOL,
                         b"\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
                         str(len(message)).encode(), b"\r\n", _BOUNDARY,
                         b"\r\n\tContent-Type: application/octet-stream\r\n", struct.pack("<i", len(signature)),
                         signature, sealed, _BOUNDARY, b"--\r\n"))

    def _content(self, response: Any) -> bytes:
        data: bytes = response.data
        if self.encryption is None or 'protocol="application/HTTP-SPNEGO-session-encrypted"' not in \
                response.headers.get("Content-Type", ""):
            return data
        return self._unsealed(data)

    def _unsealed(self, data: bytes) -> bytes:
        from winrm.exceptions import WinRMError

        parts = [p for p in data.split(_BOUNDARY + b"\r\n") if p]
        message = b""
        for i in range(0, len(parts) - 1, 2):
            expected = int(parts[i].strip().split(b"Length=")[1])
            payload = parts[i + 1]
            if payload.endswith(_BOUNDARY + b"--\r\n"):
                payload = payload[: len(payload) - 24]
            payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"")
            length = struct.unpack("<i", payload[:4])[0]
            signature, sealed = payload[4: length + 4], payload[length + 4:]
            plain = self._context.unwrap(signature + sealed).data
            if len(plain) != expected:
                raise WinRMError("Encrypted length from server does not match the expected size, message has been "
                                 "tampered with")
            message += plain
        return message


def _auth_type(header: str) -> str | None:
    """requests_ntlm's choice: NTLM if the server offers it, else Negotiate (NTLM inside SPNEGO)."""
    if "ntlm" in header:
        return "NTLM"
    if "negotiate" in header:
        return "Negotiate"
    return None


@functools.lru_cache(maxsize=64)
def _certificate_hash(der: bytes) -> bytes | None:
    """RFC 5929 tls-server-end-point hash, as requests_ntlm computes it (cached: hosts often share a certificate)."""
    from requests_ntlm.requests_ntlm import _get_certificate_hash

    return _get_certificate_hash(der)


def _as_requests_error(exc: Exception) -> Exception:
    """The exception requests' HTTPAdapter.send raises for this urllib3 failure (retries off, as pywinrm's session)."""
    if isinstance(exc, (Urllib3SSLError,)):
        return requests.exceptions.SSLError(exc)
    if isinstance(exc, ConnectTimeoutError) and not isinstance(exc, NewConnectionError):
        return requests.exceptions.ConnectTimeout(exc)
    if isinstance(exc, ReadTimeoutError):
        return requests.exceptions.ReadTimeout(exc)
    if isinstance(exc, ProxyError):
        return requests.exceptions.ProxyError(exc)
    if isinstance(exc, (ProtocolError, NewConnectionError, ClosedPoolError, OSError)):
        return requests.exceptions.ConnectionError(exc)
    if isinstance(exc, urllib3.exceptions.HTTPError):
        return requests.exceptions.ConnectionError(exc)
    return exc
