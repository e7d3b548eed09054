"""A whole cycle with a --debug wire trace, then every artifact searched for the password: none holds it.

plan -o, check with all four reports (before and after), apply, history, rollback, validate, a run whose credential
comes from the OS keyring, and a run with a wrong password: stdout and stderr of each, the plan file, the reports,
the journal database with its WAL and shared-memory files, the trace files, and every other file the run left. The
password is searched as text, as UTF-16 (Windows' encoding), base64 of either, URL-encoded, and as its NT hash (a
password equivalent for NTLM). The trace itself must show the exchange (so it was really written), its
Authorization headers masked.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
import urllib.parse
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from ruamel.yaml import YAML

from remediate import credentials


class _Ring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def get_password(self, service: str, username: str) -> str | None:
        return self.secret if (service, username) == ("remediate-lab", "LAB\\remediate") else None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NotImplementedError

    def delete_password(self, service: str, username: str) -> None:
        raise NotImplementedError


def spellings(secret: str) -> list[bytes]:
    """The forms a leaked password could take in a file or a stream."""
    from spnego._ntlm_raw.crypto import ntowfv1

    forms = [secret.encode("utf-8"), secret.encode("utf-16-le"), urllib.parse.quote(secret).encode()]
    for raw in (secret.encode("utf-8"), secret.encode("utf-16-le")):
        forms.append(base64.b64encode(raw).rstrip(b"="))
    nt_hash = ntowfv1(secret)
    forms += [binascii.hexlify(nt_hash), binascii.hexlify(nt_hash).upper(), nt_hash]
    return forms


def leaks(data: bytes, secrets: list[str]) -> list[str]:
    return [f"{s!r} as {form[:40]!r}" for s in secrets for form in spellings(s) if form in data]


KEY = "SOFTWARE\\Remediate\\Secrets"
START = {"HKLM": {KEY: {"Port": {"type": "REG_DWORD", "data": 24}}}}
DESIRED = [{"hive": "HKLM", "key": KEY, "name": "Port", "type": "REG_DWORD", "data": 25},
           {"hive": "HKLM", "key": KEY, "name": "Banner", "type": "REG_SZ", "data": "220 mail"}]


def test_no_artifact_of_a_full_cycle_holds_the_password(make_lab: Any, cli: Any, playbook: Any, tmp_path: Path,
                                                        lab_password: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lab = make_lab({"ex1": START})
    book = playbook(DESIRED)
    trace = tmp_path / "logs" / "wire.log"
    trace.parent.mkdir()
    plan_file = tmp_path / "plan.json"
    reports = tmp_path / "reports"
    streams: list[str] = []

    def run(*argv: str, expect: tuple[int, ...] = (0,)) -> str:
        code, out, err = cli(*argv)
        streams.extend([out, err])
        assert code in expect, (argv, out, err)
        return out

    def debug_run(command: str, *argv: str, expect: tuple[int, ...] = (0,)) -> str:
        # Global options come before the command; the fixture adds -i/--state-dir only when the command is first.
        extra = [*(["-i", str(cli.inventory)] if command in ("plan", "apply", "check", "rollback", "validate")
                   else []), *(["--state-dir", str(cli.state)] if command in ("apply", "rollback") else [])]
        code, out, err = cli("--debug-log", str(trace), command, *argv, *extra)
        streams.extend([out, err])
        assert code in expect, (command, out, err)
        return out

    debug_run("plan", "-p", str(book), "-o", str(plan_file), expect=(2,))
    for name in ("before", "after"):
        args = [f"--report={fmt}={reports / name / f'check.{fmt}'}" for fmt in ("junit", "sarif", "json", "html")]
        debug_run("check", "-p", str(book), *args, expect=(2,) if name == "before" else (0,))
        if name == "before":
            out = debug_run("apply", str(plan_file), "-p", str(book), "--yes", "--json")
            run_id = json.loads(out)["run_id"]
    run("history")
    run("history", "--json")
    run("validate", "-p", str(book))
    # The rollback traces to stderr: the stream is scanned like the file.
    code, out, err = cli("--debug", "rollback", run_id, "-i", str(cli.inventory), "--state-dir", str(cli.state),
                         "--json")
    streams.extend([out, err])
    assert code == 0 and "HTTP >" in err and "Authorization: Negotiate ********" in err

    # The same password from the OS keyring instead of the environment.
    keyring_inventory = tmp_path / "inventory-keyring.yaml"
    keyring_inventory.write_text(cli.inventory.read_text().replace(
        "env: REMEDIATE_LAB_PASSWORD", "keyring: remediate-lab/LAB\\remediate"), encoding="utf-8")
    assert "keyring:" in keyring_inventory.read_text()
    before = keyring.get_keyring()
    keyring.set_keyring(_Ring(lab_password))
    monkeypatch.delenv("REMEDIATE_LAB_PASSWORD")
    try:
        code, out, err = cli("--debug-log", str(trace), "plan", "-p", str(book), "-i", str(keyring_inventory))
        streams.extend([out, err])
        assert code == 2, err  # rolled back: the drift is there again, read with the keyring's password
    finally:
        keyring.set_keyring(before)

    # A wrong password is a secret too: refused by the host, and named nowhere.
    wrong = "Wr0ng-" + os.urandom(6).hex()
    monkeypatch.setenv("REMEDIATE_LAB_PASSWORD", wrong)
    debug_run("plan", "-p", str(book), expect=(1,))
    assert "authentication" in streams[-2] + streams[-1] or "401" in streams[-2] + streams[-1]

    # The trace was written, shows the exchange in both layers, and is private.
    text = trace.read_text(encoding="utf-8")
    for expected in ("HTTP > POST", "HTTP < 401", "Authorization: Negotiate ********", "SOAP request",
                     "SOAP response", "[agent request", "genuine agent script", "<<<REMEDIATE-BEGIN>>>"):
        assert expected in text, expected
    assert stat.S_IMODE(trace.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.state.stat().st_mode) == 0o700  # the journal's folder: values of every run
    # The key the run changed (the host's registry also holds its platform's Exchange setup keys).
    assert lab.hosts["ex1"].sim.registry.snapshot()["HKLM"][KEY] == {"Port": {"type": "REG_DWORD", "data": 24}}

    secrets = [lab_password, wrong]
    found = {f"stream {i}": leaks(s.encode("utf-8"), secrets) for i, s in enumerate(streams)}
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"plan.json", "wire.log", "journal.sqlite", "check.junit", "check.sarif",
                                       "check.json", "check.html"}, sorted(p.name for p in files)
    found.update({str(p.relative_to(tmp_path)): leaks(p.read_bytes(), secrets) for p in files})
    assert {k: v for k, v in found.items() if v} == {}
    credentials.forget_all()


def test_certificate_validation_is_on_by_default_and_off_only_with_a_warning(make_lab: Any, cli: Any, playbook: Any,
                                                                             lab_password: str) -> None:
    """HTTPS lab with its own CA. Without the CA the default refuses the server; validate_cert: false on the host
    connects, and every run says so on stderr, naming the host (stdout stays the JSON document)."""
    make_lab({"ex1": START}, https=True)
    book = playbook(DESIRED)
    inventory = YAML(typ="safe").load(cli.inventory.read_text(encoding="utf-8"))
    del inventory["connection"]["ca_file"]  # trust only what requests ships: the lab's CA is not in it
    cli.inventory.write_text(json.dumps(inventory), encoding="utf-8")
    code, plan = cli.json("plan", "-p", str(book))
    assert code == 1 and plan["hosts"][0]["error"]["type"] == "unreachable"
    assert "TLS failed" in plan["hosts"][0]["error"]["message"]

    inventory["hosts"]["ex1"]["connection"]["validate_cert"] = False
    cli.inventory.write_text(json.dumps(inventory), encoding="utf-8")
    for _ in range(2):
        code, out, err = cli("plan", "-p", str(book), "--json")
        assert code == 2 and json.loads(out)["hosts"][0]["status"] == "drift"
        assert "warning: host ex1: TLS certificate validation is off (validate_cert: false" in err
        assert lab_password not in out + err
