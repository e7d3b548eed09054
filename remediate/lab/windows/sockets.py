"""System.Net.Sockets.TcpClient and NetworkStream, over real sockets from the lab process to the lab's listeners.

.NET documents (learn.microsoft.com/dotnet/api/system.net.sockets.tcpclient, .networkstream, .socketexception,
.addressfamily, .socketerror):
- `TcpClient()` makes an IPv4 socket (AddressFamily.InterNetwork) on .NET Framework 2.0 to 4.x; `TcpClient(family)`
  takes InterNetwork or InterNetworkV6 (anything else is ArgumentException). Connecting an IPv4 client to an IPv6
  address, or the reverse, is NotSupportedException "This protocol version is not supported." (the agent's
  defect 6), thrown by BeginConnect itself. A host without an IPv6 stack cannot make an IPv6 socket at all:
  SocketException 10047 from the constructor. Windows Server 2003 does not install IPv6 by default, so a 5.x host
  has none unless its facts say `ipv6: true`.
- `BeginConnect(host, port, callback, state)` returns an IAsyncResult whose `AsyncWaitHandle.WaitOne(ms[, exit])`
  says whether the attempt finished in time; `EndConnect` raises the attempt's SocketException (ConnectionRefused
  10061, NetworkUnreachable 10051, ...). `GetStream()` gives the NetworkStream; its `ReadTimeout`/`WriteTimeout`
  (milliseconds, Infinite by default) make a read that gets nothing in time fail with IOException "Unable to read
  data from the transport connection: ..." whose InnerException is the SocketException (TimedOut 10060).
- SocketException: `ErrorCode` and `NativeErrorCode` are the Winsock code, `SocketErrorCode` the SocketError name,
  `Message` the system's text for the code.

The lab's network: the simulated host has no network of its own, so connections leave from the lab process and
reach only loopback (127.0.0.0/8, ::1, "localhost"), where the lab's SMTP listeners are (remediate/lab/network.py,
remediate/lab/smtp.py); any other address or name fails with NetworkUnreachable and no packet leaves the machine.
Before connecting, the host's listeners are brought in step with its services (`host.network.sync()`), as the lab's
own probe does.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from typing import Any, ClassVar

from remediate.lab.windows import clr
from remediate.lab.windows.refusal import NotModeled

AddressFamily = clr.register(clr.EnumType("System.Net.Sockets.AddressFamily", {
    "Unknown": -1, "Unspecified": 0, "Unix": 1, "InterNetwork": 2, "InterNetworkV6": 23}))
SocketError = clr.register(clr.EnumType("System.Net.Sockets.SocketError", {
    "Success": 0, "Interrupted": 10004, "AccessDenied": 10013, "AddressFamilyNotSupported": 10047,
    "NetworkUnreachable": 10051, "ConnectionAborted": 10053, "ConnectionReset": 10054, "NotConnected": 10057,
    "TimedOut": 10060, "ConnectionRefused": 10061, "HostUnreachable": 10065, "HostNotFound": 11001,
    "NoData": 11004}))
# FormatMessage's text for each Winsock code (as SocketException.Message gives it).
_TEXT = {
    10047: "An address incompatible with the requested protocol was used",
    10051: "A socket operation was attempted to an unreachable network",
    10053: "An established connection was aborted by the software in your host machine",
    10054: "An existing connection was forcibly closed by the remote host",
    10057: "A request to send or receive data was disallowed because the socket is not connected and (when sending "
           "on a datagram socket using a sendto call) no address was supplied",
    10060: "A connection attempt failed because the connected party did not properly respond after a period of time, "
           "or established connection failed because connected host has failed to respond",
    10061: "No connection could be made because the target machine actively refused it",
    11001: "No such host is known",
}

_Win32Exception = clr.TYPES.get("system.componentmodel.win32exception", clr.ExternalException)


class SocketException(_Win32Exception):  # type: ignore[misc, valid-type]
    TYPE_NAME: ClassVar[str] = "System.Net.Sockets.SocketException"

    def __init__(self, code: int) -> None:
        clr.DotNetException.__init__(self, _TEXT.get(code, f"Unknown error ({code})"))
        self.ErrorCode = code
        self.NativeErrorCode = code
        self.SocketErrorCode = SocketError.from_value(code)


clr.register(SocketException)


def _error_for(error: OSError) -> SocketException:
    if isinstance(error, ConnectionRefusedError):
        return SocketException(10061)
    if isinstance(error, (socket.timeout, TimeoutError)):
        return SocketException(10060)
    if isinstance(error, ConnectionResetError):
        return SocketException(10054)
    if isinstance(error, (BrokenPipeError, ConnectionAbortedError)):
        return SocketException(10053)
    return SocketException(10051)


def _family_of(literal: str) -> int | None:
    try:
        return 23 if ipaddress.ip_address(literal).version == 6 else 2
    except ValueError:
        return None


def _reachable(host: str, family: int) -> tuple[str, int] | None:
    """The loopback address a target resolves to for this family, or None (not reachable from the lab)."""
    if host.rstrip(".").casefold() == "localhost":
        return ("127.0.0.1" if family == 2 else "::1"), family
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return (str(address), family) if address.is_loopback else None


class WaitHandle(clr.DotNetObject):
    TYPE_NAME: ClassVar[str] = "System.Threading.WaitHandle"

    def __init__(self, event: threading.Event) -> None:
        self._event = event

    def WaitOne(self, timeout: Any = -1, exit_context: Any = False) -> bool:  # noqa: N802
        milliseconds = clr.to_int(timeout)
        if milliseconds < -1:
            raise clr.ArgumentOutOfRangeException("Number must be either non-negative and less than or equal to "
                                                  "Int32.MaxValue or -1.\r\nParameter name: millisecondsTimeout")
        return self._event.wait(None if milliseconds == -1 else milliseconds / 1000)


class ConnectResult(clr.DotNetObject):
    """The IAsyncResult BeginConnect returns."""

    TYPE_NAME: ClassVar[str] = "System.Net.Sockets.Socket+MultipleAddressConnectAsyncResult"

    def __init__(self, client: TcpClient, state: Any) -> None:
        self._client = client
        self._done = threading.Event()
        self._error: SocketException | None = None
        self._socket: socket.socket | None = None
        self.AsyncState = state

    @property
    def AsyncWaitHandle(self) -> WaitHandle:  # noqa: N802
        return WaitHandle(self._done)

    @property
    def IsCompleted(self) -> bool:  # noqa: N802
        return self._done.is_set()

    def run(self, target: tuple[str, int] | None, port: int) -> None:
        try:
            if target is None:
                raise SocketException(10051)
            family = socket.AF_INET6 if target[1] == 23 else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(30)
            try:
                sock.connect((target[0], port))
            except OSError:
                sock.close()
                raise
            self._socket = sock
            if self._client._closed:
                sock.close()
        except SocketException as error:
            self._error = error
        except OSError as error:
            self._error = _error_for(error)
        finally:
            self._done.set()


@clr.register
class TcpClient(clr.DotNetObject):
    TYPE_NAME: ClassVar[str] = "System.Net.Sockets.TcpClient"

    def __init__(self, machine: Any, family: int) -> None:
        self._machine = machine
        self._family = family
        self._socket: socket.socket | None = None
        self._closed = False
        self._stream: NetworkStream | None = None

    @classmethod
    def new(cls, rt: Any, *args: Any) -> TcpClient:
        if len(args) == 2:
            client = cls.new(rt)
            client.Connect(*args)
            return client
        if len(args) > 1:
            raise TypeError("TcpClient takes (), (AddressFamily) or (string, int)")
        family = 2 if not args else clr.to_int(args[0])
        if family not in (2, 23):
            raise clr.ArgumentException("'TCP' Client can only accept InterNetwork or InterNetworkV6 addresses.\r\n"
                                        "Parameter name: family")
        if family == 23 and not _has_ipv6(rt.machine):
            raise SocketException(10047)
        return cls(rt.machine, family)

    def _target(self, host: Any, port: Any) -> tuple[tuple[str, int] | None, int]:
        if host is None:
            raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: host")
        number = clr.to_int(port)
        if not 0 <= number <= 65535:
            raise clr.ArgumentOutOfRangeException("Specified argument was out of the range of valid values.\r\n"
                                                  "Parameter name: port")
        text = clr.to_str(host)
        literal = _family_of(text)
        if literal is not None and literal != self._family:
            raise clr.NotSupportedException("This protocol version is not supported.")
        network = getattr(self._machine.host, "network", None)
        if network is not None:
            network.sync()  # the listeners follow the hosts' services before anyone connects
        return _reachable(text, self._family), number

    def BeginConnect(self, host: Any, port: Any, callback: Any, state: Any) -> ConnectResult:  # noqa: N802
        if callback is not None:
            raise NotModeled("TcpClient.BeginConnect with an AsyncCallback", "pass $null and wait on the handle")
        target, number = self._target(host, port)
        result = ConnectResult(self, state)
        threading.Thread(target=result.run, args=(target, number), daemon=True, name="lab-tcpclient").start()
        return result

    def EndConnect(self, result: Any) -> Any:  # noqa: N802
        if not isinstance(result, ConnectResult) or result._client is not self:
            raise clr.ArgumentException("The IAsyncResult object was not returned from the corresponding asynchronous "
                                        "method on this class.\r\nParameter name: asyncResult")
        result._done.wait()
        if result._error is not None:
            raise result._error
        self._socket = result._socket
        return clr.VOID

    def Connect(self, host: Any, port: Any) -> Any:  # noqa: N802
        result = ConnectResult(self, None)
        result.run(*self._target(host, port))
        return self.EndConnect(result)

    @property
    def Connected(self) -> bool:  # noqa: N802
        return self._socket is not None and not self._closed

    def GetStream(self) -> NetworkStream:  # noqa: N802
        if self._closed:
            raise clr.TYPES["system.objectdisposedexception"]("Cannot access a disposed object.\r\nObject name: "
                                                             "'System.Net.Sockets.TcpClient'.") \
                if "system.objectdisposedexception" in clr.TYPES else clr.InvalidOperationException()
        if self._socket is None:
            raise clr.InvalidOperationException("The operation is not allowed on non-connected sockets.")
        if self._stream is None:
            self._stream = NetworkStream(self._socket)
        return self._stream

    def Close(self) -> Any:  # noqa: N802
        self._closed = True
        if self._socket is not None:
            self._socket.close()
        return clr.VOID


def _has_ipv6(machine: Any) -> bool:
    facts = getattr(machine.host, "facts", {}) or {}
    if "ipv6" in facts:
        return bool(facts["ipv6"])
    return not str(machine.os_version).startswith("5.")


@clr.register
class NetworkStream(clr.Stream):
    TYPE_NAME: ClassVar[str] = "System.Net.Sockets.NetworkStream"

    def __init__(self, sock: socket.socket) -> None:
        self._socket = sock
        self._read_timeout = -1
        self._write_timeout = -1

    @staticmethod
    def _timeout(value: Any) -> int:
        number = clr.to_int(value)
        if number == 0 or number < -1:
            raise clr.ArgumentOutOfRangeException("Timeout can be only be set to 'System.Threading.Timeout.Infinite' "
                                                  "or a value > 0.\r\nParameter name: value")
        return number

    @property
    def ReadTimeout(self) -> int:  # noqa: N802
        return self._read_timeout

    @ReadTimeout.setter
    def ReadTimeout(self, value: Any) -> None:  # noqa: N802
        self._read_timeout = self._timeout(value)

    @property
    def WriteTimeout(self) -> int:  # noqa: N802
        return self._write_timeout

    @WriteTimeout.setter
    def WriteTimeout(self, value: Any) -> None:  # noqa: N802
        self._write_timeout = self._timeout(value)

    @property
    def CanRead(self) -> bool:  # noqa: N802
        return True

    @property
    def CanWrite(self) -> bool:  # noqa: N802
        return True

    @property
    def CanSeek(self) -> bool:  # noqa: N802
        return False

    def read_bytes(self, count: int) -> bytes:
        try:
            self._socket.settimeout(None if self._read_timeout == -1 else self._read_timeout / 1000)
            return self._socket.recv(count)
        except OSError as error:
            inner = _error_for(error)
            raise clr.IOException(f"Unable to read data from the transport connection: {inner.Message}.",
                                  inner) from None

    def write_bytes(self, data: bytes) -> None:
        try:
            self._socket.settimeout(None if self._write_timeout == -1 else self._write_timeout / 1000)
            self._socket.sendall(data)
        except OSError as error:
            inner = _error_for(error)
            raise clr.IOException(f"Unable to write data to the transport connection: {inner.Message}.",
                                  inner) from None

    def Close(self) -> Any:  # noqa: N802
        self._socket.close()
        return clr.VOID
