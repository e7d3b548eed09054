"""ErrorRecords as scripts see them (`$_` in catch, `$Error`, `-ErrorVariable`) and how exceptions become them.

ErrorRecord members (https://learn.microsoft.com/dotnet/api/system.management.automation.errorrecord): Exception,
FullyQualifiedErrorId ("id" or "id,Command.Type.Name"), CategoryInfo (ErrorCategoryInfo), InvocationInfo
(PositionMessage, ScriptLineNumber, OffsetInLine, Line, ScriptName), TargetObject, ErrorDetails; ToString() is
the exception's message.

`throw` (lang-spec 8.5.3; PowerShell's ExceptionHandlingOps.ConvertToException): an ErrorRecord is rethrown as
is; an exception becomes a record whose FullyQualifiedErrorId is the exception's message, category
OperationStopped; any other value becomes a RuntimeException with that value as message and target ($null:
"ScriptHalted").
"""

from __future__ import annotations

from typing import Any

from remediate.lab.pwsh.errors import PSError
from remediate.lab.pwsh.parse import Pos
from remediate.lab.windows import clr
from remediate.lab.windows.psexceptions import RuntimeException

_CATEGORIES = {
    "VariableIsUndefined": "InvalidOperation", "PropertyNotFoundStrict": "InvalidOperation",
    "MethodNotFound": "InvalidOperation", "InvokeMethodOnNull": "InvalidOperation", "NullArray": "InvalidOperation",
    "CommandNotFoundException": "ObjectNotFound", "DotNetMethodException": "NotSpecified",
    "InvalidCastException": "InvalidArgument", "ParameterArgumentTransformationError": "InvalidData",
    "NamedParameterNotFound": "InvalidArgument", "PositionalParameterNotFound": "InvalidArgument",
    "MissingArgument": "InvalidArgument", "ParameterArgumentValidationError": "InvalidData",
}


def from_exception(exc: BaseException, pos: Pos | None, command: str = "") -> clr.ErrorRecord:
    """The record of an exception raised while evaluating (not by `throw`)."""
    record = getattr(exc, "error_record", None)
    if isinstance(record, clr.ErrorRecord):
        return record
    error_id = getattr(exc, "error_id", None) or type(exc).__name__
    category = _CATEGORIES.get(error_id, "NotSpecified")
    record = clr.ErrorRecord(exc, error_id, category, None, command)
    record.invocation = pos  # type: ignore[attr-defined]
    return record


def thrown(value: Any, pos: Pos) -> PSError:
    """What `throw value` raises (script-terminating)."""
    if isinstance(value, clr.ErrorRecord):
        return PSError(value, script_terminating=True)
    if isinstance(value, BaseException):
        if isinstance(value, RuntimeException) and getattr(value, "error_record", None) is not None:
            return PSError(value.error_record, script_terminating=True)
        record = clr.ErrorRecord(value, clr.to_str(getattr(value, "Message", value)), "OperationStopped", None)
    else:
        message = "ScriptHalted" if value is None else clr.to_str(value)
        exception = RuntimeException(message, error_id=message)
        record = clr.ErrorRecord(exception, message, "OperationStopped", value)
    record.invocation = pos  # type: ignore[attr-defined]
    return PSError(record, script_terminating=True)


def fully_qualified_id(record: clr.ErrorRecord) -> str:
    command_type = getattr(record, "command_type", "")
    return f"{record.error_id},{command_type}" if command_type else record.error_id


class InvocationInfo(clr.DotNetObject):
    TYPE_NAME = "System.Management.Automation.InvocationInfo"

    def __init__(self, pos: Pos | None, command: str = "") -> None:
        self._pos = pos
        self._command = command

    @property
    def PositionMessage(self) -> str:  # noqa: N802
        return self._pos.position_message() if self._pos else ""

    @property
    def ScriptLineNumber(self) -> int:  # noqa: N802
        return self._pos.line if self._pos else 0

    @property
    def OffsetInLine(self) -> int:  # noqa: N802
        return self._pos.column if self._pos else 0

    @property
    def Line(self) -> str:  # noqa: N802
        return self._pos.source if self._pos else ""

    @property
    def ScriptName(self) -> str:  # noqa: N802
        return "" if self._pos is None or self._pos.file.startswith("<") else self._pos.file

    @property
    def InvocationName(self) -> str:  # noqa: N802
        return self._command


class ErrorCategoryInfo(clr.DotNetObject):
    TYPE_NAME = "System.Management.Automation.ErrorCategoryInfo"

    def __init__(self, record: clr.ErrorRecord) -> None:
        self._record = record

    @property
    def Category(self) -> str:  # noqa: N802
        return self._record.category

    @property
    def Reason(self) -> str:  # noqa: N802
        return type(self._record.exception).__name__

    @property
    def TargetName(self) -> str:  # noqa: N802
        return "" if self._record.target is None else clr.to_str(self._record.target)

    @property
    def Activity(self) -> str:  # noqa: N802
        return self._record.command

    def ToString(self) -> str:  # noqa: N802
        target = self.TargetName
        target_type = type(self._record.target).__name__ if self._record.target is not None else ""
        return f"{self.Category}: ({target}:{target_type}) [{self.Activity}], {self.Reason}"


class ErrorRecordAdapter:
    """clr.ADAPTERS[clr.ErrorRecord]: the members PowerShell's ErrorRecord has."""

    @clr.adapter_property
    def Exception(record: clr.ErrorRecord) -> Any:  # noqa: N802,N805
        return record.exception

    @clr.adapter_property
    def FullyQualifiedErrorId(record: clr.ErrorRecord) -> str:  # noqa: N802,N805
        return fully_qualified_id(record)

    @clr.adapter_property
    def CategoryInfo(record: clr.ErrorRecord) -> ErrorCategoryInfo:  # noqa: N802,N805
        return ErrorCategoryInfo(record)

    @clr.adapter_property
    def InvocationInfo(record: clr.ErrorRecord) -> InvocationInfo:  # noqa: N802,N805
        return InvocationInfo(getattr(record, "invocation", None), record.command)

    @clr.adapter_property
    def TargetObject(record: clr.ErrorRecord) -> Any:  # noqa: N802,N805
        return record.target

    @clr.adapter_property
    def ErrorDetails(record: clr.ErrorRecord) -> Any:  # noqa: N802,N805
        return None

    def ToString(record: clr.ErrorRecord) -> str:  # noqa: N802,N805
        return clr.to_str(getattr(record.exception, "Message", record.exception))


clr.ADAPTERS[clr.ErrorRecord] = ErrorRecordAdapter
