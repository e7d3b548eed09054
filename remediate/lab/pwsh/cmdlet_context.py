"""What a running cmdlet gets (clr.CmdletContext) and how its non-terminating errors are handled
(about_CommonParameters, about_Preference_Variables).

A cmdlet's non-terminating error (ctx.write_error) follows -ErrorAction or `$ErrorActionPreference`: Stop makes it
terminating (PowerShell 2.0 wraps it in ActionPreferenceStopException whose ErrorRecord is the cmdlet's; 3.0 and
later throw the cmdlet's record itself), Continue writes it to the error stream, SilentlyContinue only records it
in `$Error` and -ErrorVariable, Ignore (3.0) not even that.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.pwsh import ops_bridge as ops
from remediate.lab.pwsh.errors import PSError
from remediate.lab.pwsh.parse import Pos
from remediate.lab.windows import clr
from remediate.lab.windows.psexceptions import ActionPreferenceStopException


def command_type_name(cmdlet: clr.Cmdlet) -> str:
    """The .NET class PowerShell names in a cmdlet's FullyQualifiedErrorId (GetServiceCommand, ...)."""
    verb, _, noun = cmdlet.name.partition("-")
    if cmdlet.module.startswith("Microsoft.PowerShell"):
        return f"Microsoft.PowerShell.Commands.{verb}{noun}Command"
    return f"{cmdlet.module}.{verb}{noun}Command" if cmdlet.module else f"{verb}{noun}Command"


class CmdletContext:
    """clr.CmdletContext for one cmdlet invocation."""

    def __init__(self, scope: Any, cmdlet: clr.Cmdlet, common: dict[str, Any], pos: Pos) -> None:
        self.scope = scope
        self.rt = scope
        self.machine = scope.session.machine
        self.ps_version = scope.session.ps_version
        self.cmdlet = cmdlet
        self.common = common
        self.pos = pos
        self.failed = False
        variable = common.get("ErrorVariable")
        if variable is not None:  # -ErrorVariable name resets it; +name appends (about_CommonParameters)
            if variable.startswith("+"):
                if not isinstance(scope.get(variable[1:], None), list):
                    scope.set(variable[1:], clr.ArrayList())
            else:
                scope.set(variable, clr.ArrayList())

    def write_error(self, record: clr.ErrorRecord) -> None:
        self.failed = True
        stamp(record, self.cmdlet, self.pos)
        handle_nonterminating(self.scope, record, self.common)

    def write_warning(self, message: str) -> None:
        if preference(self.scope, self.common.get("WarningAction"), "WarningPreference") not in (
                "silentlycontinue", "ignore"):
            self.scope.session.host_write("WARNING: " + message, error=False)


def stamp(record: clr.ErrorRecord, cmdlet: clr.Cmdlet | None, pos: Pos) -> None:
    if cmdlet is not None:
        record.command = record.command or cmdlet.name
        record.command_type = command_type_name(cmdlet)  # type: ignore[attr-defined]
    if getattr(record, "invocation", None) is None:
        record.invocation = pos  # type: ignore[attr-defined]


def preference(scope: Any, given: Any, variable: str) -> str:
    value = given if given is not None else scope.get(variable, "Continue")
    text = ops.to_string(value, scope).casefold()
    return text


def handle_nonterminating(scope: Any, record: clr.ErrorRecord, common: dict[str, Any]) -> None:
    session = scope.session
    session.last_ok = False
    action = preference(scope, common.get("ErrorAction"), "ErrorActionPreference")
    variable = common.get("ErrorVariable")
    if variable is not None:
        listing = scope.get(variable.lstrip("+"), None)
        if isinstance(listing, list):
            listing.append(record)
    if action == "ignore":
        return
    session.record_error(record)
    if action == "stop":
        if session.ps_version < 3:
            message = ('Command execution stopped because the preference variable "ErrorActionPreference" or '
                       f'common parameter is set to Stop: {clr.to_str(getattr(record.exception, "Message", ""))}')
            exception = ActionPreferenceStopException(message, error_id="ActionPreferenceStop")
            exception.error_record = record  # type: ignore[attr-defined]
            wrapped = clr.ErrorRecord(exception, "ActionPreferenceStop", "OperationStopped", None, record.command)
            wrapped.invocation = getattr(record, "invocation", None)  # type: ignore[attr-defined]
            raise PSError(wrapped)
        raise PSError(record)
    if action in ("continue", "inquire"):
        session.write_error_stream(record)
