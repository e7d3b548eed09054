"""Parameter binding for cmdlets declared with clr.Param (about_Parameters, about_CommonParameters,
about_Parameter_Sets is not modelled: a cmdlet declares one flat parameter list).

Named arguments match a parameter's name or alias, or a unique prefix of one; a switch takes no argument unless
written `-Switch:$value`; the others take the next argument. Positional arguments fill the parameters with a
position in order. Values are converted to the parameter's type (an error is ParameterArgumentTransformationError);
ValidateSet is checked case-insensitively. The common parameters are the interpreter's.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.pwsh import ops_bridge as ops
from remediate.lab.windows import clr
from remediate.lab.windows.psexceptions import ParameterBindingException

COMMON = {
    "erroraction": "ErrorAction", "ea": "ErrorAction", "errorvariable": "ErrorVariable", "ev": "ErrorVariable",
    "warningaction": "WarningAction", "wa": "WarningAction", "warningvariable": "WarningVariable",
    "wv": "WarningVariable", "verbose": "Verbose", "vb": "Verbose", "debug": "Debug", "db": "Debug",
    "outvariable": "OutVariable", "ov": "OutVariable", "outbuffer": "OutBuffer", "ob": "OutBuffer",
}
_COMMON_SWITCHES = {"Verbose", "Debug"}
# ActionPreference (System.Management.Automation): Ignore and Suspend are 3.0.
_ACTIONS = {2: ("SilentlyContinue", "Stop", "Continue", "Inquire"),
            3: ("SilentlyContinue", "Stop", "Continue", "Inquire", "Ignore")}
SWITCH = "System.Management.Automation.SwitchParameter"


def _error(cmdlet: clr.Cmdlet, message: str, error_id: str) -> ParameterBindingException:
    return ParameterBindingException(message, error_id=error_id)


def _find(cmdlet: clr.Cmdlet, name: str) -> tuple[str, clr.Param | None]:
    key = name.casefold()
    for param in cmdlet.params:
        if param.name.casefold() == key or key in (a.casefold() for a in param.aliases):
            return param.name, param
    if key in COMMON:
        return COMMON[key], None
    candidates = [p for p in cmdlet.params if p.name.casefold().startswith(key)]
    commons = sorted({v for k, v in COMMON.items() if v.casefold().startswith(key)})
    if len(candidates) + len(commons) > 1:
        names = ", ".join([p.name for p in candidates] + commons)
        raise _error(cmdlet, f"Parameter cannot be processed because the parameter name '{name}' is ambiguous. "
                             f"Possible matches include: {names}.", "AmbiguousParameter")
    if candidates:
        return candidates[0].name, candidates[0]
    if commons:
        return commons[0], None
    raise _error(cmdlet, f"A parameter cannot be found that matches parameter name '{name}'.",
                 "NamedParameterNotFound")


def convert_param(param: clr.Param, value: Any, scope: Any) -> Any:
    if param.type == SWITCH:
        return ops.is_true(value)
    try:
        converted = ops.convert(value, param.type, scope)
    except clr.DotNetException as error:
        raise ParameterBindingException(
            f"Cannot process argument transformation on parameter '{param.name}'. {error.Message}",
            error_id="ParameterArgumentTransformationError") from None
    if param.validate_set:
        allowed = {v.casefold() for v in param.validate_set}
        for item in converted if isinstance(converted, list) else [converted]:
            if ops.to_string(item, scope).casefold() not in allowed:
                raise ParameterBindingException(
                    f"Cannot validate argument on parameter '{param.name}'. The argument \"{ops.to_string(item, scope)}"
                    f"\" does not belong to the set \"{','.join(param.validate_set)}\" specified by the ValidateSet "
                    "attribute. Supply an argument that is in the set and then try the command again.",
                    error_id="ParameterArgumentValidationError")
    return converted


def _common_value(name: str, value: Any, scope: Any, cmdlet: clr.Cmdlet) -> Any:
    if name in ("ErrorAction", "WarningAction"):
        text = ops.to_string(value, scope)
        allowed = _ACTIONS[2 if scope.session.ps_version < 3 else 3]
        match = next((a for a in allowed if a.casefold() == text.casefold()), None)
        if match is None:
            raise ParameterBindingException(
                f"Cannot bind parameter '{name}'. Cannot convert value \"{text}\" to type "
                f"\"System.Management.Automation.ActionPreference\" due to invalid enumeration values. Specify one "
                f"of the following enumeration values and try again. The possible enumeration values are "
                f"\"{', '.join(allowed)}\".", error_id="CannotConvertArgumentNoMessage")
        return match
    if name in ("ErrorVariable", "WarningVariable", "OutVariable"):
        return ops.to_string(value, scope)
    return value


_POSITIONAL: dict[int, tuple[Any, list[Any]]] = {}


def _positional(cmdlet: clr.Cmdlet) -> list[Any]:
    """The cmdlet's positional parameters by position, sorted once per cmdlet (a declaration does not change;
    sorted() is stable, so leaving out the bound ones later keeps this order)."""
    found = _POSITIONAL.get(id(cmdlet))
    if found is None or found[0] is not cmdlet:
        found = _POSITIONAL[id(cmdlet)] = (cmdlet, sorted((p for p in cmdlet.params if p.position is not None),
                                                          key=lambda p: p.position or 0))
    return found[1]


def bind(cmdlet: clr.Cmdlet, arguments: list, scope: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    bound: dict[str, Any] = {}
    common: dict[str, Any] = {}
    positional: list = []
    index = 0
    while index < len(arguments):
        name, value, has_value = arguments[index]
        index += 1
        if name is None:
            positional.append(value)
            continue
        resolved, param = _find(cmdlet, name)
        is_switch = (param is not None and param.type == SWITCH) or (param is None and resolved in _COMMON_SWITCHES)
        if is_switch:
            value = ops.is_true(value) if has_value else True
        elif not has_value:
            if index >= len(arguments) or arguments[index][0] is not None:
                type_name = param.type if param is not None else "System.String"
                raise _error(cmdlet, f"Missing an argument for parameter '{resolved}'. Specify a parameter of type "
                                     f"'{type_name}' and try again.", "MissingArgument")
            value = arguments[index][1]
            index += 1
        if param is None:
            common[resolved] = _common_value(resolved, value, scope, cmdlet)
            continue
        if resolved in bound:
            raise _error(cmdlet, f"Cannot bind parameter because parameter '{resolved}' is specified more than once. "
                                 "To provide multiple values to parameters that can accept multiple values, use the "
                                 "array syntax. For example, \"-parameter value1,value2,value3\".",
                         "ParameterAlreadyBound")
        bound[resolved] = value if is_switch else convert_param(param, value, scope)
    slots = [p for p in _positional(cmdlet) if p.name not in bound]
    for param in slots:
        if not positional:
            break
        bound[param.name] = convert_param(param, positional.pop(0), scope)
    if positional:
        raise _error(cmdlet, "A positional parameter cannot be found that accepts argument "
                             f"'{ops.to_string(positional[0], scope)}'.", "PositionalParameterNotFound")
    missing = [p.name for p in cmdlet.params if p.mandatory and p.name not in bound and not p.pipeline]
    if missing:
        raise _error(cmdlet, "Cannot process command because of one or more missing mandatory parameters: "
                             f"{' '.join(missing)}.", "MissingMandatoryParameter")
    return bound, common
