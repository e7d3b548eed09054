"""Facts have sources, and the sources are in the repository: playbooks, docs and code cite sources (KB numbers,
vendor documents) and the project's own docs/reference/, never a file outside the repository that users do not get.

The event-4006 write-up the catalog started from is docs/reference/event-4006-causes.md; the settings behind each
cause, with their sources, are docs/reference/exchange-4006-settings.md. Both number the causes the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from remediate.assets import asset_dir
from remediate.playbook import load_catalog

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "docs" / "reference"
SHIPPED = ["README.md", "inventory.example.yaml", "pyproject.toml", "setup.py", "remediate", "playbooks", "templates",
           "docs", "examples", "bench", "tests"]
TEXT = {".py", ".md", ".yaml", ".yml", ".toml", ".j2", ".ps1", ".html", ".txt", ".json", ".cfg"}
# Paths of a development machine that a user's clone does not have.
OUTSIDE = re.compile(r"shared/reference|shared/seed|/work/|DESIGN\.md|seed/event-4006")
CITED = re.compile(r"docs/reference/([A-Za-z0-9_.-]+\.md)(?:,? case (\d+))?")


def _files() -> list[Path]:
    out: list[Path] = []
    for name in SHIPPED:
        path = REPO / name
        if path.is_file():
            out.append(path)
        elif path.is_dir():
            out += [p for p in path.rglob("*") if p.is_file() and p.suffix in TEXT and ".egg-info" not in str(p)
                    and "__pycache__" not in p.parts and p != Path(__file__).resolve()]
    return sorted(out)


def test_nothing_cites_a_file_outside_the_repository():
    found = []
    for path in _files():
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not found, "cites a file users do not have:\n" + "\n".join(found)


def _cases(doc: str) -> set[str]:
    return set(re.findall(r"^## Case (\d+)\b", (REFERENCE / doc).read_text(encoding="utf-8"), re.MULTILINE))


def test_every_cited_reference_and_case_exists():
    missing = []
    for path in _files():
        text = " ".join(path.read_text(encoding="utf-8", errors="replace").split())  # citations wrap across lines
        for doc, case in CITED.findall(text):
            if not (REFERENCE / doc).is_file():
                missing.append(f"{path.relative_to(REPO)}: docs/reference/{doc} does not exist")
            elif case and case not in _cases(doc):
                missing.append(f"{path.relative_to(REPO)}: docs/reference/{doc} has no case {case}")
    assert not missing, "\n".join(missing)


def test_both_reference_files_number_the_ten_causes_alike():
    expected = {str(n) for n in range(1, 11)}
    assert _cases("event-4006-causes.md") == expected
    assert _cases("exchange-4006-settings.md") == expected


@pytest.mark.parametrize("rule", load_catalog([asset_dir("playbooks") / "event-4006.yaml"]).rules,
                         ids=lambda r: r.id)
def test_a_rule_citing_the_write_up_names_its_file_and_case(rule):
    source = " ".join(str(rule.data.get("source", "")).split())
    assert "write-up" not in source, f"{rule.file}:{rule.line}: cite docs/reference/event-4006-causes.md case N"
