"""The interpreter's own exceptions: loud refusals, PowerShell's errors as they travel, and flow control.

- `NotImplementedConstruct`: the interpreter met something it does not implement (a node kind, an operator, a
  cmdlet parameter form). It names the file, line and construct and is never caught by a script's try/catch,
  because it is not something PowerShell would do.
- `PSError`: a terminating error carrying its ErrorRecord (what `catch` binds to `$_`). `script_terminating` is
  set by `throw` (and by errors that PowerShell treats as script-terminating); other terminating errors are
  statement-terminating: outside any try/trap, with `$ErrorActionPreference` not 'Stop', PowerShell writes them to
  the error stream and carries on with the next statement (about_Throw, about_Try_Catch_Finally).
- Break/Continue/Return/Exit: flow control as Python exceptions (they cross function calls as PowerShell's do).
"""

from __future__ import annotations

from typing import Any

from remediate.lab.windows import clr


class NotImplementedConstruct(Exception):
    def __init__(self, construct: str, file: str = "<script>", line: int = 0, text: str = "") -> None:
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: the lab's PowerShell interpreter does not implement {construct}"
                         + (f": {text.strip()[:120]}" if text else ""))
        self.construct = construct
        self.file = file
        self.line = line


class PSError(Exception):
    """A terminating error: `record` is the clr.ErrorRecord that `catch` sees as `$_`."""

    def __init__(self, record: clr.ErrorRecord, script_terminating: bool = False) -> None:
        super().__init__(str(getattr(record.exception, "Message", record.exception)))
        self.record = record
        self.script_terminating = script_terminating


class FlowSignal(Exception):
    """Base of break/continue/return/exit: not errors, never caught by catch blocks."""


class BreakSignal(FlowSignal):
    def __init__(self, label: str | None = None) -> None:
        super().__init__(label)
        self.label = label


class ContinueSignal(FlowSignal):
    def __init__(self, label: str | None = None) -> None:
        super().__init__(label)
        self.label = label


class ReturnSignal(FlowSignal):
    pass


class ExitSignal(FlowSignal):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def exception_message(exc: Any) -> str:
    return str(getattr(exc, "Message", None) or exc)
