"""The `smtp.probe` op (templates/agent/smtp.ps1) on a simulated host: a REAL TCP connection from the lab process.

The simulated host has no network of its own, so its probe leaves from the lab process, to the lab's SMTP listeners
(`remediate.lab.smtp`) on loopback: banners, silence, Cisco masking and refused ports are all seen over real
sockets, read line by line as the agent's StreamReader reads them. Only loopback targets are reachable from the
lab: any other address answers `socket error NetworkUnreachable`, and no packet leaves the machine.

Before connecting, the lab's network is brought in step with the hosts' state (a service stopped a moment ago
closes its listener first), so a probe never sees a listener that the simulated host would not have.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import Any

from remediate.lab.ops.args import text_arg
from remediate.lab.state import InvalidArgument
from remediate.resources.smtp_banner_probe import HOST_PATTERN, MAX_EHLO_LINES, MAX_LINE, classify


def _int_arg(args: Any, name: str, low: int, high: int) -> int:
    if not isinstance(args, dict):
        raise InvalidArgument("args must be an object")
    value = args.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidArgument(f"argument '{name}' must be a whole number {low}..{high}")
    return value


def _host_arg(args: Any) -> str:
    host = text_arg(args, "host")
    if not re.fullmatch(HOST_PATTERN, host):
        raise InvalidArgument("argument 'host' must be a host name or an IP address")
    return host


def _loopback(host: str) -> bool:
    if host.rstrip(".").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _LineReader:
    """StreamReader.ReadLine over a socket: a line ends at LF, CR or CRLF; None when closed or timed out."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""
        self._closed = False

    def read_line(self) -> str | None:
        while True:
            for index, byte in enumerate(self._buffer):
                if byte in (10, 13):
                    line, rest = self._buffer[:index], self._buffer[index + 1 :]
                    if byte == 13 and rest.startswith(b"\n"):
                        rest = rest[1:]
                    self._buffer = rest
                    return line.decode("utf-8", errors="replace")[:MAX_LINE]
            if self._closed:
                return None
            try:
                chunk = self._sock.recv(4096)
            except OSError:
                self._closed = True
                return None
            if not chunk:
                self._closed = True
                if self._buffer:  # a last line without its line end, as ReadLine returns it
                    line, self._buffer = self._buffer, b""
                    return line.decode("utf-8", errors="replace")[:MAX_LINE]
                return None
            self._buffer += chunk


def _socket_error(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(exc, socket.gaierror):
        return "host not found"
    if isinstance(exc, ConnectionResetError):
        return "socket error ConnectionReset"
    if isinstance(exc, (BrokenPipeError, ConnectionAbortedError)):
        return "socket error ConnectionAborted"
    return "socket error"


def probe(host: str, port: int, timeout_ms: int) -> dict[str, Any]:
    """What Invoke-SmtpProbe does, over a real socket: connect, banner, EHLO, QUIT, classify."""
    connected, banner, problem = False, None, None
    ehlo: list[str] = []
    if not _loopback(host):
        problem = "socket error NetworkUnreachable"
    else:
        try:
            sock = socket.create_connection((host, port), timeout=timeout_ms / 1000)
        except OSError as exc:
            problem = _socket_error(exc)
        else:
            connected = True
            with sock:
                sock.settimeout(timeout_ms / 1000)
                reader = _LineReader(sock)
                banner = reader.read_line()
                line, more = banner, 0
                while line is not None and re.match(r"\d{3}-", line) and more < 10:
                    line, more = reader.read_line(), more + 1
                if banner:
                    try:
                        sock.sendall(b"EHLO probe.invalid\r\n")
                        line = reader.read_line()
                        while line is not None:
                            ehlo.append(line)
                            if not re.match(r"\d{3}-", line) or len(ehlo) >= MAX_EHLO_LINES:
                                break
                            line = reader.read_line()
                        sock.sendall(b"QUIT\r\n")
                    except OSError as exc:
                        problem = _socket_error(exc)
    return {"connected": connected, "banner": banner, "ehlo": ehlo, **classify(connected, banner, ehlo),
            "error": problem}


def op_probe(host: Any, args: Any) -> dict[str, Any]:
    target = _host_arg(args)
    port = _int_arg(args, "port", 1, 65535)
    timeout_ms = _int_arg(args, "timeout_ms", 100, 60000)
    network = getattr(host, "network", None)
    if network is not None:
        try:
            network.sync()  # listeners follow the hosts' service state before anyone connects
        except Exception:  # noqa: BLE001 - best effort: the lab's own tick brings them in step within 0.2 s
            pass
    return probe(target, port, timeout_ms)


OPS = {"smtp.probe": op_probe}
WRITES: set[str] = set()
