"""A PowerShell session on one simulated machine: the entry point of the interpreter.

    result = Session(machine).run_script(text, input_lines=[...], args=[...])
    result.output (objects written to the pipeline), result.errors (ErrorRecords of $Error, oldest first),
    result.exit_code, result.stdout / result.stderr (what the process printed: the output in PowerShell's default format and
    [Console]::Out, in the order written; the error stream)

`machine` is a remediate.lab.windows.machine.Machine; the session runs in its PowerShell version (2 or 5) and
with `strict` as the initial strict-mode version (0 = off). The script text is parsed and compiled once per
process (`program`), whatever the session. Every statement run is recorded in `coverage.RECORDER` under the
script text's key (`coverage.script_key(text)`), whichever way the text ran (a file, [ScriptBlock]::Create). The `.ps1` text runs in the global scope, as `powershell.exe -Command`
runs it; `input_lines` are `$input` (powershell.exe's standard input).
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from typing import Any

from remediate.lab.pwsh import commands, records
from remediate.lab.pwsh.cmdlet_context import preference
# The compile_* modules register the node kinds they implement (registry.EXPR / registry.STMT) when imported.
from remediate.lab.pwsh import (compile_access, compile_assign, compile_cmd, compile_expr, compile_stmt,
                                compile_switch, strings)
from remediate.lab.pwsh.errors import ExitSignal, NotImplementedConstruct, PSError
from remediate.lab.pwsh.formatting import format_objects
from remediate.lab.pwsh.functions import Code, bind_and_run, compile_code
from remediate.lab.pwsh.parse import Pos, parse
from remediate.lab.pwsh.registry import Unit, compile_stmt as compile_statement
from remediate.lab.pwsh.scope import Scope
from remediate.lab.pwsh.windows_loader import load_all
from remediate.lab.windows import clr, envvars

COMPILERS = (compile_access, compile_assign, compile_cmd, compile_expr, compile_stmt, compile_switch, strings)
_PROGRAMS: dict[tuple[str, str], tuple[Unit, Any]] = {}


def program(text: str, file: str = "<script>") -> tuple[Unit, Code]:
    """(unit, code) for a script text (its param block, if any, and its statements): compiled once per process."""
    key = (text, file)
    found = _PROGRAMS.get(key)
    if found is None:
        tree = parse(text, file)
        unit = Unit(text, file)
        root = tree.root_node
        param_block = next((c for c in root.named_children if c.type == "param_block"), None)
        code = compile_code(unit, param_block, None, file)
        body = next((c for c in root.named_children if c.type == "statement_list"), None)
        code.body = compile_statement(unit, body) if body is not None else (lambda scope, out: None)
        others = [c for c in root.named_children if c.type not in ("statement_list", "param_block", "comment")]
        if others:
            code.body = unit.refuse(others[0], f"the top-level node kind '{others[0].type}'")
        found = _PROGRAMS[key] = (unit, code)
    return found


def refused_constructs(text: str, file: str = "<script>") -> list[NotImplementedConstruct]:
    """Every construct of the text that the interpreter would refuse if it ran (for tests on the agent)."""
    return list(program(text, file)[0].refused)


@dataclass
class Result:
    output: list
    errors: list
    exit_code: int
    stdout: str
    stderr: str
    uncaught: clr.ErrorRecord | None = None


class Session:
    def __init__(self, machine: Any, ps_version: int | None = None, strict: int = 0) -> None:
        load_all()
        # A PowerShell call is ~20 Python frames of closures: 100 nested calls (PowerShell's limit) need more
        # than Python's default 1000 (pure-Python frames; no C stack on 3.11+).
        if sys.getrecursionlimit() < 20000:
            sys.setrecursionlimit(20000)
        self.machine = machine
        self.ps_version = ps_version or getattr(machine, "ps_version", 5)
        # Type literals are cached per (PowerShell version, .NET Framework): what a host can find.
        self.framework_key = (self.ps_version, str(getattr(machine, "framework", "4.7.2")))
        # Called as on_function_call(name, bound values) when a script function starts (the lab logs ops and
        # injects faults with it: a .NET exception it raises is thrown at the start of the function body).
        self.on_function_call: Any = None
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()
        self.global_scope = Scope(self)
        self.global_scope.strict_level = strict
        self.pos: Pos | None = None
        self.try_depth = 0
        self.in_catch = 0
        self.depth = 0
        self.last_ok = True
        self.error_list = clr.ArrayList()
        g = self.global_scope.vars
        g["error"] = self.error_list
        g["erroractionpreference"] = "Continue"
        g["warningpreference"] = "Continue"
        g["psversiontable"] = _version_table(self)
        g["pshome"] = r"C:\WINDOWS\system32\WindowsPowerShell\v1.0"

    # ---- what the compiled code calls ------------------------------------------------------------------------

    def statement_error(self, scope: Scope, error: PSError) -> None:
        """A terminating error reached a statement list: rethrow it or report it and go on (module docstring of
        compile_stmt)."""
        if error.script_terminating or self.try_depth > 0:
            raise error
        action = preference(scope, None, "ErrorActionPreference")
        if action == "stop":
            raise error
        self.record_error(error.record)
        if action not in ("silentlycontinue", "ignore"):
            self.write_error_stream(error.record)
        self.last_ok = False

    def record_error(self, record: clr.ErrorRecord) -> None:
        if not any(r is record for r in self.error_list):
            self.error_list.insert(0, record)

    def write_error_stream(self, record: clr.ErrorRecord) -> None:
        self.stderr.write(format_error(record) + "\r\n")

    def host_write(self, text: str, newline: bool = True, error: bool = False) -> None:
        (self.stderr if error else self.stdout).write(text + ("\r\n" if newline else ""))

    def environment_variable(self, name: str) -> Any:
        """`$env:NAME`: the host's process environment (an unset name is $null, strict mode or not)."""
        return envvars.lookup(self.machine, name)

    def resolve_command(self, scope: Scope, name: str) -> Any:
        return commands.resolve(scope, name)

    def compile_script_block(self, text: str) -> Any:
        """[ScriptBlock]::Create(text): the text compiled (once per process) into a ScriptBlock."""
        from remediate.lab.pwsh.objects import ScriptBlock
        _, code = program(text, "<ScriptBlock>")
        return ScriptBlock(code, text)

    # ---- running ---------------------------------------------------------------------------------------------

    def run_script(self, text: str, input_lines: list[str] | None = None, args: list | None = None,
                   file: str = "<script>") -> Result:
        _, code = program(text, file)
        scope = self.global_scope
        if input_lines is not None:
            scope.vars["input"] = list(input_lines)
        out = _OutDefault(self)
        exit_code = 0
        uncaught = None
        try:
            bind_and_run(code, scope, [(None, a, True) for a in args or []], None, dot=True, out=out)
            exit_code = 0  # as powershell.exe -File: 0 unless `exit N` or an uncaught error
        except ExitSignal as signal:
            exit_code = signal.code
        except PSError as error:
            uncaught = error.record
            self.record_error(error.record)
            self.write_error_stream(error.record)
            exit_code = 1
        return Result(out, list(reversed(self.error_list)), exit_code, self.stdout.getvalue(),
                      self.stderr.getvalue(), uncaught)


