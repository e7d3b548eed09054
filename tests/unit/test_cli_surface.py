"""The command line as a newcomer meets it: every --help ends with examples, every problem is reported in one style,
`-p` takes folders, and the lab's scenarios can be listed and are named in the help."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import click
import pytest

from remediate.assets import asset_dir
from remediate.cli.main import _register_optional, cli, main


def _commands() -> list[tuple[str, ...]]:
    _register_optional()
    found: list[tuple[str, ...]] = [()]

    def walk(group: click.Group, path: tuple[str, ...]) -> None:
        for name, command in group.commands.items():
            found.append((*path, name))
            if isinstance(command, click.Group):
                walk(command, (*path, name))

    walk(cli, ())
    return found


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p) or "remediate")
def test_every_help_ends_with_one_or_two_examples(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*path, "--help"]) == 0
    lines = [line for line in capsys.readouterr().out.rstrip().splitlines()]
    start = max(i for i, line in enumerate(lines) if line.strip() == "Examples:")
    examples = [line.strip() for line in lines[start + 1:]]
    assert 1 <= len(examples) <= 2, lines[start:]
    assert all(line.startswith("remediate ") for line in examples), examples


BAD = [
    (["plan"], "Missing option"),  # a required option
    (["apply", "--frobnicate"], "No such option"),
    (["history", "--format", "xml"], "Invalid value for '--format'"),
    (["check", "-i", "x.yaml", "--report", "bogus"], "expected FORMAT=PATH"),
    (["plan", "-i", "no-such-inventory.yaml"], "no-such-inventory.yaml: file not found"),
    (["lab", "serve", "--scenario", "no-such-scenario"], "no such scenario file or shipped scenario"),
    (["rollback", "no-such-run", "-i", "no-such-inventory.yaml"], "file not found"),
    (["schema", "nothing"], "Invalid value"),
]


@pytest.mark.parametrize("argv,says", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_every_error_has_one_style(argv: list[str], says: str, capsys: pytest.CaptureFixture[str],
                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert lines and lines[0].startswith("error: ") and says in lines[0], err
    assert not any(line.startswith(("Error", "ERROR", "Usage:")) for line in lines), err
    assert "Traceback" not in err and out == ""


def test_no_arguments_shows_the_help_not_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Usage: remediate") and err == ""


def test_json_and_another_format_contradict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--json", "--format", "tsv"]) == 1
    assert capsys.readouterr().err.startswith("error: --json and --format tsv contradict each other")


def test_playbook_option_takes_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "books"
    shutil.copytree(asset_dir("playbooks"), folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text("connection: {scheme: http, user: u, password: {env: X_PW}}\n"
                         "hosts: {ex1: {connection: {address: 127.0.0.1}}}\n", encoding="utf-8")
    monkeypatch.setenv("X_PW", "x")
    assert main(["validate", "-i", str(inventory), "-p", str(folder)]) == 0
    out = capsys.readouterr().out
    catalog = len(list(asset_dir("playbooks").glob("*.yaml")))
    assert f"from {catalog} file(s)" in out, out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["validate", "-i", str(inventory), "-p", str(empty)]) == 1
    assert "no playbook files (*.yaml, *.yml) in this folder" in capsys.readouterr().err


def test_lab_list_names_every_shipped_scenario_with_its_hosts(capsys: pytest.CaptureFixture[str]) -> None:
    from remediate.lab.fleet import load_scenario, scenario_names

    assert main(["lab", "list", "--format", "tsv"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["scenario", "hosts", "routers", "description"]
    by_name: dict[str, Any] = {r[0]: r for r in rows[1:]}
    assert sorted(by_name) == scenario_names()
    for name, row in by_name.items():
        assert int(row[1]) == len(load_scenario(name).hosts) and row[3]


def test_lab_serve_help_names_the_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    from remediate.lab.fleet import scenario_names

    assert main(["lab", "serve", "--help"]) == 0
    text = re.sub(r"\s+", " ", capsys.readouterr().out)
    assert all(name in text for name in scenario_names()) and "remediate lab list" in text


def test_readme_says_what_an_interrupt_does_and_how_to_resume() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    sentence = next(s for s in re.split(r"(?<=\.)\s", " ".join(readme.split())) if "Ctrl-C" in s)
    assert "exits 130" in sentence and "--resume RUN_ID" in sentence and "interrupted" in sentence
