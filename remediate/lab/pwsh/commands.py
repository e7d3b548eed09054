"""Running a command: name resolution, functions, script blocks, cmdlets and their error streams
(about_Command_Precedence, about_CommonParameters, about_Preference_Variables).

Resolution order: aliases of the language cmdlets (%, ?, foreach, where), functions (innermost scope first), the
interpreter's language cmdlets (`langcmdlets`), then the simulated Windows' cmdlets (`clr.CMDLETS`, if the host
has their module). Anything else is CommandNotFoundException.

A cmdlet's non-terminating error (ctx.write_error) follows -ErrorAction or `$ErrorActionPreference`: Stop makes it
terminating (PowerShell 2.0 wraps it in ActionPreferenceStopException whose ErrorRecord is the cmdlet's; 3.0 and
later throw the cmdlet's record itself), Continue writes it to the error stream, SilentlyContinue only records it
in `$Error` and -ErrorVariable.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.pwsh import cmdlet_binding, functions, langcmdlets, records
from remediate.lab.pwsh.cmdlet_context import CmdletContext, stamp
from remediate.lab.pwsh.errors import PSError
from remediate.lab.pwsh.objects import ScriptBlock, items
from remediate.lab.pwsh.parse import Pos
from remediate.lab.windows import clr
from remediate.lab.windows.psexceptions import CommandNotFoundException, RuntimeException
from remediate.lab.windows.refusal import NotModeled

ALIASES = {"%": "ForEach-Object", "foreach": "ForEach-Object", "?": "Where-Object", "where": "Where-Object"}


def splat(scope: Any, name: str) -> list[tuple[str | None, Any, bool]]:
    """`@name`: a hashtable's entries as named arguments, an array's elements as positional ones (about_Splatting)."""
    value = scope.get(name, None)
    if isinstance(value, clr.Hashtable):
        return [(str(key), item, True) for key, item in value.items()]
    if value is None:
        return []
    return [(None, item, True) for item in items(value)]


def not_found(name: str, scope: Any) -> PSError:
    message = (f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or operable "
               "program. Check the spelling of the name, or if a path was included, verify that the path is correct"
               " and try again.")
    exception = CommandNotFoundException(message, error_id="CommandNotFoundException")
    record = clr.ErrorRecord(exception, "CommandNotFoundException", "ObjectNotFound", name)
    record.invocation = scope.session.pos  # type: ignore[attr-defined]
    return PSError(record)


_KEYS: dict[str, str] = {}  # command name as written -> folded name after aliases (names come from script text)


def resolve(scope: Any, name: str) -> Any:
    """The function Code, language cmdlet, or clr.Cmdlet that `name` runs, or None."""
    key = _KEYS.get(name)
    if key is None:
        key = _KEYS[name] = ALIASES.get(name.casefold(), name).casefold()
    function = scope.function(key)
    if function is not None:
        return function
    language = langcmdlets.CMDLETS.get(key)
    if language is not None:
        return language
    found = clr.CMDLETS.get(key)
    if found is not None:
        return found if found.available(scope.session.machine) else None
    if key in langcmdlets.UNMODELED:
        raise NotModeled(f"the cmdlet {name} (PowerShell has it; the lab does not model it)")
    return None


def invoke_name(scope: Any, name: str, arguments: list, objects: list | None, pos: Pos,
                sink: list | None = None) -> list:
    """Runs the command `name`; its output goes to `sink` (as produced, for functions) or a new list."""
    target = resolve(scope, name)
    if target is None:
        raise not_found(name, scope)
    return _invoke(scope, target, name, arguments, objects, pos, False, sink)


def invoke_value(scope: Any, value: Any, arguments: list, objects: list | None, pos: Pos, dot: bool,
                 sink: list | None = None) -> list:
    """`& value args` / `. value args`: a script block, or a command name (string)."""
    if isinstance(value, ScriptBlock):
        return functions.bind_and_run(value.code, scope, arguments, objects, dot=dot, out=sink)
    if isinstance(value, str):
        target = resolve(scope, value)
        if target is None:
            raise not_found(value, scope)
        return _invoke(scope, target, value, arguments, objects, pos, dot, sink)
    raise RuntimeException(f"The expression after '{'.' if dot else '&'}' in a pipeline element produced an "
                           f"object that was not valid. It must result in a command name, a script block, or a "
                           f"CommandInfo object.", error_id="BadExpression")


def _invoke(scope: Any, target: Any, name: str, arguments: list, objects: list | None, pos: Pos,
            dot: bool, sink: list | None) -> list:
    session = scope.session
    session.pos = pos
    if isinstance(target, functions.Code):
        return functions.bind_and_run(target, scope, arguments, objects, dot=dot, out=sink)
    if isinstance(target, langcmdlets.LanguageCmdlet):
        produced = target.run(scope, arguments, objects, pos)
    else:
        produced = run_cmdlet(scope, target, arguments, objects, pos)
    if sink is None:
        return produced
    sink.extend(produced)
    return sink


# ---- simulated cmdlets ---------------------------------------------------------------------------------------

def run_cmdlet(scope: Any, cmdlet: clr.Cmdlet, arguments: list, objects: list | None, pos: Pos) -> list:
    try:
        bound, common = cmdlet_binding.bind(cmdlet, arguments, scope)
    except clr.DotNetException as error:
        record = records.from_exception(error, pos, cmdlet.name)
        stamp(record, cmdlet, pos)
        raise PSError(record) from None
    context = CmdletContext(scope, cmdlet, common, pos)
    out: list = []
    pipeline_param = next((p for p in cmdlet.params if p.pipeline), None)
    calls: list[dict[str, Any]]
    if objects is not None and pipeline_param is not None:
        calls = []
        for item in objects:
            per_item = dict(bound)
            per_item[pipeline_param.name] = cmdlet_binding.convert_param(pipeline_param, item, scope)
            calls.append(per_item)
    else:
        calls = [bound]
    scope.session.last_ok = True
    for call in calls:
        try:
            produced = cmdlet.run(context, **{k: clr.from_net(v) for k, v in call.items()})
            if produced is not None:
                out.extend(clr.to_net(item) for item in produced)
        except clr.CmdletTerminatingError as error:
            stamp(error.record, cmdlet, pos)
            scope.session.last_ok = False
            raise PSError(error.record) from None
        except clr.DotNetException as error:
            record = records.from_exception(error, pos, cmdlet.name)
            stamp(record, cmdlet, pos)
            scope.session.last_ok = False
            raise PSError(record) from None
    if context.failed:
        scope.session.last_ok = False
    return out
