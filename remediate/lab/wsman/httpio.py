"""Just enough HTTP/1.1 for WinRM: read one request with its whole body, write one response in one send.

Written by hand rather than with ``http.server`` because the lab needs control that module hides: the NTLM
context lives on the connection, a fault may close the socket without answering, and every byte is counted.
Bodies are always read completely, even when the answer will be 401, so the connection stays usable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

MAX_LINE = 65536
MAX_HEADERS = 100
MAX_BODY = 32 * 1024 * 1024
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
           411: "Length Required", 413: "Payload Too Large", 500: "Internal Server Error"}


class HttpError(Exception):
    """A request that cannot be read; answer ``status`` and close the connection."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class HttpRequest:
    """One request as read from the socket. ``wire_size`` counts every byte read for it."""

    method: str
    target: str
    version: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    wire_size: int = 0

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive), or None."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    @property
    def keep_alive(self) -> bool:
        connection = (self.header("Connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


def _readline(rfile: BinaryIO) -> bytes:
    line = rfile.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise HttpError(400, "header line too long")
    return line


def read_request(rfile: BinaryIO) -> HttpRequest | None:
    """Read the next request; None when the peer closed the connection between requests."""
    size = 0
    line = _readline(rfile)
    while line in (b"\r\n", b"\n"):  # tolerate stray empty lines between requests (RFC 9112 2.2)
        size += len(line)
        line = _readline(rfile)
    if not line:
        return None
    size += len(line)
    parts = line.decode("latin-1").strip().split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpError(400, f"bad request line {line[:80]!r}")
    request = HttpRequest(parts[0].upper(), parts[1], parts[2])
    while True:
        line = _readline(rfile)
        if not line:
            raise HttpError(400, "connection closed inside the headers")
        size += len(line)
        if line in (b"\r\n", b"\n"):
            break
        if len(request.headers) >= MAX_HEADERS:
            raise HttpError(400, "too many headers")
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise HttpError(400, f"bad header line {line[:80]!r}")
        request.headers.append((name.strip(), value.strip()))
    if (request.header("Transfer-Encoding") or "").lower() == "chunked":
        request.body, body_size = _read_chunked(rfile)
        size += body_size
    else:
        length_text = request.header("Content-Length") or "0"
        if not length_text.isdigit():
            raise HttpError(400, "bad Content-Length")
        length = int(length_text)
        if length > MAX_BODY:
            raise HttpError(413, "request body too large")
        request.body = rfile.read(length)
        if len(request.body) != length:
            raise HttpError(400, "connection closed inside the body")
        size += length
    request.wire_size = size
    return request


def _read_chunked(rfile: BinaryIO) -> tuple[bytes, int]:
    body = bytearray()
    size = 0
    while True:
        line = _readline(rfile)
        size += len(line)
        try:
            chunk_size = int(line.split(b";")[0].strip(), 16)
        except ValueError:
            raise HttpError(400, "bad chunk size") from None
        if chunk_size == 0:
            while (line := _readline(rfile)) not in (b"\r\n", b"\n", b""):  # trailers
                size += len(line)
            return bytes(body), size + len(line)
        if len(body) + chunk_size > MAX_BODY:
            raise HttpError(413, "request body too large")
        data = rfile.read(chunk_size + 2)
        if len(data) != chunk_size + 2:
            raise HttpError(400, "connection closed inside a chunk")
        body += data[:chunk_size]
        size += len(data)


def _header_safe(value: str) -> str:
    # Reasons may quote a client-supplied user name: keep header values single-line ASCII whatever it held.
    return value.encode("ascii", "backslashreplace").decode("ascii").replace("\r", " ").replace("\n", " ")


def build_response(status: int, headers: list[tuple[str, str]], body: bytes, keep_alive: bool) -> bytes:
    """Status line, headers (Content-Length and Connection added here) and body as one buffer.

    One buffer means one send: with TCP_NODELAY set, the answer then leaves in as few segments as possible.
    """
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}", "Server: Microsoft-HTTPAPI/2.0"]
    lines += [f"{name}: {_header_safe(value)}" for name, value in headers]
    lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: " + ("Keep-Alive" if keep_alive else "close"))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
