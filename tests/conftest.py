"""Shared fixtures. End-to-end fixtures start the lab in-process on free loopback ports: real HTTP, real pywinrm."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """write(name, text) -> path, in a per-test folder."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def lab_password(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    password = "lab-Pa55w0rd-" + os.urandom(4).hex()
    monkeypatch.setenv("REMEDIATE_LAB_PASSWORD", password)
    yield password
