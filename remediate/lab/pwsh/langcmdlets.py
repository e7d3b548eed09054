"""The cmdlets that are part of the language rather than of Windows: they need the interpreter itself (script
blocks, scopes, the error stream). Each follows its Microsoft Learn page (Microsoft.PowerShell.Core /
Microsoft.PowerShell.Utility, 2.0 behaviour where it differs):

- ForEach-Object -Process {..} (positional), Where-Object -FilterScript {..}: the block runs in the caller's scope
  with `$_` bound to each input object.
- Write-Output: writes each argument enumerated. Out-Null: discards. Write-Host: the host's console.
- Write-Error: a non-terminating error (WriteErrorException, FullyQualifiedErrorId
  Microsoft.PowerShell.Commands.WriteErrorException) that follows -ErrorAction / $ErrorActionPreference.
- Set-StrictMode -Version 1|2|Latest / -Off (3.0's version 3 is refused in 2.0 mode as PowerShell 2.0 does).
- Get-Command -Name: a CommandInfo for a function, language cmdlet or available simulated cmdlet; otherwise the
  non-terminating CommandNotFoundException error.
- New-Object -TypeName [-ArgumentList] [-Property] | -ComObject.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from remediate.lab.pwsh import cmdlet_binding, cmdlet_context, functions, members
from remediate.lab.pwsh import ops_bridge as ops
from remediate.lab.pwsh import records
from remediate.lab.pwsh.errors import PSError
from remediate.lab.pwsh.objects import ScriptBlock, items, write
from remediate.lab.windows import clr
from remediate.lab.windows.psexceptions import CommandNotFoundException, PSArgumentException, RuntimeException
from remediate.lab.windows.refusal import NotModeled

P = clr.Param
SWITCH = cmdlet_binding.SWITCH


@dataclass(frozen=True)
class LanguageCmdlet:
    spec: clr.Cmdlet
    body: Callable[..., list]

    def run(self, scope: Any, arguments: list, objects: list | None, pos: Any) -> list:
        try:
            bound, common = cmdlet_binding.bind(self.spec, arguments, scope)
        except clr.DotNetException as error:
            record = records.from_exception(error, pos, self.spec.name)
            cmdlet_context.stamp(record, self.spec, pos)
            raise PSError(record) from None
        context = cmdlet_context.CmdletContext(scope, self.spec, common, pos)
        scope.session.last_ok = True
        try:
            return self.body(context, objects, **bound)
        except clr.DotNetException as error:  # the cmdlet's terminating error (ThrowTerminatingError)
            record = records.from_exception(error, pos, self.spec.name)
            cmdlet_context.stamp(record, self.spec, pos)
            raise PSError(record) from None


CMDLETS: dict[str, LanguageCmdlet] = {}


def language(name: str, *params: clr.Param, module: str = "Microsoft.PowerShell.Core") -> Callable:
    def declare(body: Callable[..., list]) -> Callable[..., list]:
        CMDLETS[name.casefold()] = LanguageCmdlet(clr.Cmdlet(name=name, run=body, params=params, module=module),
                                                  body)
        return body
    return declare


def _run_block(context: Any, block: ScriptBlock, item: Any) -> list:
    """A ForEach-Object/Where-Object block: dot-sourced into the caller's scope with `$_` set."""
    scope = context.scope
    scope.vars["_"] = item
    return functions.bind_and_run(block.code, scope, [], None, dot=True)


@language("ForEach-Object", P("Process", "System.Management.Automation.ScriptBlock[]", position=0),
          P("InputObject", "System.Management.Automation.PSObject", pipeline=True))
def foreach_object(context: Any, objects: list | None, Process: Any = None, InputObject: Any = None) -> list:  # noqa: N803
    blocks = Process if isinstance(Process, list) else [Process]
    if len(blocks) != 1 or not isinstance(blocks[0], ScriptBlock):
        raise NotModeled("ForEach-Object with other than one -Process script block")
    inputs = objects if objects is not None else ([] if InputObject is None else [InputObject])
    out: list = []
    for item in inputs:
        out.extend(_run_block(context, blocks[0], item))
    return out