class _OutDefault(list):
    """The top level's output: kept as objects (Result.output) and, as powershell.exe's host does (Out-Default),
    written to stdout in PowerShell's default format as it is produced, between what [Console]::Out writes."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self._session = session

    def append(self, value: Any) -> None:
        super().append(value)
        self._session.stdout.write(format_objects([value], self._session.global_scope).replace("\n", "\r\n"))

    def extend(self, values: Any) -> None:
        for value in list(values):
            self.append(value)


def format_error(record: clr.ErrorRecord) -> str:
    """An error record as the 2.0 console host prints it (message, position, CategoryInfo, FullyQualifiedErrorId)."""
    message = clr.to_str(getattr(record.exception, "Message", record.exception))
    head = f"{record.command} : {message}" if record.command else message
    pos = getattr(record, "invocation", None)
    lines = [head]
    if pos is not None:
        lines.append(pos.position_message())
    lines.append(f"    + CategoryInfo          : {records.ErrorCategoryInfo(record).ToString()}")
    lines.append(f"    + FullyQualifiedErrorId : {records.fully_qualified_id(record)}")
    return "\r\n".join(lines)


class _Version(clr.DotNetObject):
    TYPE_NAME = "System.Version"

    def __init__(self, text: str) -> None:
        parts = [int(p) for p in text.split(".")]
        self.Major, self.Minor = parts[0], parts[1] if len(parts) > 1 else 0
        self.Build = parts[2] if len(parts) > 2 else -1
        self.Revision = parts[3] if len(parts) > 3 else -1
        self._text = text

    def ToString(self) -> str:  # noqa: N802
        return self._text


def _version_table(session: Session) -> clr.Hashtable:
    """$PSVersionTable: PSVersion, CLRVersion, BuildVersion as the host's PowerShell reports them."""
    facts = getattr(session.machine, "facts", {}) or {}
    version = str(facts.get("ps_version") or ("2.0" if session.ps_version < 3 else "5.1"))
    version_class = clr.TYPES.get("system.version")
    make = (lambda t: version_class.new(session.global_scope, t)) if isinstance(version_class, type) and \
        hasattr(version_class, "new") else _Version
    return clr.Hashtable([("PSVersion", make(version)), ("PSRemotingProtocolVersion", make("2.0")),
                          ("SerializationVersion", make("1.1.0.1"))])

