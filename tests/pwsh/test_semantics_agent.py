"""Every literal regular expression, wildcard and format string of the rendered agent goes through the semantic
functions: a .NET construct the lab cannot translate fails here, not in the middle of an e2e run."""

from __future__ import annotations

import re

import pytest

from remediate.agent import render_script
from remediate.lab.pwsh.format_op import format_operator
from remediate.lab.pwsh.patterns import like, match, replace, split
from remediate.lab.windows.netregex import compile_net

SCRIPT = render_script()
_QUOTED = r"'((?:[^']|'')*)'"


def _literals(operator: str) -> list[str]:
    found = re.findall(rf"(?i)-{operator}\s+{_QUOTED}", SCRIPT)
    return sorted({text.replace("''", "'") for text in found})


def _static_regex_literals() -> list[str]:
    found = re.findall(rf"(?i)\[regex\]::(?:Match|Matches|Replace|IsMatch|Split)\([^,]+,\s*{_QUOTED}", SCRIPT)
    found += re.findall(rf"(?i)\[regex\]{_QUOTED}", SCRIPT)
    found += re.findall(rf"(?im)^\s*return\s+{_QUOTED}\s*$", SCRIPT)  # pattern-returning helpers
    return sorted({text.replace("''", "'") for text in found if "\\" in text or "^" in text})


MATCH_PATTERNS = _literals("[ci]?(?:not)?match")
REGEXES = _static_regex_literals()


def test_the_agent_has_patterns_to_check() -> None:
    assert len(MATCH_PATTERNS) >= 15


@pytest.mark.parametrize("pattern", MATCH_PATTERNS)
def test_every_match_pattern_of_the_agent_translates(pattern: str) -> None:
    match("probe text", pattern, case_sensitive=True)
    match("probe text", pattern)


@pytest.mark.parametrize("pattern", REGEXES)
def test_every_regex_literal_of_the_agent_translates(pattern: str) -> None:
    compile_net(pattern)
    compile_net(pattern, 1)


def test_every_wildcard_replace_and_split_literal_of_the_agent_translates() -> None:
    # the agent has none of these today (it avoids wildcards on purpose); any it gains must translate
    for pattern in _literals("[ci]?(?:not)?like"):
        like("probe", pattern)
    for pattern in _literals("[ci]?replace"):
        replace("probe", [pattern, ""])
    for pattern in _literals("[ci]?split"):
        split("probe", pattern)


FORMATS = sorted({text.replace("''", "'") for text in re.findall(rf"{_QUOTED}\s+-f\s", SCRIPT)} |
                 {text for text in re.findall(r'"((?:[^"`$]|``)*)"\s+-f\s', SCRIPT)})


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_string_of_the_agent_renders(fmt: str) -> None:
    count = len(set(re.findall(r"\{(\d+)", fmt)))
    assert count >= 1
    text = format_operator(fmt, [65] * count)
    assert "{" not in text.replace("{{", "") or "{{" in fmt
