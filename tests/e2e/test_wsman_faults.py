"""End-to-end: injected faults, WS-Management faults, raw HTTP behaviour and scale, against unmodified pywinrm.

No assertion here depends on wall-clock time: latency shows through a read timeout it provokes and through the
request counters, never through a measured duration.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import itertools
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import requests
import winrm.exceptions
import xmltodict
from winrm.protocol import Protocol

from remediate.lab.wsman import (
    AuthMode,
    CommandOutput,
    EndpointConfig,
    HostEndpoint,
    WSManLab,
)

pytestmark = pytest.mark.timeout(60)

USERS = {"admin": "S3cret!"}
_names = itertools.count()
CMD_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"


def reverse_handler(command: str, arguments: list[str], stdin: bytes) -> CommandOutput:
    return CommandOutput(stdin[::-1], b"", 0)


@pytest.fixture(scope="module")
def lab() -> Iterator[WSManLab]:
    with WSManLab() as running:
        yield running


def basic_host(lab: WSManLab, **config) -> HostEndpoint:  # type: ignore[no-untyped-def]
    """Basic over plain HTTP (allowed): a new connection after a drop needs no re-authentication."""
    config.setdefault("auth", frozenset({AuthMode.BASIC, AuthMode.NTLM}))
    return lab.add_host(f"f{next(_names)}", reverse_handler,
                        EndpointConfig(users=USERS, allow_unencrypted=True, **config))


def ntlm_host(lab: WSManLab) -> HostEndpoint:
    return lab.add_host(f"f{next(_names)}", reverse_handler, EndpointConfig(users=USERS))


def protocol(host: HostEndpoint, transport: str = "basic", **kwargs) -> Protocol:  # type: ignore[no-untyped-def]
    return Protocol(endpoint=host.url, transport=transport, username="admin", password="S3cret!",  # type: ignore[arg-type]
                    ca_trust_path=None, proxy=None, **kwargs)  # never route loopback via an environment proxy


def run_once(p: Protocol, data: bytes = b"abc") -> tuple[bytes, bytes, int]:
    shell = p.open_shell(codepage=65001)
    command = p.run_command(shell, "powershell.exe", ["-"])
    p.send_command_input(shell, command, data, end=True)
    out = p.get_command_output(shell, command)
    p.cleanup_command(shell, command)
    p.close_shell(shell)
    return out


# --- injected faults ----------------------------------------------------------------------------------------------
def test_latency_is_added_to_every_request(lab: WSManLab) -> None:
    host = basic_host(lab)
    host.faults.latency = 0.01
    assert run_once(protocol(host)) == (b"cba", b"", 0)
    assert host.counters.snapshot().requests == 6
    host.faults.latency = 5.0  # well past the client's read timeout (stop() cuts the server's wait short)
    with pytest.raises(requests.exceptions.ReadTimeout):
        protocol(host, read_timeout_sec=2, operation_timeout_sec=1).open_shell()
    host.faults.latency = 0.0


def test_drop_at_request_closes_the_nth_request_once(lab: WSManLab) -> None:
    host = basic_host(lab)
    p = protocol(host)
    shell = p.open_shell()
    host.faults.drop_at_request = 2  # counted from now: the 1st passes, the 2nd is dropped
    p.run_command(shell, "first")
    with pytest.raises(requests.exceptions.ConnectionError):
        p.run_command(shell, "second")
    assert host.faults.drop_at_request is None  # fired once
    p.run_command(shell, "third")  # a new connection; Basic needs no handshake
    p.close_shell(shell)
    assert host.counters.snapshot().requests == 5


def test_drop_on_action_drops_before_acting(lab: WSManLab) -> None:
    seen: list[bytes] = []
    host = lab.add_host(f"f{next(_names)}", lambda c, a, s: (seen.append(s), CommandOutput(b"", b"", 0))[1],
                        EndpointConfig(users=USERS, auth=frozenset({AuthMode.BASIC}), allow_unencrypted=True))
    p = protocol(host)
    shell = p.open_shell()
    command = p.run_command(shell, "x")
    host.faults.drop_on_action = "send"
    with pytest.raises(requests.exceptions.ConnectionError):
        p.send_command_input(shell, command, b"lost", end=True)
    p.send_command_input(shell, command, b"kept", end=True)  # the Send never reached the shell: stdin still open
    assert p.get_command_output(shell, command) == (b"", b"", 0)
    assert seen == [b"kept"]


def test_drop_on_ntlm_needs_a_new_protocol(lab: WSManLab) -> None:
    host = ntlm_host(lab)
    host.faults.drop_on_action = "Create"
    with pytest.raises(requests.exceptions.ConnectionError):
        protocol(host, "ntlm").open_shell()
    # The NTLM context died with the connection, as on Windows; a new client logs on again.
    assert run_once(protocol(host, "ntlm")) == (b"cba", b"", 0)


def test_status_401_answers_everything_401(lab: WSManLab) -> None:
    host = basic_host(lab)
    host.faults.status_401 = True
    with pytest.raises(winrm.exceptions.InvalidCredentialsError):
        protocol(host).open_shell()
    host.faults.status_401 = False
    assert run_once(protocol(host)) == (b"cba", b"", 0)
    assert host.counters.snapshot().auth_failures == 0  # injected 401s are not credential failures


@pytest.mark.parametrize("transport", ["basic", "ntlm"])
def test_fault_500_is_a_soap_fault(lab: WSManLab, transport: str) -> None:
    host = basic_host(lab) if transport == "basic" else ntlm_host(lab)
    host.faults.fault_500 = True
    with pytest.raises(winrm.exceptions.WSManFaultError) as fault:
        protocol(host, transport).open_shell()
    assert (fault.value.code, fault.value.wsman_fault_code, fault.value.fault_subcode) == (500, 1359,
                                                                                           "w:InternalError")
    assert host.counters.snapshot().faults == 1


def test_slow_receive_still_delivers(lab: WSManLab) -> None:
    host = basic_host(lab)
    host.faults.slow_receive = 0.05
    assert run_once(protocol(host)) == (b"cba", b"", 0)
    assert host.counters.snapshot().requests == 6


# --- WS-Management faults -----------------------------------------------------------------------------------------
def test_unknown_shell_and_command(lab: WSManLab) -> None:
    host = basic_host(lab)
    p = protocol(host)
    with pytest.raises(winrm.exceptions.WSManFaultError) as no_shell:
        p.run_command("9C2D0B7A-0000-0000-0000-000000000000", "whoami")
    assert no_shell.value.wsman_fault_code == 2150858843
    shell = p.open_shell()
    with pytest.raises(winrm.exceptions.WSManFaultError) as no_command:
        p.get_command_output(shell, "NOT-A-COMMAND")
    assert no_command.value.wsman_fault_code == 87
    p.close_shell(shell)
    with pytest.raises(winrm.exceptions.WSManFaultError):
        protocol(host).close_shell(shell)  # already deleted


def test_oversize_envelope_is_refused_and_chunks_pass(lab: WSManLab) -> None:
    host = ntlm_host(lab)
    p = protocol(host, "ntlm")
    shell = p.open_shell()
    command = p.run_command(shell, "x")
    with pytest.raises(winrm.exceptions.WSManFaultError) as fault:
        p.send_command_input(shell, command, b"a" * 120_000)  # base64 of it exceeds MaxEnvelopeSize 153600
    assert fault.value.wsman_fault_code == 2150858805
    payload = bytes(range(256)) * 400
    for start in range(0, len(payload), 60_000):
        p.send_command_input(shell, command, payload[start:start + 60_000], end=start + 60_000 >= len(payload))
    assert p.get_command_output(shell, command)[0] == payload[::-1]


def _raw(p: Protocol, action: str, message_id: uuid.UUID, body: dict | None = None) -> bytes:  # type: ignore[type-arg]
    envelope = {"env:Envelope": p.build_wsman_header(action=action, resource_uri=CMD_URI, message_id=message_id)}
    envelope["env:Envelope"]["env:Body"] = body or {}
    return p.send_message(xmltodict.unparse(envelope))


def test_unknown_action_and_relates_to_on_faults(lab: WSManLab) -> None:
    host = ntlm_host(lab)
    p = protocol(host, "ntlm")
    message_id = uuid.uuid4()
    with pytest.raises(winrm.exceptions.WSManFaultError) as fault:
        _raw(p, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", message_id)
    assert fault.value.wsman_fault_code == 2150858771
    relates = ET.fromstring(fault.value.response).find(".//{http://schemas.xmlsoap.org/ws/2004/08/addressing}RelatesTo")
    assert relates is not None and relates.text == f"uuid:{message_id}"


def test_doctype_is_refused(lab: WSManLab) -> None:
    p = protocol(basic_host(lab))
    with pytest.raises(winrm.exceptions.WSManFaultError) as fault:
        p.send_message('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    assert fault.value.wsman_fault_code == 2150858817


# --- raw HTTP -----------------------------------------------------------------------------------------------------
def test_http_surface(lab: WSManLab) -> None:
    host = basic_host(lab)
    conn = http.client.HTTPConnection(host.address, host.port, timeout=10)
    conn.request("GET", "/wsman")
    response = conn.getresponse()
    assert (response.status, response.read()) == (405, b"")
    first_socket = conn.sock
    conn.request("POST", "/wsman", body=b"x" * 5000, headers={"Content-Type": "application/soap+xml"})
    response = conn.getresponse()
    assert response.status == 401
    assert response.msg.get_all("WWW-Authenticate") == ["Negotiate", 'Basic realm="WSMAN"']
    response.read()
    conn.request("POST", "/other", body=b"")
    assert conn.getresponse().status == 404
    assert conn.sock is first_socket  # one keep-alive connection for all three, the 401's body fully consumed
    conn.close()
    assert host.counters.snapshot().requests == 3


# --- scale and shutdown -------------------------------------------------------------------------------------------
def test_fifty_hosts_at_once() -> None:
    with WSManLab() as lab:
        hosts = [lab.add_host(f"h{i:02d}", lambda c, a, s, i=i: CommandOutput(s + str(i).encode(), b"", i),
                              EndpointConfig(users=USERS)) for i in range(50)]
        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            results = list(pool.map(lambda h: run_once(protocol(h, "ntlm"), h.name.encode()), hosts))
        assert results == [(f"h{i:02d}{i}".encode(), b"", i) for i in range(50)]
        assert {h.counters.snapshot().requests for h in hosts} == {9}


def test_stop_wakes_waiting_receives_and_is_idempotent() -> None:
    lab = WSManLab()
    gate = threading.Event()
    host = lab.add_host("h", lambda c, a, s: (gate.wait(30), CommandOutput(b"", b"", 0))[1],
                        EndpointConfig(users=USERS, auth=frozenset({AuthMode.BASIC}), allow_unencrypted=True))
    lab.start()
    p = protocol(host, read_timeout_sec=40, operation_timeout_sec=30)
    shell = p.open_shell()
    command = p.run_command(shell, "x")
    errors: list[BaseException] = []
    waiter = threading.Thread(target=lambda: _capture(errors, p.get_command_output, shell, command))
    waiter.start()
    while host.counters.snapshot().requests < 3:
        threading.Event().wait(0.01)
    lab.stop()  # must not wait for the 30 s operation timeout
    lab.stop()
    waiter.join(10)
    gate.set()
    assert not waiter.is_alive() and errors
    with pytest.raises(RuntimeError):
        lab.add_host("late", reverse_handler, EndpointConfig(users=USERS))


def _capture(errors: list[BaseException], fn, *args) -> None:  # type: ignore[no-untyped-def]
    try:
        fn(*args)
    except BaseException as exc:  # noqa: BLE001
        errors.append(exc)
