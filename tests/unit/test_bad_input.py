"""Every kind of bad input gives one clear line naming file, line and field, exit code 1, and no traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from remediate.cli.main import main

INVENTORY = """\
connection:
  scheme: https
  user: admin
  password: {env: REMEDIATE_TEST_PW}
hosts:
  ex1:
    connection: {address: 127.0.0.1}
    vars: {smart: 1}
"""

RULE_HEAD = """\
rules:
  - id: r1
    title: t
    cause: c
    source: KB 1
    resources:
      - kind: registry_value
"""

CASES = [
    # (name, inventory text or None for the good one, playbook text or None for a good one, expected line, fragments)
    ("malformed yaml", None, "rules:\n  - id: [unclosed\n", 3, ["malformed YAML"]),
    ("unknown key", None, "GOOD+colour", 6, ["rules[0].colour", "unknown field"]),
    ("wrong type", None, RULE_HEAD + "        hive: HKLM\n        key: K\n        name: v\n        type: REG_SZ\n"
     "        data: {a: 1}\n", 12, ["rules[0].resources[0].data", "REG_SZ data must be a string"]),
    ("undefined variable", None, RULE_HEAD + "        hive: HKLM\n        key: K\n        type: REG_SZ\n"
     "        data: '{{ nope }}'\n", 11, ["data", "undefined variable 'nope'", "(rule r1)", "hosts.ex1.vars"]),
    ("unknown kind", None, RULE_HEAD.replace("registry_value", "registry_valu") + "        hive: HKLM\n", 7,
     ["rules[0].resources[0]", "registry_valu"]),
    ("unknown hive", None, RULE_HEAD + "        hive: HKXX\n        key: K\n        type: REG_SZ\n        data: x\n",
     8, ["rules[0].resources[0].hive", "HKLM"]),
    ("dword range", None, RULE_HEAD + "        hive: HKLM\n        key: K\n        type: REG_DWORD\n"
     "        data: 4294967296\n", 11, ["data", "0..4294967295"]),
    ("dword negative", None, RULE_HEAD + "        hive: HKLM\n        key: K\n        type: REG_DWORD\n"
     "        data: -1\n", 11, ["data", "0..4294967295"]),
    ("qword range", None, RULE_HEAD + "        hive: HKLM\n        key: K\n        type: REG_QWORD\n"
     "        data: 18446744073709551616\n", 11, ["data", "0..18446744073709551615"]),
    ("binary not hex", None, RULE_HEAD + "        hive: HKLM\n        key: K\n        type: REG_BINARY\n"
     "        data: 0xZZ\n", 11, ["data", "hex"]),
    ("host without credential", INVENTORY.replace("  password: {env: REMEDIATE_TEST_PW}\n", ""), None, None,
     ["ex1", "password", "credential reference"]),
    ("password in file", INVENTORY.replace("{env: REMEDIATE_TEST_PW}", "hunter2"), None, 4,
     ["connection.password", "must not be written in the inventory"]),
    ("basic over http", INVENTORY.replace("scheme: https", "scheme: http\n  transport: basic"), None, None,
     ["transport", "clear text"]),
    ("malformed inventory", "hosts: [\n", None, 2, ["malformed YAML"]),
]

GOOD_PLAYBOOK = RULE_HEAD + "        hive: HKLM\n        key: SOFTWARE\\X\n        name: V\n        type: REG_DWORD\n" \
                            "        data: '{{ smart }}'\n"


@pytest.mark.parametrize("name,inventory,playbook,line,fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_one_clear_line(name, inventory, playbook, line, fragments, write, capsys, monkeypatch):
    monkeypatch.setenv("REMEDIATE_TEST_PW", "x")
    inv = write("inventory.yaml", inventory or INVENTORY)
    if playbook == "GOOD+colour":
        playbook = GOOD_PLAYBOOK.replace("    source: KB 1\n", "    source: KB 1\n    colour: red\n")
    book = write("book.yaml", playbook or GOOD_PLAYBOOK)
    code = main(["validate", "-i", str(inv), "-p", str(book)])
    err = capsys.readouterr().err
    assert code == 1, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    target = inv if playbook is None else book
    assert str(target.name) in lines[0]
    if line is not None:
        assert re.search(rf"{re.escape(target.name)}:{line}\b", lines[0]), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "hunter2" not in err


def test_credential_variable_not_set(write, capsys, monkeypatch):
    monkeypatch.delenv("REMEDIATE_TEST_PW", raising=False)
    inv = write("inventory.yaml", INVENTORY)
    book = write("book.yaml", GOOD_PLAYBOOK)
    assert main(["validate", "-i", str(inv), "-p", str(book)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "error: host ex1: credential environment variable REMEDIATE_TEST_PW: is not set"


def test_good_input_validates(write, capsys, monkeypatch):
    monkeypatch.setenv("REMEDIATE_TEST_PW", "x")
    inv = write("inventory.yaml", INVENTORY)
    book = write("book.yaml", GOOD_PLAYBOOK)
    assert main(["validate", "-i", str(inv), "-p", str(book)]) == 0
    assert "1 rule(s)" in capsys.readouterr().out


def test_missing_file(tmp_path: Path, capsys):
    assert main(["validate", "-i", str(tmp_path / "nope.yaml")]) == 1
    assert "nope.yaml: file not found" in capsys.readouterr().err


def test_template_cannot_reach_python_internals(write, capsys, monkeypatch):
    monkeypatch.setenv("REMEDIATE_TEST_PW", "x")
    inv = write("inventory.yaml", INVENTORY)
    book = write("book.yaml", RULE_HEAD + "        hive: HKLM\n        key: K\n        type: REG_SZ\n"
                 "        data: \"{{ ''.__class__.__mro__[1].__subclasses__() }}\"\n")
    assert main(["validate", "-i", str(inv), "-p", str(book)]) == 1
    err = capsys.readouterr().err
    assert "book.yaml:11" in err and "not allowed" in err or "unsafe" in err
