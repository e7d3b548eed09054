"""End-to-end fixtures: a lab on free loopback ports, driven through the real CLI, real pywinrm and real HTTP."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from remediate.cli.main import main
from remediate.lab.fleet import HostScenario, Lab, Scenario


@pytest.fixture
def make_lab(tmp_path: Path, lab_password: str) -> Iterator[Callable[..., Lab]]:
    """make_lab({"h1": {registry...}}, platform=..., **lab_options) -> a started Lab with inventory written."""
    labs: list[Lab] = []

    def _make(hosts: dict[str, dict[str, Any]], platform: str = "win2019-ex2019", antivirus: list[str] | None = None,
              vars: dict[str, Any] | None = None, **options: Any) -> Lab:
        # hosts: name -> registry data, or name -> {"state": {domain: data}} for other domains
        scenario = Scenario("test", "", [
            HostScenario(name, platform, list(antivirus or []), dict(vars or {}),
                         spec["state"] if "state" in spec else {"registry": spec})
            for name, spec in hosts.items()])
        if options.get("https"):
            options.setdefault("tls_dir", tmp_path / "tls")
        lab = Lab(scenario, password=lab_password, **options).start()
        labs.append(lab)
        lab.write_inventory(tmp_path / "inventory.yaml")
        return lab

    yield _make
    for lab in labs:
        lab.stop()


class Cli:
    """Runs `remediate` in-process with the test's inventory and state dir; returns (code, stdout, stderr)."""

    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.tmp = tmp_path
        self.capsys = capsys
        self.inventory = tmp_path / "inventory.yaml"
        self.state = tmp_path / "state"

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        argv = list(args)
        if argv[0] in ("plan", "apply", "validate", "rollback", "check", "diagnose"):
            argv += ["-i", str(self.inventory)]
        if argv[0] in ("apply", "rollback", "history"):
            argv += ["--state-dir", str(self.state)]
        code = main(argv)
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> tuple[int, dict[str, Any]]:
        code, out, err = self(*args, "--json")
        try:
            return code, json.loads(out)
        except json.JSONDecodeError:
            raise AssertionError(f"not JSON (exit {code}): {out!r} {err!r}") from None


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(tmp_path, capsys)


@pytest.fixture
def playbook(write: Callable[[str, str], Path]) -> Callable[[list[dict[str, Any]]], Path]:
    """playbook([resource, ...]) -> path of a one-rule playbook holding those registry resources."""

    def _make(resources: list[dict[str, Any]], rule_id: str = "test-rule") -> Path:
        doc = {"rules": [{"id": rule_id, "title": "Test rule", "cause": "a test", "source": "KB 0",
                          "resources": [{"kind": "registry_value", **r} for r in resources]}]}
        return write(f"{rule_id}.yaml", json.dumps(doc, indent=1, ensure_ascii=False))  # JSON is YAML

    return _make


def _wait_for(what: str, condition: Callable[[], bool], proc: subprocess.Popen[bytes], limit: float = 45.0) -> None:
    """Poll `condition` (a journal file, the lab's state) while a runner process works; fail if it exits first or
    nothing happens in `limit` seconds. What tests wait on is an event they can observe, never a sleep."""
    deadline = time.monotonic() + limit
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"the runner exited ({proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@pytest.fixture
def wait_for() -> Callable[..., None]:
    """wait_for(what, condition, proc, limit=45.0): see _wait_for."""
    return _wait_for
