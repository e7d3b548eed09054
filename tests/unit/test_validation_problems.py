"""Every validation problem is listed, each with file:line and field; unknown keys and kinds get "did you mean"
from the names the model knows; a rule that cannot be rendered for a host still has its other problems found."""

from __future__ import annotations

import re
from typing import Any

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
    vars: {known: 1}
"""

PLAYBOOK = """\
rules:
  - id: r1
    title: t
    cause: c
    sorce: KB 1
    resources:
      - kind: registy_value
        hive: HKLM
  - id: r2
    title: t
    cause: c
    source: KB 2
    resources:
      - kind: registry_value
        hive: HKLM
        key: '{{ first_missing }}'
        nme: V
        type: REG_SZ
        data: '{{ second_missing }}'
"""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, [line for line in err.splitlines() if line.strip()], out


@pytest.fixture
def files(write: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("REMEDIATE_TEST_PW", "x")
    return lambda inventory=INVENTORY, playbook=PLAYBOOK: (write("inventory.yaml", inventory),
                                                           write("book.yaml", playbook))


def test_every_playbook_problem_is_listed_with_its_line_and_a_guess(files: Any, capsys: Any) -> None:
    inv, book = files()
    code, errors, out = run(["validate", "-i", str(inv), "-p", str(book)], capsys)
    assert code == 1
    expected = [
        (5, "rules[0].sorce: unknown field; did you mean 'source'?"),
        (7, "rules[0].resources[0].kind: unknown kind 'registy_value'; did you mean 'registry_value'?"),
        (16, "rules[1].resources[0].key: host ex1: undefined variable 'first_missing' (rule r2); define it in"),
        (17, "rules[1].resources[0].nme: unknown field; did you mean 'name'?"),
        (19, "rules[1].resources[0].data: host ex1: undefined variable 'second_missing' (rule r2)"),
    ]
    assert len(errors) == len(expected), errors
    for line, (number, text) in zip(errors, expected):
        assert line.startswith(f"error: {book}:{number}: {text}"), line
    assert "source: required field is missing" not in "\n".join(errors)  # the typo above says it
    assert "{'" not in "\n".join(errors)  # no Python dict from the validator
    assert "FAILED: 5 problem(s)" in out


def test_every_inventory_problem_is_listed(files: Any, capsys: Any) -> None:
    inv, book = files(inventory=INVENTORY.replace("address:", "adress:").replace("  scheme: https", "  schema: https")
                      + "grups: {}\n")
    code, errors, _ = run(["validate", "-i", str(inv), "-p", str(book)], capsys)
    assert code == 1
    assert [re.sub(r"^error: \S+?:(\d+): ", r"\1 ", line) for line in errors] == [
        "2 connection.schema: unknown field; did you mean 'scheme'?",
        "7 hosts.ex1.connection.adress: unknown field; did you mean 'address'?",
        "9 grups: unknown field; did you mean 'groups'?",
    ]


def test_an_unknown_field_without_a_close_name_lists_the_known_ones(files: Any, capsys: Any) -> None:
    playbook = PLAYBOOK.replace("    sorce: KB 1\n", "    source: KB 1\n    zzzz: 1\n")
    inv, book = files(playbook=playbook)
    _, errors, _ = run(["validate", "-i", str(inv), "-p", str(book)], capsys)
    assert any("rules[0].zzzz: unknown field; expected one of: advice, cases, cause, evidence, id, remedy, "
               "resources, source, title, when" in line for line in errors), errors


def test_plan_lists_every_problem_too(files: Any, capsys: Any) -> None:
    inv, book = files()
    code, errors, _ = run(["plan", "-i", str(inv), "-p", str(book)], capsys)
    assert code == 1 and len(errors) >= 3 and all(line.startswith("error: ") for line in errors), errors
    assert not any("more problem" in line for line in errors)
