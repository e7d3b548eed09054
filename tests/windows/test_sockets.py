"""TcpClient and NetworkStream over real loopback sockets, without the interpreter."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from remediate.lab.windows import clr, nettcpip, sockets
from remediate.lab.windows.refusal import NotModeled
from winb_hosts import Rt, make_host, rt_for

V4 = sockets.AddressFamily.member("InterNetwork")
V6 = sockets.AddressFamily.member("InterNetworkV6")


@pytest.fixture
def smtp_server() -> Iterator[int]:
    """A listener that greets, answers one EHLO line and then stays silent."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(b"220 lab ESMTP\r\n")
                conn.settimeout(2)
                try:
                    if conn.recv(100).startswith(b"EHLO"):
                        conn.sendall(b"250 lab\r\n")
                    stop.wait(3)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(2)
    server.close()


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def connect(rt: Rt, host: str, port: int, family: clr.EnumValue | None = None) -> sockets.TcpClient:
    client = sockets.TcpClient.new(rt, *([family] if family else []))
    pending = client.BeginConnect(host, port, None, None)
    assert pending.AsyncWaitHandle.WaitOne(5000, False)
    client.EndConnect(pending)
    return client


def test_banner_and_ehlo_over_a_real_socket(smtp_server: int) -> None:
    client = connect(rt_for(), "127.0.0.1", smtp_server)
    stream = client.GetStream()
    stream.ReadTimeout = 300
    buffer = clr.TypedArray("System.Byte", [clr.Byte(0)] * 64)
    count = stream.Read(buffer, 0, 64)
    assert bytes(buffer[:count]) == b"220 lab ESMTP\r\n"
    stream.write_bytes(b"EHLO probe.invalid\r\n")
    assert stream.read_bytes(64) == b"250 lab\r\n"
    with pytest.raises(clr.IOException) as caught:
        stream.read_bytes(64)  # the server says nothing more: the read times out
    assert isinstance(caught.value.InnerException, sockets.SocketException)
    assert caught.value.InnerException.SocketErrorCode.name == "TimedOut"
    assert caught.value.Message.startswith("Unable to read data from the transport connection: A connection attempt")
    assert client.Close() is clr.VOID


@pytest.mark.parametrize("host, code, name", [
    ("127.0.0.1", 10061, "ConnectionRefused"),
    ("192.0.2.25", 10051, "NetworkUnreachable"),  # not loopback: no packet leaves the lab
    ("mx1.partner.example", 10051, "NetworkUnreachable"),
])
def test_connect_failures_are_socket_exceptions_at_end_connect(host: str, code: int, name: str) -> None:
    client = sockets.TcpClient.new(rt_for())
    pending = client.BeginConnect(host, closed_port(), None, None)
    assert pending.AsyncWaitHandle.WaitOne(5000, False)
    with pytest.raises(sockets.SocketException) as caught:
        client.EndConnect(pending)
    assert (caught.value.ErrorCode, caught.value.NativeErrorCode, caught.value.SocketErrorCode.name) == (code, code,
                                                                                                        name)
    assert client.Connected is False


def test_ipv4_client_and_ipv6_literal_is_not_supported() -> None:
    """Defect 6: the parameterless constructor is IPv4-only; BeginConnect throws before any attempt."""
    client = sockets.TcpClient.new(rt_for("win2019-ex2019"))
    with pytest.raises(clr.NotSupportedException, match="This protocol version is not supported."):
        client.BeginConnect("::1", 25, None, None)


def test_ipv6_client_connects_to_ipv6_loopback() -> None:
    rt = rt_for("win2019-ex2019")
    client = sockets.TcpClient.new(rt, V6)
    with pytest.raises(clr.NotSupportedException):
        client.BeginConnect("127.0.0.1", 25, None, None)
    pending = client.BeginConnect("::1", closed_port(), None, None)
    assert pending.AsyncWaitHandle.WaitOne(5000, False)
    with pytest.raises(sockets.SocketException) as caught:
        client.EndConnect(pending)
    assert caught.value.SocketErrorCode.name in ("ConnectionRefused", "NetworkUnreachable")


