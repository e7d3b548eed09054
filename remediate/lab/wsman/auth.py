"""HTTP authentication of one connection: Basic per request, NTLM and Kerberos per connection (their context lives
as long as the TCP connection does, as on Windows' HTTP.sys). Both of the latter arrive under ``Negotiate``; the
token's first bytes say which (NTLM: remediate/lab/wsman/ntlm.py, Kerberos: remediate/lab/wsman/kerberos.py).

Refusals answer 401, as Windows does (pywinrm raises ``InvalidCredentialsError``): wrong credentials, a scheme
the endpoint does not enable, and Basic over plain HTTP without ``allow_unencrypted``. The reason goes into
``AuthResult.reason``, which the connection logs and sends back in an ``X-WSManLab-Reason`` header, so that a
person debugging with the lab can see which of these it was; real Windows says nothing more than 401.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass, field

from remediate.lab.wsman.kerberos import KerberosAcceptor, KerberosError, negotiate_header, token_kind
from remediate.lab.wsman.model import AuthMode, EndpointConfig
from remediate.lab.wsman.ntlm import (
    NtlmAcceptor,
    NtlmError,
    message_type,
    peek_authenticate,
)

log = logging.getLogger(__name__)


@dataclass
class AuthResult:
    """``status`` 200 means go on as ``user``; 401 means answer 401 with ``headers``.

    ``failure`` is True for a refusal (counted in ``Counters.auth_failures``), False for the 401 that starts or
    continues a handshake. A 200 may carry ``headers`` too: Kerberos' answer token, for mutual authentication.
    """

    status: int
    user: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    failure: bool = False
    reason: str = ""
    kerberos_logon: bool = False  # this request completed a Kerberos logon
    channel_bound: bool = False  # ... whose token carried the matching channel binding (HTTPS)


def find_user(users: dict[str, str], domain: str, name: str) -> tuple[str, str] | None:
    """The (config key, password) for a logon as ``domain\\name``, following ``EndpointConfig.users`` rules.

    An entry with the same domain wins over a domain-less entry, which wins over a domain entry matched by a
    logon that named no domain.
    """
    best: tuple[int, str, str] | None = None
    for key, password in users.items():
        key_domain, _, key_name = key.rpartition("\\")
        if key_name.lower() != name.lower():
            continue
        if key_domain and domain and key_domain.lower() == domain.lower():
            rank = 0
        elif not key_domain:
            rank = 1
        elif not domain:
            rank = 2
        else:
            continue
        if best is None or rank < best[0]:
            best = (rank, key, password)
    return None if best is None else (best[1], best[2])


class ConnectionAuth:
    """Authentication state of one TCP connection."""

    def __init__(self, config: EndpointConfig, tls: bool, cbt_hash: bytes | None) -> None:
        self.config = config
        self.tls = tls
        self.cbt_hash = cbt_hash
        # The completed logon of this connection (NTLM or Kerberos): it seals and unseals messages.
        self.context: NtlmAcceptor | KerberosAcceptor | None = None
        self.context_user: str | None = None
        self._pending: NtlmAcceptor | None = None

    def challenge_headers(self) -> list[tuple[str, str]]:
        """The WWW-Authenticate headers of a 401, one per enabled scheme, as Windows lists them."""
        headers = []
        if AuthMode.NTLM in self.config.auth or AuthMode.KERBEROS in self.config.auth:
            # Windows offers Negotiate (never a bare "NTLM"); requests-ntlm then sends raw NTLM tokens under it, and
            # pywinrm's Kerberos raw Kerberos tokens.
            headers.append(("WWW-Authenticate", "Negotiate"))
        if AuthMode.BASIC in self.config.auth:
            headers.append(("WWW-Authenticate", 'Basic realm="WSMAN"'))
        return headers

    def reset(self) -> None:
        """Forget any logon on this connection (after a refusal or an injected 401)."""
        self.context = self.context_user = self._pending = None

    def refuse(self, reason: str) -> AuthResult:
        self.reset()
        return AuthResult(401, headers=self.challenge_headers(), failure=True, reason=reason)

    def authenticate(self, authorization: str | None) -> AuthResult:
        """Decide about one request from its Authorization header (None when it has none)."""
        if not authorization:
            if self.context is not None and self.context_user is not None:
                return AuthResult(200, user=self.context_user)
            return AuthResult(401, headers=self.challenge_headers(), reason="no credentials")
        scheme, _, token = authorization.strip().partition(" ")
        scheme_lower = scheme.lower()
        if scheme_lower == "basic":
            return self._basic(token.strip())
        if scheme_lower in ("negotiate", "kerberos"):
            return self._negotiate(scheme, token.strip())
        if scheme_lower == "ntlm":
            return self._ntlm(scheme, token.strip())
        return self.refuse(f"authentication scheme {scheme!r} is not supported")

    def _basic(self, token: str) -> AuthResult:
        if AuthMode.BASIC not in self.config.auth:
            return self.refuse("Basic authentication is not enabled on this endpoint")
        if not self.tls and not self.config.allow_unencrypted:
            return self.refuse("Basic authentication over plain HTTP is refused (AllowUnencrypted=false)")
        try:
            decoded = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return self.refuse("malformed Basic credentials")
        login, sep, password = decoded.partition(":")
        domain, _, name = login.rpartition("\\")
        found = find_user(self.config.users, domain, name) if sep else None
        if found is None or found[1] != password:
            return self.refuse(f"wrong user name or password for {login!r}")
        return AuthResult(200, user=found[0])

    def _negotiate(self, scheme: str, token: str) -> AuthResult:
        try:
            raw = base64.b64decode(token, validate=True)
        except binascii.Error:
            return self.refuse("malformed Negotiate token")
        if message_type(raw) is not None:
            return self._ntlm(scheme, token)
        if token_kind(raw) is None:
            return self.refuse("Negotiate token is neither NTLM nor Kerberos")
        if AuthMode.KERBEROS not in self.config.auth or self.config.kerberos is None:
            return self.refuse("Kerberos authentication is not enabled on this endpoint")
        self.reset()
        acceptor = KerberosAcceptor(self.config.kerberos, self.cbt_hash if self.tls else None)
        try:
            answer = acceptor.accept(raw)
        except KerberosError as exc:
            return self.refuse(str(exc))
        principal = acceptor.user or ""
        name, _, realm = principal.partition("@")
        found = self.config.users.get(principal) and (principal, "") or find_user(self.config.users, "", name)
        if found is None:
            return self.refuse(f"Kerberos principal {principal} is not a user of this host")
        self.context, self.context_user = acceptor, found[0]
        return AuthResult(200, user=found[0], headers=[("WWW-Authenticate", negotiate_header(answer))],
                          kerberos_logon=True, channel_bound=acceptor.channel_bound)

    def _ntlm(self, scheme: str, token: str) -> AuthResult:
        if AuthMode.NTLM not in self.config.auth:
            return self.refuse("NTLM authentication is not enabled on this endpoint")
        try:
            raw = base64.b64decode(token, validate=True)
        except binascii.Error:
            return self.refuse("malformed NTLM token")
        kind = message_type(raw)
        try:
            if kind == 1:
                self.reset()
                self._pending = NtlmAcceptor(self.cbt_hash)
                challenge = self._pending.challenge(raw)
                header = f"{scheme} {base64.b64encode(challenge).decode('ascii')}"
                return AuthResult(401, headers=[("WWW-Authenticate", header)], reason="NTLM challenge")
            if kind == 3 and self._pending is not None:
                info = peek_authenticate(raw)
                found = find_user(self.config.users, info.domain, info.user)
                if found is None:
                    return self.refuse(f"unknown user {info.domain}\\{info.user}")
                self._pending.authenticate(raw, info, found[1])
                self.context, self.context_user, self._pending = self._pending, found[0], None
                return AuthResult(200, user=found[0])
        except NtlmError as exc:
            return self.refuse(str(exc))
        return self.refuse("unexpected NTLM message")
