"""The exception types of System.Management.Automation (PowerShell's engine) that the lab's interpreter raises.

They are .NET types like the others in `clr`, declared with the hierarchy Microsoft documents for them, so that a
typed `catch [System.Management.Automation.RuntimeException]` or `-is [System.InvalidCastException]` sees what it
would on Windows:

- RuntimeException: https://learn.microsoft.com/dotnet/api/system.management.automation.runtimeexception
  (base of the script-level errors; `ErrorRecord.FullyQualifiedErrorId` is its `error_id`)
- PSInvalidCastException: https://learn.microsoft.com/dotnet/api/system.management.automation.psinvalidcastexception
  (derives from System.InvalidCastException, not from RuntimeException)
- ParseException / IncompleteParseException, MethodException / MethodInvocationException,
  ParameterBindingException, ActionPreferenceStopException, CommandNotFoundException, PipelineStoppedException,
  WildcardPatternException, PSArgumentException, PSInvalidOperationException, PSNotSupportedException,
  ItemNotFoundException: the pages of the same names under system.management.automation.

`error_id` is the first part of the FullyQualifiedErrorId PowerShell gives the record (for example
"InvalidCastFromStringToInteger"); the interpreter puts it into the ErrorRecord it builds.
"""

from __future__ import annotations

from typing import ClassVar

from remediate.lab.windows import clr


class _WithErrorId:
    """Mixin: PowerShell's exceptions carry the error id of the ErrorRecord they become (IContainsErrorRecord)."""

    DEFAULT_ERROR_ID: ClassVar[str] = ""

    def _set_error_id(self, error_id: str | None) -> None:
        self.error_id = error_id or self.DEFAULT_ERROR_ID or type(self).__name__


def _declare(name: str, base: type[clr.DotNetException], default: str | None = None,
             error_id: str = "") -> type[clr.DotNetException]:
    """Declares and registers an engine exception whose constructor also takes `error_id`."""

    def __init__(self, message: str | None = None, inner: BaseException | None = None,  # noqa: N807
                 error_id: str | None = None) -> None:
        base.__init__(self, message, inner)
        self._set_error_id(error_id)

    attributes = {"TYPE_NAME": name, "DEFAULT_ERROR_ID": error_id, "__init__": __init__}
    if default is not None:
        attributes["default_message"] = classmethod(lambda cls: default)
    bases = (base,) if issubclass(base, _WithErrorId) else (base, _WithErrorId)
    return clr.register(type(name.rsplit(".", 1)[-1], bases, attributes))


SMA = "System.Management.Automation."

InvalidCastException = clr.TYPES.get("system.invalidcastexception") or clr.exception_type(
    "System.InvalidCastException", clr.SystemException, "Specified cast is not valid.")
DivideByZeroException = clr.TYPES.get("system.dividebyzeroexception") or clr.exception_type(
    "System.DivideByZeroException", clr.ArithmeticException, "Attempted to divide by zero.")

RuntimeException = _declare(SMA + "RuntimeException", clr.SystemException)
PSInvalidCastException = _declare(SMA + "PSInvalidCastException", InvalidCastException,
                                  error_id="InvalidCastException")
PSArgumentException = _declare(SMA + "PSArgumentException", clr.ArgumentException)
PSInvalidOperationException = _declare(SMA + "PSInvalidOperationException", clr.InvalidOperationException)
PSNotSupportedException = _declare(SMA + "PSNotSupportedException", clr.NotSupportedException)
ParseException = _declare(SMA + "ParseException", RuntimeException, error_id="Parse")
IncompleteParseException = _declare(SMA + "IncompleteParseException", ParseException, error_id="IncompleteParse")
MethodException = _declare(SMA + "MethodException", RuntimeException, error_id="MethodException")
MethodInvocationException = _declare(SMA + "MethodInvocationException", MethodException,
                                     error_id="MethodInvocationException")
ParameterBindingException = _declare(SMA + "ParameterBindingException", RuntimeException)
ActionPreferenceStopException = _declare(
    SMA + "ActionPreferenceStopException", RuntimeException,
    "Command execution stopped because the user selected the Halt option.", error_id="ActionPreferenceStop")
CommandNotFoundException = _declare(SMA + "CommandNotFoundException", RuntimeException,
                                    error_id="CommandNotFoundException")
PipelineStoppedException = _declare(SMA + "PipelineStoppedException", RuntimeException,
                                    "The pipeline has been stopped.")
WildcardPatternException = _declare(SMA + "WildcardPatternException", RuntimeException,
                                    error_id="WildcardPatternException")
SessionStateException = _declare(SMA + "SessionStateException", RuntimeException)
ItemNotFoundException = _declare(SMA + "ItemNotFoundException", SessionStateException, error_id="PathNotFound")
MetadataException = _declare(SMA + "MetadataException", RuntimeException)
ValidationMetadataException = _declare(SMA + "ValidationMetadataException", MetadataException)
ArgumentTransformationMetadataException = _declare(SMA + "ArgumentTransformationMetadataException",
                                                   MetadataException)