@language("Where-Object", P("FilterScript", "System.Management.Automation.ScriptBlock", position=0),
          P("InputObject", "System.Management.Automation.PSObject", pipeline=True))
def where_object(context: Any, objects: list | None, FilterScript: Any = None, InputObject: Any = None) -> list:  # noqa: N803
    inputs = objects if objects is not None else ([] if InputObject is None else [InputObject])
    return [item for item in inputs if ops.is_true(_collect(_run_block(context, FilterScript, item)))]


def _collect(out: list) -> Any:
    return out[0] if len(out) == 1 else out


@language("Write-Output", P("InputObject", "System.Management.Automation.PSObject[]", position=0, pipeline=True),
          module="Microsoft.PowerShell.Utility")
def write_output(context: Any, objects: list | None, InputObject: Any = None) -> list:  # noqa: N803
    out: list = []
    if objects is not None:
        out.extend(objects)
    if InputObject is not None:
        write(out, InputObject)
    return out


@language("Out-Null", P("InputObject", "System.Management.Automation.PSObject", pipeline=True))
def out_null(context: Any, objects: list | None, InputObject: Any = None) -> list:  # noqa: N803
    return []


@language("Write-Host", P("Object", "System.Object", position=0), P("NoNewline", SWITCH),
          P("Separator", "System.Object"), P("ForegroundColor", "System.Object"), P("BackgroundColor", "System.Object"),
          module="Microsoft.PowerShell.Utility")
def write_host(context: Any, objects: list | None, Object: Any = None, NoNewline: bool = False,  # noqa: N803
               Separator: Any = " ", **_: Any) -> list:
    parts = [ops.to_string(i, context.scope) for i in items(Object)] if Object is not None else []
    context.scope.session.host_write(ops.to_string(Separator, context.scope).join(parts), newline=not NoNewline)
    return []


WriteErrorException = clr.TYPES.get("microsoft.powershell.commands.writeerrorexception") or clr.exception_type(
    "Microsoft.PowerShell.Commands.WriteErrorException", clr.SystemException,
    "The command generated an error.")


@language("Write-Error", P("Message", "System.String", position=0), P("Exception", "System.Exception"),
          P("ErrorId", "System.String"), P("Category", "System.String"), P("TargetObject", "System.Object"),
          module="Microsoft.PowerShell.Utility")
def write_error(context: Any, objects: list | None, Message: Any = None, Exception: Any = None,  # noqa: N803
                ErrorId: Any = None, Category: Any = None, TargetObject: Any = None) -> list:
    exception = Exception if Exception is not None else WriteErrorException(Message)
    error_id = ErrorId or "Microsoft.PowerShell.Commands.WriteErrorException"
    record = clr.ErrorRecord(exception, error_id, Category or "NotSpecified", TargetObject, "Write-Error")
    record.invocation = context.scope.session.pos  # type: ignore[attr-defined]
    cmdlet_context.handle_nonterminating(context.scope, record, context.common)
    return []


@language("Set-StrictMode", P("Version", "System.String"), P("Off", SWITCH))
def set_strict_mode(context: Any, objects: list | None, Version: Any = None, Off: bool = False) -> list:  # noqa: N803
    scope = context.scope
    if Off:
        scope.strict_level = 0
        return []
    text = (Version or "").strip().casefold()
    latest = 2 if scope.session.ps_version < 3 else 3
    level = {"1": 1, "1.0": 1, "2": 2, "2.0": 2, "latest": latest, "3": 3, "3.0": 3}.get(text)
    if level is None or level > latest:
        raise PSArgumentException(f"Cannot process argument transformation on parameter 'Version'. The value "
                                  f"'{Version}' is not a valid PowerShell version.", error_id="ArgumentTransformation")
    scope.strict_level = level
    return []


