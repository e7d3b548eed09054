"""`remediate lab serve` as a user starts it: the start-up text says everything a client needs (where each host, SMTP
listener and router answers, as which user, with which password), and what it prints works."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.timeout(90), pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")]


def _serve(tmp_path: Path, scenario: str) -> tuple[subprocess.Popen[str], list[str]]:
    env = {k: v for k, v in os.environ.items() if k != "REMEDIATE_LAB_PASSWORD"}
    proc = subprocess.Popen([sys.executable, "-m", "remediate", "lab", "serve", "--scenario", scenario,
                             "--base-port", "0", "--inventory-out", str(tmp_path / "lab.yaml")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"lab serve ended: {proc.wait()} {proc.stderr.read() if proc.stderr else ''}")
        lines.append(line.rstrip("\n"))
        if line.startswith("Serving"):
            return proc, lines
    raise AssertionError(f"no 'Serving' line: {lines}")


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0


def _answers(address: str) -> bytes:
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        return conn.recv(200)


def test_start_up_text_names_user_hosts_smtp_listeners_and_routers(tmp_path: Path) -> None:
    proc, lines = _serve(tmp_path, "network-causes")
    try:
        text = "\n".join(lines)
        assert re.search(r"as user LAB\\remediate\b", text), text
        hosts = [line for line in lines if "/wsman" in line]
        assert len(hosts) == 9 and all(", SMTP 127.0.0.1:" in line for line in hosts), text
        peers = re.findall(r"^  (relay-[a-z-]+): SMTP (127\.0\.0\.1:\d+)", text, re.MULTILINE)
        assert {name for name, _ in peers} >= {"relay-ok", "relay-custom", "relay-silent"}, text
        routers = re.findall(r"^  (rtr\d): Cisco IOS over SSH (127\.0\.0\.1:\d+), user remediate$", text, re.MULTILINE)
        assert [name for name, _ in routers] == ["rtr1", "rtr2"], text
        assert dict(peers)["relay-custom"] and _answers(dict(peers)["relay-custom"]).startswith(b"220 ")
        assert _answers(routers[0][1]).startswith(b"SSH-2.0")
        secret = tmp_path / ".remediate-lab" / "password"
        assert f'export REMEDIATE_LAB_PASSWORD="$(cat {secret})"' in text
        assert f"Inventory written to {tmp_path / 'lab.yaml'}" in text
    finally:
        _stop(proc)
