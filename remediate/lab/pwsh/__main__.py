"""`python -m remediate.lab.pwsh --platform win2003-ex2003 FILE.ps1 [ARGS...]`: runs a script under the interpreter
on a lab host of that platform (its default state) and prints its output as PowerShell's console would; an uncaught
error prints its error record on stderr and exits 1 (as powershell.exe -File does)."""

from __future__ import annotations

import argparse
import sys

from remediate.lab.pwsh.errors import NotImplementedConstruct
from remediate.lab.pwsh.labhost import make_machine
from remediate.lab.pwsh.session import Session


def main(argv: list[str] | None = None) -> int:
    from remediate.lab.platforms import PLATFORMS
    parser = argparse.ArgumentParser(prog="python -m remediate.lab.pwsh", description=__doc__)
    parser.add_argument("--platform", default="win2003-ex2003", choices=sorted(PLATFORMS))
    parser.add_argument("--strict", type=int, default=0, help="initial Set-StrictMode version (0: off)")
    parser.add_argument("file")
    parser.add_argument("args", nargs="*")
    options = parser.parse_args(argv)
    with open(options.file, encoding="utf-8-sig") as handle:
        text = handle.read()
    session = Session(make_machine(options.platform), strict=options.strict)
    try:
        result = session.run_script(text, args=list(options.args), file=options.file)
    except NotImplementedConstruct as refusal:
        sys.stderr.write(f"{refusal}\n")
        return 2
    sys.stdout.write(result.stdout.replace("\r\n", "\n"))
    sys.stderr.write(result.stderr.replace("\r\n", "\n"))
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
