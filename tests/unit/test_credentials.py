"""Credential references, the inventory's transport policy, and masking: tables of inputs and what must come out.

A secret never appears in an error; a password written in the inventory is refused with how to reference it;
validation is switched off per host only and every run says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError
from pydantic import ValidationError

from remediate import credentials, debug
from remediate.cli.main import main
from remediate.credentials import CredentialRef, mask
from remediate.errors import CredentialError, InputError
from remediate.inventory import load_inventory

SECRET = "Tr0ub4dor&3-hunter2"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, entries: dict[tuple[str, str], str] | None = None, fail: Exception | None = None) -> None:
        super().__init__()
        self.entries = dict(entries or {})
        self.fail = fail

    def get_password(self, service: str, username: str) -> str | None:
        if self.fail is not None:
            raise self.fail
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def ring() -> Any:
    before = keyring.get_keyring()
    backend = MemoryKeyring({("remediate", "CONTOSO\\svc"): SECRET, ("a/b", "u"): "slashed-service"})
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


# ------------------------------------------------------------------------------------------------ references
@pytest.mark.parametrize("written, service, username", [
    ({"keyring": "remediate/CONTOSO\\svc"}, "remediate", "CONTOSO\\svc"),
    ({"keyring": {"service": "remediate", "username": "CONTOSO\\svc"}}, "remediate", "CONTOSO\\svc"),
    ({"keyring": "a/b/u"}, "a/b", "u"),  # the last '/' splits
])
def test_keyring_forms_resolve(ring: Any, written: dict[str, Any], service: str, username: str) -> None:
    ref = CredentialRef.model_validate(written)
    assert ref.keyring is not None and (ref.keyring.service, ref.keyring.username) == (service, username)
    assert ref.resolve("ex1") == ring.entries[(service, username)]


@pytest.mark.parametrize("written, words", [
    ({}, "exactly one of env or keyring"),
    ({"env": "A", "keyring": "s/u"}, "exactly one of env or keyring"),
    ({"value": SECRET}, "unknown credential reference field(s) value"),
    ({"keyring": "no-slash"}, "SERVICE/USERNAME"),
    ({"keyring": "/user"}, "SERVICE/USERNAME"),
    ({"keyring": {"service": "s"}}, "Field required"),
    (SECRET, "must not be written in the inventory"),
    ([SECRET], "must not be written in the inventory"),
    (True, "must not be written in the inventory"),
])
def test_bad_references_are_refused_without_echo(written: Any, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CredentialRef.model_validate(written)
    # What users see is `msg` (remediate.validation shows no input under a password field); it never echoes.
    messages = " ".join(e["msg"] for e in caught.value.errors())
    assert words in messages
    assert SECRET not in messages


def test_env_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    ref = CredentialRef.model_validate({"env": "REMEDIATE_TEST_SECRET"})
    monkeypatch.delenv("REMEDIATE_TEST_SECRET", raising=False)
    with pytest.raises(CredentialError, match="host ex1: credential environment variable REMEDIATE_TEST_SECRET: "
                                              "is not set"):
        ref.resolve("ex1")
    monkeypatch.setenv("REMEDIATE_TEST_SECRET", "")
    with pytest.raises(CredentialError, match="is empty"):
        ref.resolve("ex1")
    monkeypatch.setenv("REMEDIATE_TEST_SECRET", SECRET)
    assert ref.resolve("ex1") == SECRET


def test_keyring_failures_are_clean_credential_errors() -> None:
    before = keyring.get_keyring()
    ref = CredentialRef.model_validate({"keyring": "remediate/CONTOSO\\svc"})
    try:
        from keyring.backends import fail

        keyring.set_keyring(fail.Keyring())  # what a headless server without Secret Service gets
        with pytest.raises(CredentialError) as caught:
            ref.resolve("ex1")
        text = str(caught.value)
        assert "host ex1" in text and "service 'remediate' user 'CONTOSO\\\\svc'" in text
        assert "no keyring backend is available" in text and "{env: NAME}" in text
        keyring.set_keyring(MemoryKeyring())
        with pytest.raises(CredentialError, match="has no such entry in the keyring .*keyring set remediate"):
            ref.resolve("ex1")
        keyring.set_keyring(MemoryKeyring(fail=KeyringError(f"locked: {SECRET}")))
        with pytest.raises(CredentialError) as caught:
            ref.resolve("ex1")
        assert "KeyringError" in str(caught.value) and SECRET not in str(caught.value)
        keyring.set_keyring(MemoryKeyring(fail=RuntimeError("dbus went away")))
        with pytest.raises(CredentialError, match=r"the keyring lookup failed \(RuntimeError\)"):
            ref.resolve("ex1")
    finally:
        keyring.set_keyring(before)


# ------------------------------------------------------------------------------------------------ inventory policy
INVENTORY = """\
connection:
  scheme: https
  user: admin
  password: {env: REMEDIATE_TEST_PW}
groups:
  g: {hosts: [ex1]}
hosts:
  ex1:
    connection: {address: 127.0.0.1}
  ex2:
    connection: {address: 127.0.0.2}
