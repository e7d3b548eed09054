"""Functions and script blocks: param blocks, parameter binding, invocation (about_Functions,
about_Functions_Advanced_Parameters, about_Script_Blocks, lang-spec 8.10 and 8.14).

A simple function (no [CmdletBinding()] and no [Parameter()] attribute) binds named arguments by name or unique
prefix, the rest by position; arguments left over go to `$args`, and an unknown `-Name` is just a positional
string. An advanced function refuses unknown names and extra positionals and takes the common parameters. Typed
parameters are type-constrained variables: an unbound `[string]$s` is '' ([string]$null), a `[switch]` is $false.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from remediate.lab.pwsh import ops_bridge as ops
from remediate.lab.pwsh.errors import ReturnSignal
from remediate.lab.pwsh.names import type_spec_text, variable_name
from remediate.lab.pwsh.objects import VOID, unvoid
from remediate.lab.pwsh.records import thrown
from remediate.lab.pwsh.registry import Unit, compile_expr, compile_stmt, named, text
from remediate.lab.windows import clr
from remediate.lab.windows.psexceptions import ParameterBindingException, RuntimeException

_SWITCH = ("switch", "system.management.automation.switchparameter")


@dataclass
class ParamSpec:
    name: str
    type_name: str | None = None
    default: Any = None  # closure(scope) or None
    switch: bool = False
    mandatory: bool = False
    position: int | None = None


@dataclass
class Code:
    """A compiled script block: what a function name or a ScriptBlock value runs."""

    name: str
    params: list[ParamSpec] = field(default_factory=list)
    body: Any = None  # statement closure
    advanced: bool = False
    file: str = "<script>"
    is_function: bool = False  # a `function` statement's code (not a script block)
    _plan: Any = field(default=None, repr=False, compare=False)

    def plan(self) -> _BindPlan:
        """What binding needs from the parameter list, worked out at the first call (params are final then)."""
        if self._plan is None:
            self._plan = _BindPlan(self.params)
        return self._plan


class _BindPlan:
    __slots__ = ("by_name", "folded", "positional", "any_position", "constrained")

    def __init__(self, params: list[ParamSpec]) -> None:
        self.folded = [(p, p.name.casefold()) for p in params]
        # (spec, folded name, type name or None): a typed parameter (not a switch) is converted and constrained
        self.constrained = [(p, key, p.type_name if p.type_name is not None and not p.switch else None)
                            for p, key in self.folded]
        self.by_name: dict[str, ParamSpec] = {}
        for spec, key in self.folded:
            self.by_name.setdefault(key, spec)
        # sorted() is stable, so filtering this list per call keeps the order a per-call sort would give
        self.positional = sorted((p for p in params if not p.switch), key=lambda p: (p.position is None,
                                                                                       p.position or 0))
        self.any_position = any(p.position is not None for p in params)


def compile_code(unit: Unit, param_block: Any | None, block: Any | None, name: str) -> Code:
    code = Code(name=name, file=unit.file)
    if block is not None and param_block is None:
        param_block = next((c for c in block.children if c.type == "param_block"), None)
    refusal = _compile_params(unit, param_block, code) if param_block is not None else None
    if refusal is not None:
        code.body = refusal
        return code
    if block is None:
        code.body = lambda scope, out: None
        return code
    body = block.child_by_field_name("script_block_body")
    if body is None:
        body = next((c for c in block.children if c.type in ("script_block_body", "statement_list")), None)
    if body is not None and any(c.type == "named_block_list" for c in body.children):
        code.body = unit.refuse(body, "begin/process/end blocks")
        return code
    code.body = compile_stmt(unit, body) if body is not None else (lambda scope, out: None)
    return code


def _compile_params(unit: Unit, node: Any, code: Code) -> Any:
    """Fills code.params; returns a refusal closure for the body if the block declares what is not modelled."""
    for attribute in _attributes(node):
        attribute_name = _attribute_name(attribute)
        if attribute_name == "cmdletbinding":
            code.advanced = True
        elif attribute_name is not None:
            return unit.refuse(attribute, f"the script block attribute [{attribute_name}]")
    listing = next((c for c in node.children if c.type == "parameter_list"), None)
    for parameter in named(listing) if listing is not None else []:
        spec = ParamSpec(name=variable_name(text(next(c for c in parameter.children if c.type == "variable"))))
        for attribute in _attributes(parameter):
            type_literal = next((c for c in attribute.children if c.type == "type_literal"), None)
            if type_literal is not None:
                spec.type_name = type_spec_text(type_literal)
                spec.switch = spec.type_name.casefold() in _SWITCH
                continue
            attribute_name = _attribute_name(attribute)
            if attribute_name == "parameter":
                code.advanced = True
                refused = _parameter_attribute(unit, attribute, spec)
                if refused is not None:
                    return refused
            else:
                return unit.refuse(attribute, f"the parameter attribute [{attribute_name}]")
        default = next((c for c in parameter.children if c.type == "script_parameter_default"), None)
        if default is not None:
            spec.default = compile_expr(unit, named(default)[0])
        code.params.append(spec)
    return None


def _attributes(node: Any) -> list[Any]:
    listing = next((c for c in node.children if c.type == "attribute_list"), None)
    return [c for c in named(listing) if c.type == "attribute"] if listing is not None else []


def _attribute_name(attribute: Any) -> str | None:
    name = next((c for c in attribute.children if c.type == "attribute_name"), None)
    return text(name).casefold() if name is not None else None


def _parameter_attribute(unit: Unit, attribute: Any, spec: ParamSpec) -> Any:
    arguments = next((c for c in attribute.children if c.type == "attribute_arguments"), None)
    for argument in named(arguments) if arguments is not None else []:
        parts = named(argument)
        key = text(parts[0]).casefold()
        value = text(parts[-1]) if len(parts) > 1 else "$true"
        if key == "mandatory":
            spec.mandatory = value.casefold() != "$false"
        elif key == "position":
            spec.position = int(value)
        else:
            return unit.refuse(argument, f"the Parameter() argument {key}")
    return None


# ---- binding and invocation ----------------------------------------------------------------------------------

def _binding_error(message: str, error_id: str) -> ParameterBindingException:
    return ParameterBindingException(message, error_id=error_id)


def _match(code: Code, name: str) -> ParamSpec | None:
    key = name.casefold()
    plan = code.plan()
    exact = plan.by_name.get(key)
    if exact is not None:
        return exact
    prefixed = [p for p, folded in plan.folded if folded.startswith(key)]
    if len(prefixed) > 1:
        names = ", ".join(p.name for p in prefixed)
        raise _binding_error(f"Parameter cannot be processed because the parameter name '{name}' is ambiguous. "
                             f"Possible matches include: {names}.", "AmbiguousParameter")
    return prefixed[0] if prefixed else None


def bind_and_run(code: Code, scope: Any, arguments: list, input_objects: list | None = None,
                 dot: bool = False, underscore: Any = None, out: list | None = None) -> list:
    """Runs `code` with `arguments` (from commands.evaluate_arguments: ("-name", value, has_value) or
    (None, value, True)) in a new child scope (or `scope` itself when dot-sourced); returns its output."""
    run_scope = scope if dot else scope.child()
    bound: dict[str, Any] = {}
    positional: list = []
    rest: list = []
    index = 0
    while index < len(arguments):
        name, value, has_value = arguments[index]
        index += 1
        if name is None:
            positional.append(value)
            continue
        if code.advanced and name.casefold() in _COMMON:
            if not has_value and name.casefold() not in _COMMON_SWITCHES and index < len(arguments):
                index += 1
            continue
        spec = _match(code, name)
        if spec is None:
            if code.advanced:
                raise _binding_error(f"A parameter cannot be found that matches parameter name '{name}'.",
                                     "NamedParameterNotFound")
            rest.append("-" + name if not has_value else "-" + name + ":")
            if has_value:
                rest.append(value)
            continue
        if spec.switch:
            bound[spec.name] = ops.is_true(value) if has_value else True
            continue
        if not has_value:
            if index >= len(arguments) or arguments[index][0] is not None:
                raise _binding_error(f"Missing an argument for parameter '{spec.name}'. Specify a parameter of "
                                     f"type '{spec.type_name or 'System.Object'}' and try again.", "MissingArgument")
            value = arguments[index][1]
            index += 1
        bound[spec.name] = value
    plan = code.plan()
    if positional:
        taken = 0
        for spec in [p for p in plan.positional if p.name not in bound] if bound else plan.positional:
            if taken == len(positional):
                break
            if code.advanced and spec.position is None and plan.any_position:
                break
            bound[spec.name] = positional[taken]
            taken += 1
        if taken:
            positional = positional[taken:]
    if positional and code.advanced:
        raise _binding_error(f"A positional parameter cannot be found that accepts argument "
                             f"'{ops.to_string(positional[0], scope)}'.", "PositionalParameterNotFound")
    rest.extend(positional)
    run_vars = run_scope.vars
    for spec, key, typed in plan.constrained:
        if spec.name in bound:
            value = bound[spec.name]
            if value is VOID:
                value = None
            if typed is not None:
                try:
                    value = ops.convert(value, typed, run_scope)
                except clr.DotNetException as error:
                    raise _binding_error(f"Cannot process argument transformation on parameter '{spec.name}'. "
                                         f"{error.Message}", "ParameterArgumentTransformationError") from None
        elif spec.mandatory:
            raise _binding_error("Cannot process command because of one or more missing mandatory parameters: "
                                 f"{spec.name}.", "MissingMandatoryParameter")
        elif spec.default is not None:
            value = unvoid(spec.default(run_scope))
            if spec.type_name is not None and not spec.switch:
                value = ops.convert(value, spec.type_name, run_scope)
        elif spec.switch:
            value = False
        elif spec.type_name is not None:
            value = _typed_null(spec.type_name, run_scope)
        else:
            value = None
        run_vars[key] = value
        if typed is not None:
            run_scope.constrain(spec.name, typed)
    run_vars["args"] = rest
    if input_objects is not None:
        run_vars["input"] = list(input_objects)
    if underscore is not None:
        run_vars["_"] = underscore
    if out is None:
        out = []
    session = scope.session
    if session.depth >= 100:  # PowerShell 2.0's limit (ScriptCallDepthException)
        raise RuntimeException("The script failed due to call depth overflow.", error_id="CallDepthOverflow")
    session.depth += 1
    try:
        if session.on_function_call is not None and code.is_function:
            _call_hook(session, code, run_scope)
        code.body(run_scope, out)
    except ReturnSignal:
        pass
    finally:
        session.depth -= 1
    return out


def _call_hook(session: Any, code: Code, scope: Any) -> None:
    """The session's on_function_call hook; what it throws is a terminating error at the body's start."""
    try:
        session.on_function_call(code.name, [scope.vars.get(key) for _, key in code.plan().folded])
    except clr.DotNetException as error:
        raise thrown(error, session.pos) from None


def _typed_null(type_name: str, scope: Any) -> Any:
    try:
        return ops.convert(None, type_name, scope)
    except clr.DotNetException:
        return None


_COMMON = {"erroraction", "ea", "errorvariable", "ev", "warningaction", "wa", "warningvariable", "wv", "verbose",
           "vb", "debug", "db", "outvariable", "ov", "outbuffer", "ob"}
_COMMON_SWITCHES = {"verbose", "vb", "debug", "db"}
