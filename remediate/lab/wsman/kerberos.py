"""Kerberos acceptor for one TCP connection: pyspnego's GSSAPI acceptor (MIT krb5) with the host's service key.

What a Windows host's HTTP.sys does with ``Authorization: Negotiate <token>``: accept the AP-REQ against its own
service principal (``HTTP/<host name>``, key from the keytab named by ``KRB5_KTNAME``), answer the AP-REP for
mutual authentication, then seal and unseal WinRM messages with the session key (MS-WSMV 2.2.9.1.2). The acceptor
is bound to the host's own principal, so a ticket for another host is refused, as on Windows where each machine
account has its own key.

Tokens: pywinrm (through pykerberos) sends raw Kerberos GSS tokens under ``Negotiate``; other clients (pypsrp,
curl --negotiate) wrap them in SPNEGO. Both are accepted; NTLM tokens go to remediate/lab/wsman/ntlm.py instead.

Channel binding (HTTPS): the certificate's ``tls-server-end-point`` hash is given to every accept. A token bound
to another certificate (a TLS-intercepting proxy in the path) is always refused. A token with no binding is
accepted under ``CbtHardeningLevel`` "relaxed" (Windows' default) and refused under "strict", which makes pywinrm
retry with the binding (it sends its first token before it has seen the certificate).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import spnego
from spnego import CredentialCache
from spnego.channel_bindings import GssChannelBindings

_KRB5_OID = bytes.fromhex("06092a864886f712010202")
_SPNEGO_OID = bytes.fromhex("06062b0601050502")
# GSS_C_CHANNEL_BOUND_FLAG (MIT krb5 1.19+): the initiator's bindings were present and matched ours. pyspnego's
# context_attr leaves this flag out, so it is read from the raw GSS flags it keeps.
_CHANNEL_BOUND = 0x800


class KerberosError(Exception):
    """The token is not a Kerberos one, or the logon failed; the connection answers 401 with this reason."""


@dataclass(frozen=True)
class KerberosService:
    """The acceptor side of one host: its service principal and channel-binding hardening."""

    service: str  # the SPN's service class: HTTP (Windows also registers WSMAN)
    hostname: str  # the SPN's host part, e.g. ex2019-mail.remediate.lab
    cbt_hardening: str = "relaxed"  # "relaxed" (Windows' default) or "strict"

    @property
    def spn(self) -> str:
        return f"{self.service}/{self.hostname}"


def token_kind(token: bytes) -> str | None:
    """"kerberos" for a raw Kerberos GSS token, "spnego" for a SPNEGO one, None otherwise (NTLM, garbage)."""
    if len(token) < 2 or token[0] != 0x60:
        return None
    # [APPLICATION 0] with a DER length, then the mechanism OID.
    position = 2 if token[1] < 0x80 else 2 + (token[1] & 0x7F)
    head = token[position:position + 11]
    if head.startswith(_KRB5_OID):
        return "kerberos"
    if head.startswith(_SPNEGO_OID):
        return "spnego"
    return None


class KerberosAcceptor:
    """One Kerberos logon on one connection and, once complete, its message sealing."""

    def __init__(self, service: KerberosService, cbt_hash: bytes | None) -> None:
        self._service = service
        self._cbt_hash = cbt_hash
        self._context: spnego.ContextProxy | None = None
        self.user: str | None = None
        self.channel_bound = False

    @property
    def complete(self) -> bool:
        return self._context is not None and self._context.complete

    def accept(self, token: bytes) -> bytes | None:
        """Verify one token (AP-REQ); returns the answer token (AP-REP) for the WWW-Authenticate header."""
        kind = token_kind(token)
        if kind is None:
            raise KerberosError("not a Kerberos or SPNEGO token")
        bindings = None
        if self._cbt_hash is not None:
            bindings = GssChannelBindings(application_data=b"tls-server-end-point:" + self._cbt_hash)
        name = f"{self._service.service}@{self._service.hostname}"
        try:
            # A fresh context per logon: bound to this host's own principal in the keytab (KRB5_KTNAME).
            context = spnego.server(credentials=CredentialCache(username=name), hostname=self._service.hostname,
                                    service=self._service.service,
                                    protocol="kerberos" if kind == "kerberos" else "negotiate",
                                    options=spnego.NegotiateOptions.use_gssapi if kind == "kerberos"
                                    else spnego.NegotiateOptions.none)
            answer = context.step(token, channel_bindings=bindings)
        except Exception as exc:  # pyspnego raises several types; the reason is what matters to the person
            raise KerberosError(f"Kerberos logon refused: {_reason(exc)}") from exc
        if not context.complete:
            raise KerberosError("Kerberos logon did not complete in one step (the lab takes AP-REQ tokens only)")
        bound = bool(getattr(context, "_context_attr", 0) & _CHANNEL_BOUND) or _inner_bound(context)
        if self._cbt_hash is not None and not bound and self._service.cbt_hardening == "strict":
            raise KerberosError("Kerberos token has no channel binding (CbtHardeningLevel=Strict)")
        self._context = context
        self.channel_bound = bound
        self.user = context.client_principal or "unknown"
        return answer

    def seal(self, data: bytes) -> tuple[bytes, bytes]:
        """Encrypt one message: returns (header, sealed payload), the header being what NTLM calls the signature."""
        assert self._context is not None
        wrapped = self._context.wrap_winrm(data)
        return wrapped.header, wrapped.data

    def unseal(self, header: bytes, sealed: bytes) -> bytes:
        """Decrypt and verify one message; raise KerberosError when it does not verify."""
        assert self._context is not None
        try:
            return self._context.unwrap_winrm(header, sealed)
        except Exception as exc:
            raise KerberosError(f"cannot decrypt message: {_reason(exc)}") from exc


def _inner_bound(context: spnego.ContextProxy) -> bool:
    # SPNEGO wraps the Kerberos context; the flag lives on the inner one.
    inner = getattr(context, "_context", None)
    return bool(getattr(inner, "_context_attr", 0) & _CHANNEL_BOUND)


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__


def negotiate_header(token: bytes | None) -> str:
    """The WWW-Authenticate value answering a Kerberos logon."""
    return "Negotiate " + base64.b64encode(token).decode("ascii") if token else "Negotiate"
