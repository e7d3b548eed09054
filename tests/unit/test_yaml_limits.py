"""Hostile YAML that costs memory, and errors that would echo a secret (issue 12, findings 3 and 4).

Through the one loader (remediate/yamlsrc.py) and the real CLI (`validate`, `plan`): an alias bomb and an
oversized document end in one clear line naming file and line, exit 1, no internal error; a duplicate key is
named with its lines and never with a value.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from remediate.cli.main import main
from remediate.errors import InputError
from remediate.yamlsrc import MAX_ALIAS_NODES, MAX_DOCUMENT_BYTES, MAX_DOCUMENT_NODES, load, loads

INVENTORY = """\
connection:
  scheme: https
  user: admin
  password: {env: REMEDIATE_TEST_PW}
hosts:
  ex1:
    connection: {address: 127.0.0.1}
"""

PLAYBOOK = """\
rules:
  - id: r1
    title: t
    cause: c
    source: KB 1
    resources:
      - {kind: registry_value, hive: HKLM, key: K, name: v, type: REG_SZ, data: x}
"""


def bomb(levels: int = 10, width: int = 10, indent: str = "") -> str:
    """The issue's attack: nested anchors, ten levels of ten (831 bytes in the report)."""
    lines = [f"{indent}l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"{indent}l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("REMEDIATE_TEST_PW", "not-used")
    inventory, playbook = tmp_path / "inventory.yaml", tmp_path / "playbook.yaml"
    inventory.write_text(INVENTORY)
    playbook.write_text(PLAYBOOK)
    return inventory, playbook


BOMBS = [
    ("inventory vars", "inventory", INVENTORY.replace("hosts:", "vars:\n  bomb:\n" + bomb(indent="    ") + "hosts:"),
     11),
    ("inventory top level", "inventory", INVENTORY + bomb(), 12),
    ("playbook", "playbook", PLAYBOOK + bomb().replace("l0:", "x-l0:", 1).replace("\nl", "\nx-l"), 12),
]


@pytest.mark.parametrize("command", ["validate", "plan"])
@pytest.mark.parametrize("case, which, text, line", BOMBS, ids=[b[0] for b in BOMBS])
def test_an_alias_bomb_is_a_clear_error_naming_file_and_line(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                                             command: str, case: str, which: str, text: str,
                                                             line: int) -> None:
    inventory, playbook = files
    target = inventory if which == "inventory" else playbook
    target.write_text(text)
    code, out, err = run([command, "-i", str(inventory), "-p", str(playbook)], capsys)
    assert code == 1, (out, err)
    assert err.startswith(f"error: {target}:{line}: aliases (*name or <<: *name) here expand to more than "
                          f"{MAX_ALIAS_NODES:,} nodes"), err
    assert "internal error" not in err and "MemoryError" not in err


def test_the_bound_counts_merges_and_aliases_but_not_the_document_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMEDIATE_YAML_MAX_ALIAS_NODES", "2000")
    many = "".join(f"k{i}: [a, b, c, d, e, f, g, h, i, j]\n" for i in range(500))  # 5,500 nodes, no alias
    assert len(loads(many, "big.yaml").data) == 500
    shared = "common: &c {a: 1, b: [1, 2]}\n" + "".join(f"h{i}: {{<<: *c, n: {i}}}\n" for i in range(300))
    data = loads(shared, "shared.yaml").data  # 300 merges of 2 keys and an aliased list: 1,200 nodes
    assert data["h299"] == {"n": 299, "a": 1, "b": [1, 2]}
    with pytest.raises(InputError, match=r"shared.yaml:\d+: aliases"):
        loads(shared + "".join(f"g{i}: {{<<: *c, n: {i}}}\n" for i in range(300)), "shared.yaml")
    merges = "a: &a {" + ", ".join(f"k{i}: [{', '.join(['x'] * 10)}]" for i in range(10)) + "}\nb: 1\nc: [" + \
        ", ".join(["{<<: *a}"] * 20) + "]\n"  # each merge brings 10 aliased lists of 10: 110 nodes
    with pytest.raises(InputError, match=r"merge.yaml:3: aliases"):
        loads(merges, "merge.yaml")


def test_a_document_over_the_size_bound_is_refused_before_it_is_read(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str],
                                                                     files: tuple[Path, Path]) -> None:
    inventory, playbook = files
    with inventory.open("a") as fh:
        fh.write("#" + "x" * MAX_DOCUMENT_BYTES + "\n")
    code, out, err = run(["validate", "-i", str(inventory), "-p", str(playbook)], capsys)
    assert code == 1
    assert err.startswith(f"error: {inventory}: the document is {inventory.stat().st_size:,} bytes, more than the "
                          f"{MAX_DOCUMENT_BYTES:,} allowed"), err
    with pytest.raises(InputError, match="more than the"):
        loads("#" + "é" * (MAX_DOCUMENT_BYTES // 2), "text.yaml")  # counted in bytes, not characters


def test_a_document_of_too_many_nodes_is_refused_while_it_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes alone do not bound the parse: 4 MiB of `[a,a,...]` is two million nodes, minutes of ruamel's time."""
    assert MAX_DOCUMENT_NODES == 200_000
    monkeypatch.setenv("REMEDIATE_YAML_MAX_NODES", "1000")
    assert len(loads("x: [" + ",".join(["a"] * 990) + "]\n", "ok.yaml").data["x"]) == 990
    with pytest.raises(InputError, match=r"^dense.yaml:3: the document holds more than 1,000 nodes "
                                         r"\(REMEDIATE_YAML_MAX_NODES raises the bound\)"):
        loads("a: 1\nb: 2\nx: [" + ",".join(["a"] * 2000) + "]\n", "dense.yaml")


def test_the_bounds_can_be_raised_for_a_site_that_needs_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMEDIATE_YAML_MAX_ALIAS_NODES", "200000")
    assert loads(bomb(levels=5), "ok.yaml").data["l4"][0][0][0][0] == ["lol"] * 10
    monkeypatch.setenv("REMEDIATE_YAML_MAX_ALIAS_NODES", "lots")
    with pytest.raises(Exception, match="REMEDIATE_YAML_MAX_ALIAS_NODES: expected a whole number"):
        loads("a: 1\n", "x.yaml")


SECRET = "S3cr3t-Value-That-Must-Not-Print"

DUPLICATES = [
    ("inventory password", "inventory", INVENTORY.replace("  user: admin\n", f"  password: {SECRET}\n  user: admin\n"),
     5, '"password" (first at line 3)'),
    ("nested vars", "inventory", INVENTORY + f"vars:\n  token: {SECRET}\n  other: 1\n  token: {SECRET}-2\n", 11,
     '"token" (first at line 9)'),
    ("playbook data", "playbook", PLAYBOOK.replace("data: x}", f"data: {SECRET}, data: {SECRET}2}}"), 7,
     '"data" (first at line 7)'),
]


@pytest.mark.parametrize("case, which, text, line, named", DUPLICATES, ids=[d[0] for d in DUPLICATES])
def test_a_duplicate_key_is_named_with_its_lines_and_never_its_values(files: tuple[Path, Path],
                                                                       capsys: pytest.CaptureFixture[str], case: str,
                                                                       which: str, text: str, line: int,
                                                                       named: str) -> None:
    inventory, playbook = files
    target = inventory if which == "inventory" else playbook
    target.write_text(text)
    code, out, err = run(["validate", "-i", str(inventory), "-p", str(playbook)], capsys)
    assert code == 1
    assert err == f"error: {target}:{line}: malformed YAML: duplicate key {named}; a key may appear once in a mapping\n"
    assert SECRET not in out + err


def test_a_hostile_duplicate_key_is_shown_escaped_and_short() -> None:
    with pytest.raises(InputError) as err:
        loads("\"\\e]0;owned\\a\": 1\n\"\\e]0;owned\\a\": 2\n", "k.yaml")
    assert '"\\x1b]0;owned\\x07"' in str(err.value) and "\x1b" not in str(err.value)
    with pytest.raises(InputError) as err:
        loads(f"{'k' * 500}: 1\n{'k' * 500}: 2\n", "long.yaml")
    assert "k" * 57 + "..." in str(err.value) and "k" * 58 not in str(err.value)


def test_load_reads_the_file_size_first(tmp_path: Path) -> None:
    path = tmp_path / "sparse.yaml"
    with path.open("wb") as fh:
        fh.truncate(MAX_DOCUMENT_BYTES * 100)  # 400 MB that are never read
    with pytest.raises(InputError, match="more than the"):
        load(path)
