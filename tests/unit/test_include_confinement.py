"""Playbook `include:` stays inside the including playbook's folder, and a file that is not a playbook is never
quoted in an error (issue 12, finding 6). Through the real CLI (`validate`), exit 1, one line, no traceback."""

from __future__ import annotations

import os
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
"""

RULE = """\
rules:
  - id: {id}
    title: t
    cause: c
    source: KB 1
    resources:
      - {{kind: registry_value, hive: HKLM, key: K, name: {id}, type: REG_SZ, data: x}}
"""

PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
SHADOW = "root:$6$saltsalt$Zm9vYmFyYmF6cXV4aGFzaGhhc2g:19000:0:99999:7:::\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REMEDIATE_TEST_PW", "unused")
    monkeypatch.delenv("REMEDIATE_PLAYBOOK_ROOT", raising=False)
    (tmp_path / "inventory.yaml").write_text(INVENTORY)
    books = tmp_path / "site" / "playbooks"
    (books / "sub").mkdir(parents=True)
    (books / "sub" / "inner.yaml").write_text(RULE.format(id="inner"))
    (books / "own.yaml").write_text(RULE.format(id="own"))
    (tmp_path / "site" / "shared.yaml").write_text(RULE.format(id="shared"))
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(PASSWD)
    (tmp_path / "etc" / "shadow").write_text(SHADOW)
    return tmp_path


def validate(tree: Path, include: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    top = tree / "site" / "playbooks" / "top.yaml"
    top.write_text("include:\n" + "".join(f"  - '{name}'\n" for name in include) + RULE.format(id="top"))
    capsys.readouterr()
    code = main(["validate", "-i", str(tree / "inventory.yaml"), "-p", str(top)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


def content_words(text: str) -> set[str]:
    return {w for w in re.split(r"[\s:]+", text) if len(w) >= 4} - {"rules", "include", "!!set"}


@pytest.mark.parametrize("name", ["../../etc/passwd", "../../../etc/passwd", "/etc/passwd", "/etc/shadow",
                                  "sub/../../shared.yaml", "..//../etc/shadow"])
def test_an_include_leaving_the_folder_is_refused_before_it_is_read(tree: Path, capsys: pytest.CaptureFixture[str],
                                                                    name: str) -> None:
    name = name.replace("/etc/", f"{tree}/etc/") if name.startswith("/etc/") else name
    code, output = validate(tree, ["own.yaml", name], capsys)
    assert code == 1
    assert f"top.yaml:3: include[1]: include '{name}' resolves to " in output
    assert f"outside the folder of top.yaml, {tree / 'site' / 'playbooks'}" in output
    assert not content_words(PASSWD + SHADOW) & content_words(output.replace(str(tree), ""))


def test_a_symlink_out_of_the_folder_is_refused(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "site" / "playbooks" / "innocent.yaml").symlink_to(tree / "etc" / "shadow")
    code, output = validate(tree, ["innocent.yaml"], capsys)
    assert code == 1 and "include 'innocent.yaml' resolves to " in output and "outside the folder" in output
    assert "$6$" not in output


def test_includes_inside_the_folder_and_below_it_load(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = validate(tree, ["own.yaml", "sub/inner.yaml", "./sub/../own.yaml"], capsys)
    assert code == 0, output


def test_a_nested_include_stays_in_its_own_folder_unless_a_root_is_configured(
        tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "site" / "playbooks" / "sub" / "up.yaml").write_text("include: ['../own.yaml']\n")
    code, output = validate(tree, ["sub/up.yaml"], capsys)
    assert code == 1 and "up.yaml:1: include[0]: include '../own.yaml' resolves to" in output
    monkeypatch.setenv("REMEDIATE_PLAYBOOK_ROOT", str(tree / "site"))
    code, output = validate(tree, ["sub/up.yaml", "../shared.yaml"], capsys)
    assert code == 0, output
    code, output = validate(tree, ["../../etc/passwd"], capsys)
    assert code == 1 and f"outside the configured root {tree / 'site'} ($REMEDIATE_PLAYBOOK_ROOT)" in output


NOT_PLAYBOOKS = [
    ("passwd", PASSWD, "not a playbook: expected a mapping with 'rules:', found str"),
    ("shadow", SHADOW, "not a playbook: a top-level field playbooks do not have"),
    ("mapping", "db_password: hunter2Secret\n", "notes.txt:1: not a playbook: a top-level field playbooks do not have"),
    ("private key", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
     "not a playbook: expected a mapping with 'rules:', found str"),
    ("ini", "[credentials]\npassword = hunter2-Secret\n", "malformed YAML: expected '<document start>', but found"),
    ("undefined alias", "secret: *hunter2Secret\n", "malformed YAML"),
    ("bad token", "db_password: `hunter2Secret`\n", "malformed YAML"),
    ("tag", "rules: !hunter2Secret x\n", "malformed YAML: the YAML tag (text not shown) is not supported"),
    ("standard tag", "rules: !!set x\n", 'malformed YAML: the YAML tag "!!set" is not supported'),
    ("unterminated", 'password: "hunter2Secret\n', "malformed YAML"),
    ("duplicate", "hunter2Secret: 1\nhunter2Secret: 2\n", "duplicate key (text not shown) (first at line 1)"),
    ("wrong rules", "rules: hunter2Secret\n", "rules: Input should be a valid list"),
    ("wrong include", "include: {hunter2Secret: 1}\n", "include: Input should be a valid list"),
    ("lone surrogate", 'rules: ["hunter2Secret\\ud83c"]\n', ":1: holds an unpaired UTF-16 surrogate"),
]


@pytest.mark.parametrize("case, text, expected", NOT_PLAYBOOKS, ids=[c[0] for c in NOT_PLAYBOOKS])
def test_a_file_that_is_not_a_playbook_is_never_quoted(tree: Path, capsys: pytest.CaptureFixture[str], case: str,
                                                       text: str, expected: str) -> None:
    (tree / "site" / "playbooks" / "notes.txt").write_text(text)
    code, output = validate(tree, ["notes.txt"], capsys)
    assert code == 1
    assert expected in output, output
    leaked = content_words(text) & content_words(output.replace(str(tree), ""))
    assert not leaked, (leaked, output)


def test_a_duplicate_field_of_a_real_playbook_is_still_named(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "site" / "playbooks" / "dup.yaml").write_text(RULE.format(id="dup").replace("    title: t\n",
                                                                                        "    title: t\n    title: u\n"))
    code, output = validate(tree, ["dup.yaml"], capsys)
    assert code == 1 and 'dup.yaml:4: malformed YAML: duplicate key "title" (first at line 3)' in output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_inside_the_folder_does_not_hang(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(tree / "site" / "playbooks" / "pipe.yaml")
    code, output = validate(tree, ["pipe.yaml"], capsys)
    assert code == 1 and "pipe.yaml: not a regular file" in output
