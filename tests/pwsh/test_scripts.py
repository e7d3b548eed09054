"""Table-driven interpreter tests: every tests/pwsh/scripts/NAME.ps1 runs under the interpreter (as
`python -m remediate.lab.pwsh` would) and its output must equal NAME.out.

A script's first lines MAY say `# platform: win2019-ex2019` (default win2003-ex2003: PowerShell 2.0) and
`# strict: 2` (the initial Set-StrictMode version). The expected output is what the console shows on stdout; when
the script ends with a non-zero exit code, `exit N` follows, then the first line of the uncaught error's record.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from remediate.lab.pwsh.labhost import make_machine
from remediate.lab.pwsh.session import Session

SCRIPTS = Path(__file__).parent / "scripts"


def run(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    platform = re.search(r"^# platform: (\S+)", text, re.M)
    strict = re.search(r"^# strict: (\d)", text, re.M)
    session = Session(make_machine(platform[1] if platform else "win2003-ex2003"),
                      strict=int(strict[1]) if strict else 0)
    result = session.run_script(text, file=path.name)
    shown = result.stdout.replace("\r\n", "\n")
    if result.exit_code:
        first = result.stderr.replace("\r\n", "\n").split("\n", 1)[0]
        shown += f"exit {result.exit_code}\n{first}\n"
    return shown


@pytest.mark.parametrize("name", sorted(p.stem for p in SCRIPTS.glob("*.ps1")))
def test_script(name: str) -> None:
    expected = (SCRIPTS / f"{name}.out").read_text(encoding="utf-8")
    assert run(SCRIPTS / f"{name}.ps1") == expected
