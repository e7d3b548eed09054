"""The agent's coverage in the test suite (issue 18, item 5): which lines of the rendered agent the lab's
interpreter ran, over every test process (pytest-xdist workers hand theirs to the controller through files).

Any construct the lab refused while running a script (`remediate.lab.host.REFUSALS`) fails the run. A run of the
whole suite (no -k, -m or selection of files other than the e2e folder or the whole tests folder)
fails below `MINIMUM` percent of the agent's executable lines; any run prints the figure. Lines that no lab host can
reach are listed with the reason in `UNREACHABLE` (by the agent function that holds them); others not run are listed
as such, so a gap is seen, not averaged away.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

from remediate import agent
from remediate.lab.host import REFUSALS
from remediate.lab.pwsh import coverage

MINIMUM = 90.0
_DIR_ENV = "REMEDIATE_AGENT_COVERAGE_DIR"

# Agent function -> why no lab host runs it (the paths of a real host that the lab does not model as reachable).
UNREACHABLE: dict[str, str] = {}

_FUNCTION = re.compile(r"^function\s+([A-Za-z]+-[A-Za-z]+)", re.IGNORECASE)


def _function_of_lines(text: str) -> dict[int, str]:
    owner, current = {}, "(top level)"
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FUNCTION.match(line)
        if match:
            current = match.group(1)
        elif line.startswith("}"):
            owner[number] = current
            current = "(top level)"
            continue
        owner[number] = current
    return owner


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and _DIR_ENV not in os.environ:
        os.environ[_DIR_ENV] = tempfile.mkdtemp(prefix="agent-coverage-")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Names the test during which the lab refused something (labs in this process; not those in a process of
    their own)."""
    before = len(REFUSALS)
    yield
    for index in range(before, len(REFUSALS)):
        REFUSALS[index] = f"{REFUSALS[index]} [during {item.nodeid}]"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    folder = Path(os.environ.get(_DIR_ENV, ""))
    worker = getattr(session.config, "workerinput", None)
    if worker is not None:
        if folder.is_dir():
            coverage.RECORDER.dump(folder / f"{worker['workerid']}.json")
            (folder / f"{worker['workerid']}.refusals").write_text("\n".join(REFUSALS), encoding="utf-8")
        return
    if folder.is_dir():
        coverage.RECORDER.load(sorted(folder.glob("*.json")))
        for path in sorted(folder.glob("*.refusals")):
            REFUSALS.extend(line for line in path.read_text(encoding="utf-8").splitlines() if line)
    session.config._lab_refusals = sorted(set(REFUSALS))  # type: ignore[attr-defined]
    if REFUSALS and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    text = agent.render_script()
    # Commands carry the agent assembled for their request (remediate/agent.py script_for): their lines count
    # for the whole agent's, mapped line by line.
    parts = [t for t in coverage.RECORDER.texts().values() if t != text and agent.is_genuine_script(t)]
    result = coverage.coverage_of(text, parts=parts)
    session.config._agent_coverage = result  # type: ignore[attr-defined]
    if _whole_suite(session.config) and result.executed and result.percent < MINIMUM and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _whole_suite(config: pytest.Config) -> bool:
    if config.option.keyword or config.option.markexpr or getattr(config.option, "lf", False):
        return False
    root = Path(config.rootpath)
    args = [Path(a.split("::")[0]).resolve() for a in config.args]
    return all(a in (root, root / "tests", root / "tests" / "e2e") for a in args)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    write = terminalreporter.write_line
    for refusal in getattr(config, "_lab_refusals", []):
        write(f"FAILED: the lab refused what the agent ran: {refusal}")
    result = getattr(config, "_agent_coverage", None)
    if result is None or not result.executed:
        return
    write(f"agent coverage: {result.percent:.1f}% of {len(result.executable)} executable lines of the rendered "
          f"agent ran under the lab's interpreter (minimum {MINIMUM:.0f}% for the whole suite)")
    owners = _function_of_lines(agent.render_script())
    missing: dict[str, list[int]] = {}
    for line in result.missing:
        missing.setdefault(owners.get(line, "(top level)"), []).append(line)
    for function, lines in sorted(missing.items()):
        reason = UNREACHABLE.get(function, "not run by any test")
        write(f"  not run: {function} lines {_ranges(lines)}: {reason}")
    if _whole_suite(config) and result.percent < MINIMUM:
        write(f"FAILED: agent coverage {result.percent:.1f}% is below {MINIMUM:.0f}%")


def _ranges(lines: list[int]) -> str:
    out, start, prev = [], lines[0], lines[0]
    for line in lines[1:] + [None]:  # type: ignore[list-item]
        if line is not None and line == prev + 1:
            prev = line
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if line is not None:
            start = prev = line
    return ", ".join(out)