@pytest.mark.parametrize("facts, raises", [({}, True), ({"ipv6": True}, False)])
def test_server_2003_has_no_ipv6_stack_by_default(facts: dict, raises: bool) -> None:
    host = make_host("win2003-ex2003")
    host.facts.update(facts)
    rt = Rt(host)
    if raises:
        with pytest.raises(sockets.SocketException) as caught:
            sockets.TcpClient.new(rt, V6)
        assert caught.value.SocketErrorCode.name == "AddressFamilyNotSupported"
    else:
        assert sockets.TcpClient.new(rt, V6).Connected is False
    assert sockets.TcpClient.new(rt, V4).Connected is False


@pytest.mark.parametrize("call, error", [
    (lambda c: c.BeginConnect(None, 25, None, None), clr.ArgumentNullException),
    (lambda c: c.BeginConnect("127.0.0.1", 70000, None, None), clr.ArgumentOutOfRangeException),
    (lambda c: c.GetStream(), clr.InvalidOperationException),
    (lambda c: c.BeginConnect("127.0.0.1", 25, object(), None), NotModeled),
])
def test_argument_checks(call, error) -> None:  # noqa: ANN001
    with pytest.raises(error):
        call(sockets.TcpClient.new(rt_for()))


def test_other_families_and_timeouts_are_refused() -> None:
    with pytest.raises(clr.ArgumentException):
        sockets.TcpClient.new(rt_for(), sockets.AddressFamily.member("Unix"))
    stream = sockets.NetworkStream(socket.socket())
    with pytest.raises(clr.ArgumentOutOfRangeException):
        stream.ReadTimeout = 0
    stream.Close()


def test_probe_of_the_labs_own_smtp_listener() -> None:
    """A host's SMTP service as the lab serves it (remediate/lab/network.py), reached from another host's
    TcpClient over a real loopback connection: the greeting is the host's receive connector banner."""
    from remediate.lab.network import LabNetwork

    server = make_host("win2019-ex2019", name="mx1", exchange={
        "receive_connectors": {"{server}\\Default Frontend {server}": {"banner": "220 mx1.contoso.com ready"}}})
    network = LabNetwork({"mx1": server}, [], {})
    network.start(password="unused", user="unused")
    try:
        port = int(network.addresses()["mx1"].rsplit(":", 1)[1])
        client = connect(rt_for(), "127.0.0.1", port)
        stream = client.GetStream()
        stream.ReadTimeout = 5000
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = stream.read_bytes(256)
            assert chunk, "the listener closed before its greeting"
            data += chunk
        assert data == b"220 mx1.contoso.com ready\r\n"
        client.Close()
    finally:
        network.stop()


@pytest.mark.parametrize("platform, available", [("win2003-ex2003", False), ("win2012r2-ex2013", True),
                                                 ("win2019-ex2019", True)])
def test_test_netconnection_exists_from_2012_r2(platform: str, available: bool) -> None:
    assert clr.CMDLETS["test-netconnection"].available(rt_for(platform).machine) is available


def test_test_netconnection_over_loopback(smtp_server: int) -> None:
    rt = rt_for()
    tnc = nettcpip.test_net_connection
    [result] = tnc(rt, ComputerName="localhost", Port=smtp_server)
    assert (result.RemoteAddress, result.TcpTestSucceeded, result.RemotePort) == ("127.0.0.1", True, smtp_server)
    assert tnc(rt, ComputerName="127.0.0.1", Port=closed_port(), InformationLevel="Quiet") == [False]
    assert rt.warnings[-1].startswith("TCP connect to (127.0.0.1 : ")
    assert tnc(rt, ComputerName="mx1.partner.example", Port=25, InformationLevel="Quiet") == [False]
    assert rt.warnings[-1] == "Name resolution of mx1.partner.example failed"
    assert tnc(rt, ComputerName="192.0.2.1", InformationLevel="Quiet") == [False]