"""


def _load(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "inventory.yaml"
    path.write_text(text, encoding="utf-8")
    return load_inventory(path)


@pytest.mark.parametrize("text, field, words", [
    (INVENTORY.replace("{env: REMEDIATE_TEST_PW}", SECRET), "connection.password", "must not be written"),
    (INVENTORY.replace("{env: REMEDIATE_TEST_PW}", f"{{env: '{SECRET}'}}"), "connection.password", "pattern"),
    (INVENTORY.replace("{env: REMEDIATE_TEST_PW}", f"{{plain: '{SECRET}'}}"), "connection.password",
     "unknown credential reference field"),
    (INVENTORY.replace("g: {hosts: [ex1]}", f"g: {{hosts: [ex1], connection: {{password: '{SECRET}'}}}}"),
     "groups.g.connection.password", "must not be written"),
    (INVENTORY.replace("{address: 127.0.0.1}", f"{{address: 127.0.0.1, password: '{SECRET}'}}"),
     "hosts.ex1.connection.password", "must not be written"),
    (INVENTORY.replace("{address: 127.0.0.1}", f"{{address: 'admin:{SECRET}@127.0.0.1'}}"),
     "hosts.ex1.connection.address", "host name or IP address only"),
    (INVENTORY.replace("scheme: https", "scheme: https\n  validate_cert: false"), "connection.validate_cert",
     "must be set on each host"),
    (INVENTORY.replace("g: {hosts: [ex1]}", "g: {hosts: [ex1], connection: {validate_cert: false}}"),
     "groups.g.connection.validate_cert", "must be set on each host"),
    (INVENTORY.replace("scheme: https", "scheme: https\n  transport: basic").replace(
        "{address: 127.0.0.1}", "{address: 127.0.0.1, validate_cert: false}"), "transport",
     "give the password to any server"),
    (INVENTORY.replace("scheme: https", "scheme: http\n  transport: basic"), "transport", "clear text"),
    (INVENTORY.replace("{address: 127.0.0.1}", f"{{address: 127.0.0.1}}\n    vars: {{relay: {{smtp_password: "
                                               f"'{SECRET}'}}}}"), "hosts.ex1.vars.relay.smtp_password",
     "named like a secret"),
    (INVENTORY.replace("g: {hosts: [ex1]}", f"g: {{hosts: [ex1], vars: {{api_secret: '{SECRET}'}}}}"),
     "groups.g.vars.api_secret", "named like a secret"),
])
def test_inventory_refusals_name_the_field_and_never_the_secret(tmp_path: Path, text: str, field: str,
                                                               words: str) -> None:
    with pytest.raises(InputError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert field in message and words in message, message
    assert SECRET not in message


def test_password_refusal_says_how_to_reference(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        _load(tmp_path, INVENTORY.replace("{env: REMEDIATE_TEST_PW}", SECRET))
    assert "{env: NAME_OF_ENVIRONMENT_VARIABLE}" in str(caught.value)
    assert '{keyring: "SERVICE/USERNAME"}' in str(caught.value)


def test_validation_off_per_host_warns_on_every_run(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMEDIATE_TEST_PW", SECRET)
    text = INVENTORY.replace("{address: 127.0.0.2}", "{address: 127.0.0.2, validate_cert: false}")
    inventory = _load(tmp_path, text)
    assert inventory.hosts["ex2"].connection.validate_cert is False
    assert inventory.hosts["ex1"].connection.validate_cert is True
    book = tmp_path / "book.yaml"
    book.write_text("rules: [{id: r, title: t, cause: c, source: s, resources: [{kind: registry_value, hive: HKLM, "
                    "key: K, name: v, type: REG_SZ, data: x}]}]\n", encoding="utf-8")
    for _ in range(2):
        capsys.readouterr()
        assert main(["validate", "-i", str(tmp_path / "inventory.yaml"), "-p", str(book)]) == 0
        out, err = capsys.readouterr()
        assert "warning: host ex2: TLS certificate validation is off" in err
        assert "ex1" not in err and "warning" not in out and SECRET not in out + err


# ------------------------------------------------------------------------------------------------ masking
def test_mask_hides_every_spelling_of_a_resolved_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    import base64
    import json
    import urllib.parse

    credentials.forget_all()
    monkeypatch.setenv("REMEDIATE_TEST_SECRET", SECRET)
    CredentialRef.model_validate({"env": "REMEDIATE_TEST_SECRET"}).resolve("ex1")
    spellings = [SECRET, json.dumps(SECRET), urllib.parse.quote(SECRET), SECRET.replace("&", "&amp;"),
                 base64.b64encode(SECRET.encode()).decode(), base64.b64encode(SECRET.encode("utf-16-le")).decode()]
    for text in spellings:
        masked = mask(f"before {text} after")
        assert SECRET not in masked and "********" in masked, masked
    assert mask("nothing secret here") == "nothing secret here"
    credentials.forget_all()


@pytest.mark.parametrize("text, gone", [
    ("Authorization: Negotiate TlRMTVNTUAADAAAAGAAYAHAAAAA=", "TlRMTVNTUAADAAAAGAAYAHAAAAA="),
    ("  WWW-Authenticate: NTLM TlRMTVNTUAACAAAADAAMADgAAAA=", "TlRMTVNTUAACAAAADAAMADgAAAA="),
    ("header Basic YWRtaW46aHVudGVyMg== in text", "YWRtaW46aHVudGVyMg=="),
    ("NTLM step output: TlRMTVNTUAADAAAAGAAYAHAAAAA", "TlRMTVNTUAADAAAAGAAYAHAAAAA"),
    ("<w:Password>hunter2</w:Password>", "hunter2"),
    ('{"user": "x", "smtp_password": "hunter2"}', "hunter2"),
    ("connect password=hunter2 now", "hunter2"),
])
def test_trace_masking_patterns(text: str, gone: str) -> None:
    assert gone not in debug.mask_text(text)
