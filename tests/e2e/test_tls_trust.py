"""HTTPS trust with one shared TLS context per CA file (remediate/transport/winrm.py, SharedTrustAdapter).

Loading the CA once per run instead of once per host must not loosen verification: an unknown CA and a
certificate for another name are refused exactly as before, and hosts that trust the same file share one context.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from remediate.errors import UnreachableError
from remediate.inventory import load_inventory
from remediate.lab.wsman import CommandOutput, EndpointConfig, WSManLab, generate_tls
from remediate.transport.winrm import WinRMConnection, trust_context

USER, PASSWORD = "LAB\\remediate", "tls-Pa55-word"


@pytest.fixture
def lab() -> Iterator[WSManLab]:
    with WSManLab() as running:
        yield running


def _echo(command: str, arguments: list[str], stdin: bytes) -> CommandOutput:
    return CommandOutput(stdin, b"", 0)


def _connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, port: int, ca_file: Path,
                address: str = "127.0.0.1") -> WinRMConnection:
    monkeypatch.setenv("TLS_TEST_PASSWORD", PASSWORD)
    inventory: dict[str, Any] = {
        "connection": {"scheme": "https", "transport": "ntlm", "user": USER, "password": {"env": "TLS_TEST_PASSWORD"},
                       "ca_file": str(ca_file)},
        "hosts": {"h": {"connection": {"address": address, "port": port}}},
    }
    path = tmp_path / "inventory.yaml"
    path.write_text(json.dumps(inventory), encoding="utf-8")
    host = load_inventory(path).hosts["h"]
    return WinRMConnection(host, PASSWORD)


def test_hosts_trusting_one_ca_file_share_one_context(lab: WSManLab, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    tls = generate_tls(tmp_path / "tls", ["127.0.0.1"])
    ports = [lab.add_host(f"h{i}", _echo, EndpointConfig(users={USER: PASSWORD}, tls=tls)).port for i in range(3)]
    trust_context.cache_clear()
    for port in ports:
        connection = _connection(tmp_path, monkeypatch, port, tls.ca_cert_path)
        assert connection.run("cmd", [], b"hello").stdout == b"hello"
        connection.close()
    info = trust_context.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_a_certificate_from_another_ca_is_refused(lab: WSManLab, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    served = generate_tls(tmp_path / "served", ["127.0.0.1"])
    other = generate_tls(tmp_path / "other", ["127.0.0.1"])
    port = lab.add_host("h", _echo, EndpointConfig(users={USER: PASSWORD}, tls=served)).port
    connection = _connection(tmp_path, monkeypatch, port, other.ca_cert_path)
    with pytest.raises(UnreachableError, match="TLS failed"):
        connection.run("cmd", [], b"x")
    connection.close()


def test_a_certificate_for_another_name_is_refused(lab: WSManLab, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    tls = generate_tls(tmp_path / "tls", ["server.example"])  # the right CA, but not the name we connect to
    port = lab.add_host("h", _echo, EndpointConfig(users={USER: PASSWORD}, tls=tls)).port
    connection = _connection(tmp_path, monkeypatch, port, tls.ca_cert_path)
    with pytest.raises(UnreachableError, match="TLS failed"):
        connection.run("cmd", [], b"x")
    connection.close()