class CommandInfo(clr.DotNetObject):
    TYPE_NAME = "System.Management.Automation.CommandInfo"

    def __init__(self, name: str, kind: str, module: str = "") -> None:
        self._name, self._kind, self._module = name, kind, module

    @property
    def Name(self) -> str:  # noqa: N802
        return self._name

    @property
    def CommandType(self) -> str:  # noqa: N802
        return self._kind

    @property
    def ModuleName(self) -> str:  # noqa: N802
        return self._module

    def ToString(self) -> str:  # noqa: N802
        return self._name


@language("Get-Command", P("Name", "System.String[]", position=0))
def get_command(context: Any, objects: list | None, Name: Any = None) -> list:  # noqa: N803
    out: list = []
    for name in Name or []:
        if any(ch in name for ch in "*?["):
            raise NotModeled("Get-Command with a wildcard name")
        found = context.scope.session.resolve_command(context.scope, name)
        if isinstance(found, functions.Code):
            out.append(CommandInfo(found.name, "Function"))
        elif isinstance(found, LanguageCmdlet):
            out.append(CommandInfo(found.spec.name, "Cmdlet", found.spec.module))
        elif found is not None:
            out.append(CommandInfo(found.name, "Cmdlet", found.module))
        else:
            message = (f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or "
                       "operable program. Check the spelling of the name, or if a path was included, verify that the "
                       "path is correct and try again.")
            record = clr.ErrorRecord(CommandNotFoundException(message, error_id="CommandNotFoundException"),
                                     "CommandNotFoundException", "ObjectNotFound", name)
            context.write_error(record)
    return out


@language("New-Object", P("TypeName", "System.String", position=0), P("ArgumentList", "System.Object[]", position=1),
          P("Property", "System.Collections.Hashtable"), P("ComObject", "System.String"),
          P("Strict", SWITCH), module="Microsoft.PowerShell.Utility")
def new_object(context: Any, objects: list | None, TypeName: Any = None, ArgumentList: Any = None,  # noqa: N803
               Property: Any = None, ComObject: Any = None, Strict: bool = False) -> list:
    scope = context.scope
    if ComObject is not None:
        factory = clr.COM_CLASSES.get(ComObject.casefold())
        if factory is None:  # REGDB_E_CLASSNOTREG, as New-Object reports an unregistered ProgID
            error = clr.com_error(0x80040154, "Retrieving the COM class factory for component with CLSID "
                                  "{00000000-0000-0000-0000-000000000000} failed due to the following error: "
                                  "80040154.")
            error.error_id = "NoCOMClassIdentified"  # type: ignore[attr-defined]
            raise error
        value = factory(scope)
    else:
        if TypeName is None:
            raise RuntimeException("New-Object needs -TypeName or -ComObject.", error_id="MissingArgument")
        try:
            full = ops.resolve_type(TypeName, scope)
        except RuntimeException:
            raise RuntimeException(f"Cannot find type [{TypeName}]: make sure the assembly containing this type is "
                                   "loaded.", error_id="TypeNotFound") from None
        impl = clr.TYPES.get(full.casefold())
        if impl is not None and not clr.available(impl, str(getattr(scope.machine, "framework", "4.7.2"))):
            raise RuntimeException(f"Cannot find type [{TypeName}]: make sure the assembly containing this type is "
                                   "loaded.", error_id="TypeNotFound")
        if isinstance(impl, type) and (hasattr(impl, "new") or issubclass(impl, clr.DotNetException)):
            value = members.construct(full, impl, list(ArgumentList or []), scope)
        elif full.casefold() == "system.collections.hashtable" and not ArgumentList:
            value = clr.Hashtable(case_sensitive=True)  # .NET's default comparer: not @{}'s case-insensitive one
        elif full.casefold() == "system.collections.arraylist" and not ArgumentList:
            value = clr.ArrayList()
        elif full.casefold() in ("system.management.automation.psobject", "system.object") and not ArgumentList:
            value = clr.PSCustomObject()
        elif impl is None or not isinstance(impl, type):
            raise NotModeled(f"New-Object of [{full}]: no simulated type")
        else:
            value = members.construct(full, impl, list(ArgumentList or []), scope)
    if Property is not None:
        for key, item in Property.items():
            if isinstance(value, clr.PSCustomObject):
                value.properties[key] = item
            else:
                members.set_member(value, str(key), item, scope)
    return [value]


