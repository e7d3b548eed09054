"""MS-WSMV 2.2.9.1 message encryption for HTTP: the ``multipart/encrypted`` body both sides exchange.

One message is one MIME-like part pair::

    --Encrypted Boundary\\r\\n
    \\tContent-Type: application/HTTP-SPNEGO-session-encrypted\\r\\n
    \\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<plaintext length>\\r\\n
    --Encrypted Boundary\\r\\n
    \\tContent-Type: application/octet-stream\\r\\n
    <signature length, 4 bytes little-endian><signature><sealed payload>--Encrypted Boundary--\\r\\n

The sealed payload is read by position, not by searching for the boundary (sealed bytes may contain it by
chance); NTLM sealing is RC4, so the sealed payload is exactly as long as the plaintext.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable

BOUNDARY = b"--Encrypted Boundary"
PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
CONTENT_TYPE = f'multipart/encrypted;protocol="{PROTOCOL}";boundary="Encrypted Boundary"'
_OCTET_LINE = b"\tContent-Type: application/octet-stream\r\n"
_LENGTH = re.compile(rb"Length=(\d+)")


class EncryptionError(Exception):
    """The encrypted body is malformed, or its length or signature is wrong."""


def is_encrypted(content_type: str | None) -> bool:
    """Whether a Content-Type header announces an SPNEGO-encrypted WinRM body."""
    lowered = (content_type or "").lower()
    return lowered.startswith("multipart/encrypted") and PROTOCOL.lower() in lowered


def decrypt(body: bytes, unseal: Callable[[bytes, bytes], bytes]) -> bytes:
    """Return the plaintext of an encrypted request; ``unseal(signature, sealed)`` does the cryptography."""
    first = BOUNDARY + b"\r\n"
    if not body.startswith(first):
        raise EncryptionError("encrypted body does not start with the MIME boundary")
    second = body.find(first, len(first))
    if second < 0:
        raise EncryptionError("encrypted body has no payload part")
    match = _LENGTH.search(body, len(first), second)
    if match is None:
        raise EncryptionError("encrypted body has no OriginalContent Length")
    length = int(match.group(1))
    position = second + len(first)
    line_end = body.find(b"\r\n", position)
    if line_end < 0 or b"application/octet-stream" not in body[position:line_end]:
        raise EncryptionError("payload part is not application/octet-stream")
    position = line_end + 2
    if position + 4 > len(body):
        raise EncryptionError("encrypted body is truncated")
    (signature_length,) = struct.unpack_from("<I", body, position)
    position += 4
    signature = body[position:position + signature_length]
    sealed = body[position + signature_length:position + signature_length + length]
    trailer = body[position + signature_length + length:]
    if len(signature) != signature_length or len(sealed) != length or not trailer.startswith(BOUNDARY + b"--"):
        raise EncryptionError("encrypted body lengths do not add up")
    plaintext = unseal(signature, sealed)
    if len(plaintext) != length:
        raise EncryptionError("decrypted length differs from OriginalContent Length")
    return plaintext


def encrypt(plaintext: bytes, seal: Callable[[bytes], tuple[bytes, bytes]],
            original_type: str = "application/soap+xml;charset=UTF-8") -> bytes:
    """Build an encrypted body; ``seal(data)`` returns (signature, sealed payload)."""
    signature, sealed = seal(plaintext)
    return b"".join([
        BOUNDARY, b"\r\n",
        b"\tContent-Type: ", PROTOCOL.encode(), b"\r\n",
        b"\tOriginalContent: type=", original_type.encode(), b";Length=", str(len(plaintext)).encode(), b"\r\n",
        BOUNDARY, b"\r\n",
        _OCTET_LINE,
        struct.pack("<I", len(signature)), signature, sealed,
        BOUNDARY, b"--\r\n",
    ])
