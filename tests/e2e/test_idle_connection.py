"""End-to-end: a keep-alive connection the host closes between two requests (HTTP.sys closes one idle for 120 s).

Found by bench/fleet.py at N = 200: the first hosts of an apply wait longer than that between their snapshot and
their apply, urllib3 reconnects, the host asks for a new NTLM logon, and the sealed message must be sealed again
under the new context. Real pywinrm Protocol and remediate's transport over HTTP to the lab; the lab's idle timeout
is set low so that the gap is short.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from remediate.inventory import load_inventory
from remediate.lab.wsman import CommandOutput, EndpointConfig, WSManLab
from remediate.transport.winrm import WinRMConnection

pytestmark = pytest.mark.timeout(60)

USER, PASSWORD = "LAB\\remediate", "idle-Pa55-word"
IDLE = 0.3


@pytest.fixture
def lab() -> Iterator[WSManLab]:
    with WSManLab() as running:
        yield running


def _echo(command: str, arguments: list[str], stdin: bytes) -> CommandOutput:
    return CommandOutput(stdin, b"", 0)


def _connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, port: int) -> WinRMConnection:
    monkeypatch.setenv("IDLE_TEST_PASSWORD", PASSWORD)
    inventory = {
        "connection": {"scheme": "http", "transport": "ntlm", "user": USER, "password": {"env": "IDLE_TEST_PASSWORD"}},
        "hosts": {"h": {"connection": {"address": "127.0.0.1", "port": port}}},
    }
    path = tmp_path / "inventory.yaml"
    path.write_text(json.dumps(inventory), encoding="utf-8")
    return WinRMConnection(load_inventory(path).hosts["h"], PASSWORD)


def test_a_connection_closed_while_idle_is_logged_on_again_and_the_message_sealed_anew(
        lab: WSManLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    host = lab.add_host("h", _echo, EndpointConfig(users={USER: PASSWORD}, idle_timeout=IDLE))
    connection = _connection(tmp_path, monkeypatch, host.port)
    try:
        assert connection.run("cmd", [], b"first").stdout == b"first"
        before = host.counters.snapshot()
        time.sleep(IDLE * 3)  # the host closes the idle connection; the shell lives on (it is the user's)
        assert connection.run("cmd", [], b"second").stdout == b"second"
        after = host.counters.snapshot()
    finally:
        connection.close()
    assert after.auth_failures == before.auth_failures
    assert after.faults == before.faults
    # Command, input, Receive in the open shell, plus the two legs of a new logon before the first of them.
    assert after.requests - before.requests == 3 + 2