@language("Write-Warning", P("Message", "System.String", position=0, mandatory=True),
          module="Microsoft.PowerShell.Utility")
def write_warning(context: Any, objects: list | None, Message: Any = None) -> list:  # noqa: N803
    context.write_warning(Message)
    return []


@language("Write-Verbose", P("Message", "System.String", position=0, mandatory=True),
          module="Microsoft.PowerShell.Utility")
def write_verbose(context: Any, objects: list | None, Message: Any = None) -> list:  # noqa: N803
    if context.common.get("Verbose") or cmdlet_context.preference(context.scope, None, "VerbosePreference") \
            not in ("silentlycontinue", "ignore"):
        context.scope.session.host_write("VERBOSE: " + Message)
    return []


@language("Write-Debug", P("Message", "System.String", position=0, mandatory=True),
          module="Microsoft.PowerShell.Utility")
def write_debug(context: Any, objects: list | None, Message: Any = None) -> list:  # noqa: N803
    if context.common.get("Debug") or cmdlet_context.preference(context.scope, None, "DebugPreference") \
            not in ("silentlycontinue", "ignore"):
        context.scope.session.host_write("DEBUG: " + Message)
    return []


# PowerShell 2.0's own cmdlets that the lab does not model: refused loudly rather than "not recognized" (which
# would be a lie about Windows). A simulation that implements one registers it in clr.CMDLETS, which wins.
UNMODELED = {name.casefold() for name in (
    "Select-Object", "Sort-Object", "Measure-Object", "Group-Object", "Compare-Object", "Tee-Object",
    "Format-Table", "Format-List", "Format-Wide", "Format-Custom", "Out-String", "Out-File", "Out-Host",
    "Out-Default", "Get-Member", "Add-Member", "Get-Item", "Get-ChildItem", "Test-Path", "Get-Content",
    "Set-Content", "Add-Content", "Join-Path", "Split-Path", "Resolve-Path", "New-Item", "Copy-Item", "Move-Item",
    "Rename-Item", "Get-ItemProperty", "Set-ItemProperty", "New-ItemProperty", "Remove-ItemProperty", "Get-Date",
    "Start-Sleep", "Invoke-Expression", "Invoke-Command", "Get-Variable", "Set-Variable", "New-Variable",
    "Remove-Variable", "Clear-Variable", "Get-Process", "Stop-Process", "Start-Process", "Get-Location",
    "Set-Location", "Push-Location", "Pop-Location", "Import-Module", "Get-Module", "Export-Csv", "Import-Csv",
    "ConvertTo-Csv", "ConvertFrom-Csv", "ConvertTo-Xml", "ConvertTo-Html", "Select-String", "Get-Host",
    "Read-Host", "Get-Culture", "Get-Random", "Get-Unique", "New-TimeSpan", "Get-Acl", "Set-Acl",
    "Get-ExecutionPolicy", "Set-ExecutionPolicy", "Test-Connection", "Restart-Service", "Suspend-Service",
    "Resume-Service", "New-Service", "Get-HotFix", "Get-Credential", "Export-Clixml", "Import-Clixml",
    "ConvertTo-SecureString", "ConvertFrom-SecureString", "Start-Job", "Get-Job", "Receive-Job", "Wait-Job",
    "Remove-Job", "Trace-Command", "Measure-Command", "Clear-Host", "Out-GridView", "Update-TypeData",
    "Update-FormatData", "Get-PSDrive", "New-PSDrive", "Get-Alias", "Set-Alias", "New-Alias", "Get-History",
    "Get-Help", "Get-Event", "Register-ObjectEvent", "Send-MailMessage", "Get-Counter", "Get-Service",
)}
