"""NTLM acceptor for one TCP connection, on top of pyspnego's pure-Python NTLM (``spnego.server(protocol="ntlm")``).

pyspnego's acceptor finds a user's password only in the file named by the process-wide ``NTLM_USER_FILE``
environment variable (``spnego/_ntlm.py: _get_credential_file``), read again at each authentication; it offers
no per-context credential. So the lab owns one such file per process and, under a process-wide lock, writes into
it exactly the one ``DOMAIN:USER:PASSWORD`` line the current AUTHENTICATE message needs before letting pyspnego
check it. That keeps each host's user list separate (two hosts may give one user different passwords) and lets
a user configured without a domain log on from any domain. The lock is held only for the few hash computations
of one authentication.

Channel binding follows Windows' default ``CbtHardeningLevel=Relaxed``: when the client sends a binding (pywinrm
does over HTTPS) it must match this listener's certificate; when it sends none, the logon is still accepted.
"""

from __future__ import annotations

import atexit
import os
import shutil
import struct
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import spnego
from spnego.channel_bindings import GssChannelBindings

from remediate.securefiles import write_private

_NTLM_SIGNATURE = b"NTLMSSP\x00"
_MSV_AV_EOL = 0x0000
_MSV_AV_CHANNEL_BINDINGS = 0x000A
_NEGOTIATE_UNICODE = 0x00000001

_credential_lock = threading.Lock()
_credential_file: Path | None = None


class NtlmError(Exception):
    """The token is malformed or the logon failed; the connection answers 401."""


@dataclass(frozen=True)
class AuthenticateInfo:
    """What the lab reads from an NTLM AUTHENTICATE message before pyspnego verifies it."""

    domain: str
    user: str
    has_channel_binding: bool  # a non-zero MsvAvChannelBindings pair is present


def message_type(token: bytes) -> int | None:
    """1 (NEGOTIATE), 2 (CHALLENGE) or 3 (AUTHENTICATE) for a raw NTLM token; None for anything else (SPNEGO)."""
    if len(token) < 12 or not token.startswith(_NTLM_SIGNATURE):
        return None
    return int(struct.unpack_from("<I", token, 8)[0])


def _field(token: bytes, offset: int) -> bytes:
    # NTLM "fields" are (length u16, max length u16, buffer offset u32) pointing into the message.
    length, _max, start = struct.unpack_from("<HHI", token, offset)
    if start + length > len(token):
        raise NtlmError("NTLM field points past the end of the message")
    return token[start:start + length]


def peek_authenticate(token: bytes) -> AuthenticateInfo:
    """Read the user, domain and channel-binding presence from an AUTHENTICATE message (MS-NLMP 2.2.1.3)."""
    if message_type(token) != 3 or len(token) < 64:
        raise NtlmError("not an NTLM AUTHENTICATE message")
    try:
        flags = struct.unpack_from("<I", token, 60)[0]
        encoding = "utf-16-le" if flags & _NEGOTIATE_UNICODE else "cp437"
        domain = _field(token, 28).decode(encoding)
        user = _field(token, 36).decode(encoding)
        nt_response = _field(token, 20)
    except (struct.error, UnicodeDecodeError) as exc:
        raise NtlmError(f"malformed NTLM AUTHENTICATE message: {exc}") from exc
    return AuthenticateInfo(domain, user, _has_channel_binding(nt_response))


def _has_channel_binding(nt_response: bytes) -> bool:
    # An NTLMv2 response is NTProofStr (16 bytes) then a blob whose AV pairs start 28 bytes in (MS-NLMP 2.2.2.7).
    if len(nt_response) <= 24:
        return False  # NTLMv1: no AV pairs, so no binding
    position = 16 + 28
    while position + 4 <= len(nt_response):
        av_id, av_len = struct.unpack_from("<HH", nt_response, position)
        if av_id == _MSV_AV_EOL:
            break
        value = nt_response[position + 4:position + 4 + av_len]
        if av_id == _MSV_AV_CHANNEL_BINDINGS:
            return value.strip(b"\x00") != b""
        position += 4 + av_len
    return False


def _ensure_credential_file() -> Path:
    """Create the process's credential file once and point NTLM_USER_FILE at it (pyspnego checks both)."""
    global _credential_file
    if _credential_file is None:
        directory = Path(tempfile.mkdtemp(prefix="remediate-lab-ntlm-"))
        atexit.register(shutil.rmtree, directory, True)
        path = directory / "ntlm-users"
        write_private(path, "", "new", what="lab NTLM credential file")
        _credential_file = path
    os.environ["NTLM_USER_FILE"] = str(_credential_file)
    return _credential_file


class NtlmAcceptor:
    """The server side of one NTLM logon and, once complete, its message sealing (MS-WSMV 2.2.9.1.1).

    ``cbt_hash`` is the listener certificate's tls-server-end-point hash over HTTPS, None over HTTP.
    """

    def __init__(self, cbt_hash: bytes | None) -> None:
        self._cbt_hash = cbt_hash
        with _credential_lock:
            _ensure_credential_file()
            self._context = spnego.server(protocol="ntlm", options=spnego.NegotiateOptions.use_ntlm)
        self.complete = False

    def challenge(self, negotiate_token: bytes) -> bytes:
        """Answer a NEGOTIATE message with the CHALLENGE to send back in WWW-Authenticate."""
        if message_type(negotiate_token) != 1:
            raise NtlmError("expected an NTLM NEGOTIATE message")
        try:
            out = self._context.step(negotiate_token)
        except Exception as exc:  # pyspnego raises several unrelated types for bad input
            raise NtlmError(f"bad NTLM NEGOTIATE message: {exc}") from exc
        if not out:
            raise NtlmError("NTLM acceptor produced no challenge")
        return out

    def authenticate(self, token: bytes, info: AuthenticateInfo, password: str) -> None:
        """Verify an AUTHENTICATE message against ``password``; raise NtlmError when it does not match."""
        bindings = None
        if self._cbt_hash is not None and info.has_channel_binding:
            bindings = GssChannelBindings(application_data=b"tls-server-end-point:" + self._cbt_hash)
        line = f"{info.domain}:{info.user}:{password}"
        if any(c in line for c in "\r\n") or line.count(":") != 2:
            raise NtlmError("user or domain name not usable with the NTLM credential file")
        with _credential_lock:
            path = _ensure_credential_file()
            write_private(path, line + "\n", what="lab NTLM credential file")
            try:
                self._context.step(token, channel_bindings=bindings)
            except Exception as exc:  # wrong password, bad MIC, channel binding mismatch...
                raise NtlmError(f"NTLM logon failed: {exc}") from exc
            finally:
                write_private(path, "", what="lab NTLM credential file")  # no password on disk between logons
        if not self._context.complete:
            raise NtlmError("NTLM logon did not complete")
        self.complete = True

    def seal(self, data: bytes) -> tuple[bytes, bytes]:
        """Encrypt one message: returns (16-byte signature, sealed bytes)."""
        wrapped = self._context.wrap(data, encrypt=True).data
        return wrapped[:16], wrapped[16:]

    def unseal(self, signature: bytes, sealed: bytes) -> bytes:
        """Decrypt and verify one message; raise NtlmError if the signature does not match."""
        try:
            return self._context.unwrap(signature + sealed).data
        except Exception as exc:
            raise NtlmError(f"cannot decrypt message: {exc}") from exc
