"""End-to-end: unmodified pywinrm over real HTTP(S) on loopback to the lab's WS-Management server.

Each test adds its own host(s) to one lab started for the module, so counters and faults never leak between
tests. Request counts are exact: they are what pywinrm 0.5.0 sends, measured here and asserted so that a change
in the server (an extra round trip, a lost keep-alive) shows up.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import winrm.exceptions
from winrm.protocol import Protocol

from remediate.lab.wsman import (
    AuthMode,
    CommandOutput,
    EndpointConfig,
    HostEndpoint,
    TlsMaterial,
    WSManLab,
    generate_tls,
)

pytestmark = pytest.mark.timeout(60)

USERS = {"admin": "S3cret!", "LAB\\ops": "0ps-pass"}
BOTH = frozenset({AuthMode.BASIC, AuthMode.NTLM})
_names = itertools.count()

# pywinrm 0.5.0, one open_shell + run_command + send_command_input(end=True) + get_command_output (a finished
# command) + cleanup_command + close_shell:
OPS = 6
NTLM_HANDSHAKE_ENCRYPTED = 3  # empty POST -> 401, NEGOTIATE -> 401 challenge, AUTHENTICATE (empty body) -> 200
NTLM_HANDSHAKE_HTTPS = 2  # the first request itself -> 401, then NEGOTIATE -> 401, AUTHENTICATE carries it


def reverse_handler(command: str, arguments: list[str], stdin: bytes) -> CommandOutput:
    """Echo stdin reversed on stdout, the command line on stderr, exit code 3."""
    return CommandOutput(stdin[::-1], f"{command} {' '.join(arguments)}".encode(), 3)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsMaterial:
    return generate_tls(tmp_path_factory.mktemp("tls"), ["127.0.0.1", "localhost"])


@pytest.fixture(scope="module")
def lab() -> Iterator[WSManLab]:
    with WSManLab() as running:
        yield running


def add(lab: WSManLab, handler=reverse_handler, **config) -> HostEndpoint:  # type: ignore[no-untyped-def]
    config.setdefault("users", USERS)
    return lab.add_host(f"host{next(_names)}", handler, EndpointConfig(**config))


def protocol(host: HostEndpoint, transport: str, username: str = "admin", password: str = "S3cret!",
             tls: TlsMaterial | None = None, **kwargs) -> Protocol:  # type: ignore[no-untyped-def]
    return Protocol(endpoint=host.url, transport=transport, username=username, password=password,  # type: ignore[arg-type]
                    server_cert_validation="validate", ca_trust_path=str(tls.ca_cert_path) if tls else None,
                    proxy=None, **kwargs)  # proxy=None: never route loopback through an environment proxy


def run_once(p: Protocol, chunks: list[bytes]) -> tuple[bytes, bytes, int]:
    """The sequence the runner uses: one shell, one command fed over stdin, output, cleanup."""
    shell = p.open_shell(codepage=65001)
    command = p.run_command(shell, "powershell.exe", ["-NoProfile", "-Command", "-"])
    for index, chunk in enumerate(chunks):
        p.send_command_input(shell, command, chunk, end=index == len(chunks) - 1)
    out = p.get_command_output(shell, command)
    p.cleanup_command(shell, command)
    p.close_shell(shell)
    return out


def test_ntlm_with_message_encryption_over_http(lab: WSManLab) -> None:
    host = add(lab)
    p = protocol(host, "ntlm", "LAB\\admin")
    stdout, stderr, code = run_once(p, [b"hello ", "wörld".encode()])
    assert stdout == ("hello wörld".encode())[::-1]
    assert (stderr, code) == (b"powershell.exe -NoProfile -Command -", 3)
    assert p.transport.encryption is not None  # pywinrm really sealed the messages
    # 3 handshake + 7 (two Sends here).
    assert host.counters.snapshot().requests == NTLM_HANDSHAKE_ENCRYPTED + OPS + 1
    assert lab.open_shells(host.name) == 0


def test_request_counts_per_auth_mode(lab: WSManLab, tls: TlsMaterial) -> None:
    cases = [
        (add(lab, auth=BOTH, tls=tls), "ssl", OPS),  # Basic over HTTPS: no round trip for auth
        (add(lab, auth=BOTH, tls=tls), "ntlm", NTLM_HANDSHAKE_HTTPS + OPS),
        (add(lab), "ntlm", NTLM_HANDSHAKE_ENCRYPTED + OPS),
        (add(lab, auth=BOTH, allow_unencrypted=True), "basic", OPS),
    ]
    for host, transport, expected in cases:
        expected_output = (b"cba", b"powershell.exe -NoProfile -Command -", 3)
        assert run_once(protocol(host, transport, tls=tls), [b"abc"]) == expected_output
        assert host.counters.snapshot().requests == expected, transport


def test_basic_over_https_validates_the_certificate(lab: WSManLab, tls: TlsMaterial, tmp_path: Path) -> None:
    host = add(lab, auth=frozenset({AuthMode.BASIC}), tls=tls)
    assert run_once(protocol(host, "ssl", "LAB\\ops", "0ps-pass", tls=tls), [b"xy"])[0] == b"yx"
    other_ca = generate_tls(tmp_path, ["127.0.0.1"])  # a CA the server's certificate does not chain to
    with pytest.raises(requests.exceptions.SSLError):
        protocol(host, "ssl", tls=other_ca).open_shell()


def test_ntlm_over_https_sends_channel_binding_and_no_encryption(lab: WSManLab, tls: TlsMaterial) -> None:
    host = add(lab, tls=tls)
    p = protocol(host, "ntlm", tls=tls)
    assert run_once(p, [b"12"])[0] == b"21"
    assert p.transport.encryption is None
    # Without channel binding the logon is still accepted (Windows' CbtHardeningLevel=Relaxed).
    assert run_once(protocol(host, "ntlm", tls=tls, send_cbt=False), [b"34"])[0] == b"43"


def test_basic_over_http_is_refused_unless_allowed(lab: WSManLab) -> None:
    refused = add(lab, auth=BOTH)
    with pytest.raises(winrm.exceptions.InvalidCredentialsError):
        protocol(refused, "basic").open_shell()
    assert refused.counters.snapshot().auth_failures == 1
    allowed = add(lab, auth=BOTH, allow_unencrypted=True)
    assert run_once(protocol(allowed, "basic"), [b"ok"])[0] == b"ko"


def test_unencrypted_ntlm_over_http_is_refused_unless_allowed(lab: WSManLab) -> None:
    refused = add(lab)
    with pytest.raises(winrm.exceptions.InvalidCredentialsError):
        protocol(refused, "ntlm", message_encryption="never").open_shell()
    assert refused.counters.snapshot().auth_failures == 1
    allowed = add(lab, allow_unencrypted=True)
    assert run_once(protocol(allowed, "ntlm", message_encryption="never"), [b"ok"])[0] == b"ko"
    # NTLM on an unencrypted request: the AUTHENTICATE leg carries the Create itself.
    assert allowed.counters.snapshot().requests == NTLM_HANDSHAKE_HTTPS + OPS


@pytest.mark.parametrize("transport", ["ntlm", "ssl"])
def test_wrong_password_is_invalid_credentials(lab: WSManLab, tls: TlsMaterial, transport: str) -> None:
    host = add(lab, auth=BOTH, tls=tls)
    with pytest.raises(winrm.exceptions.InvalidCredentialsError):
        protocol(host, transport, password="wrong", tls=tls).open_shell()
    with pytest.raises(winrm.exceptions.InvalidCredentialsError):
        protocol(host, transport, username="nobody", tls=tls).open_shell()
    assert host.counters.snapshot().auth_failures == 2


def test_user_name_forms(lab: WSManLab) -> None:
    host = add(lab)
    # A user configured without a domain logs on from any domain; one with a domain only from that one (or none).
    for user, password in [("admin", "S3cret!"), ("OTHER\\Admin", "S3cret!"), ("lab\\OPS", "0ps-pass"),
                           ("ops", "0ps-pass")]:
        assert run_once(protocol(host, "ntlm", user, password), [b"a"])[0] == b"a"
    with pytest.raises(winrm.exceptions.InvalidCredentialsError):
        protocol(host, "ntlm", "OTHER\\ops", "0ps-pass").open_shell()


def test_hosts_keep_separate_passwords(lab: WSManLab) -> None:
    first = add(lab, users={"admin": "one"})
    second = add(lab, users={"admin": "two"})
    assert run_once(protocol(first, "ntlm", password="one"), [b"1"])[0] == b"1"
    assert run_once(protocol(second, "ntlm", password="two"), [b"2"])[0] == b"2"
    with pytest.raises(winrm.exceptions.InvalidCredentialsError):
        protocol(second, "ntlm", password="one").open_shell()


def test_long_command_makes_pywinrm_retry_receive(lab: WSManLab) -> None:
    release = threading.Event()

    def slow(command: str, arguments: list[str], stdin: bytes) -> CommandOutput:
        release.wait(10)
        return CommandOutput(b"late", b"", 0)

    host = add(lab, handler=slow, operation_timeout_cap=0.05)
    p = protocol(host, "ntlm")
    shell = p.open_shell()
    command = p.run_command(shell, "powershell.exe")
    p.send_command_input(shell, command, b"x", end=True)
    # Let the command finish only after several Receives have timed out; counters, not clocks, show the retries.
    timer = threading.Thread(target=lambda: (_wait_for(lambda: host.counters.snapshot().faults >= 2), release.set()))
    timer.start()
    assert p.get_command_output(shell, command) == (b"late", b"", 0)
    timer.join()
    p.cleanup_command(shell, command)
    p.close_shell(shell)
    counters = host.counters.snapshot()
    assert counters.faults >= 2
    # Each w:TimedOut answer is one extra Receive on top of the usual sequence.
    assert counters.requests == NTLM_HANDSHAKE_ENCRYPTED + OPS + counters.faults


def test_command_without_stdin_starts_at_first_receive(lab: WSManLab) -> None:
    seen: list[bytes] = []

    def record(command: str, arguments: list[str], stdin: bytes) -> CommandOutput:
        seen.append(stdin)
        return CommandOutput(b"out", b"", 0)

    host = add(lab, handler=record, auth=BOTH, allow_unencrypted=True)
    p = protocol(host, "basic")
    shell = p.open_shell()
    command = p.run_command(shell, "cmd.exe", ["/c", "ver"])
    assert p.get_command_output(shell, command) == (b"out", b"", 0)
    p.cleanup_command(shell, command)
    p.close_shell(shell)
    assert seen == [b""]
    assert host.counters.snapshot().requests == OPS - 1


def test_large_output_spans_several_receives(lab: WSManLab) -> None:
    big = bytes(range(256)) * 1200  # 300 KiB: more than one answer of MaxEnvelopeSize 153600 can carry
    host = add(lab, handler=lambda c, a, s: CommandOutput(big, b"e" * 1000, 0))
    stdout, stderr, code = run_once(protocol(host, "ntlm"), [b""])
    assert (stdout, stderr, code) == (big, b"e" * 1000, 0)
    assert host.counters.snapshot().requests > NTLM_HANDSHAKE_ENCRYPTED + OPS


def test_many_shells_and_commands_on_one_host(lab: WSManLab) -> None:
    host = add(lab, auth=BOTH, allow_unencrypted=True)

    def one(index: int) -> bytes:
        return run_once(protocol(host, "basic"), [str(index).encode(), b"-x"])[0]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(24)))
    assert results == [f"{i}-x".encode()[::-1] for i in range(24)]
    assert lab.open_shells(host.name) == 0


def test_denied_user_and_foreign_shell_get_access_denied(lab: WSManLab) -> None:
    host = add(lab, auth=BOTH, allow_unencrypted=True, denied_users=frozenset({"LAB\\ops"}))
    with pytest.raises(winrm.exceptions.WSManFaultError) as denied:
        protocol(host, "basic", "LAB\\ops", "0ps-pass").open_shell()
    assert denied.value.wsman_fault_code == 5
    shell = protocol(host, "basic").open_shell()
    other = add(lab, auth=BOTH, allow_unencrypted=True, users={**USERS, "eve": "x"})
    eve_shell = protocol(other, "basic").open_shell()
    with pytest.raises(winrm.exceptions.WSManFaultError) as foreign:
        protocol(other, "basic", "eve", "x").run_command(eve_shell, "whoami")
    assert foreign.value.wsman_fault_code == 5
    assert shell != eve_shell


def _wait_for(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
