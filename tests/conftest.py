"""Shared fixtures. End-to-end fixtures start the lab in-process on free loopback ports: real HTTP, real pywinrm."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# The throwaway PostgreSQL server for the team journal's tests (tests/pg_fixture.py).
pytest_plugins = ["pg_fixture", "agent_coverage"]


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


HOSTILE_STRINGS_FILE = REPO / "tests" / "data" / "hostile-strings.json"


@pytest.fixture(scope="session")
def hostile_strings() -> dict[str, str]:
    """The shared injection corpus (tests/data/hostile-strings.json) as {id: text}, in file order.

    For any string field of a kind: each text must arrive verbatim in the lab's state or be refused by validation
    with a clear error, and the lab's op_log must show nothing else ran (tests/e2e/test_injection.py does it for
    registry_value). Texts tagged "template" hold Jinja syntax: pass them through an inventory variable.
    """
    import json

    data = json.loads(HOSTILE_STRINGS_FILE.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for entry in data["strings"]:
        text = entry["text"] if "text" in entry else "".join(part * times for part, times in entry["parts"])
        out[entry["id"]] = text
    return out
