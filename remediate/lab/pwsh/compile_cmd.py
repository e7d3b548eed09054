"""Pipelines and command invocations (lang-spec 8.2 "Pipeline statements", 8.14 "Command arguments").

A pipeline whose only element is an expression yields that expression's value (as an expression) or writes it
enumerated (as a statement; an assignment writes nothing). Otherwise its elements run in order, each command
receiving the previous element's output objects; the value of such a pipeline is its collected output.

Command arguments: `-Name` (a parameter), `-Name:value`, bare words (strings), expressions, `@splat`,
`Type(args)` (an argument list, as in `New-Object T(a, b)`). Redirections are refused.
"""

from __future__ import annotations

import re
from typing import Any

from remediate.lab.pwsh import commands
from remediate.lab.pwsh import members
from remediate.lab.pwsh.compile_access import compile_arguments, member_name
from remediate.lab.pwsh.names import unwrap, variable_name
from remediate.lab.pwsh.objects import VOID, collect, items, unvoid, write
from remediate.lab.pwsh.registry import Unit, compile_expr, expr, named, stmt, text
from remediate.lab.windows.psexceptions import RuntimeException

_NO_OUTPUT = ("assignment_expression", "post_increment_expression", "post_decrement_expression")
_REDIRECTION = re.compile(r"^(\d|\*)?>>?|^<")


def _elements(unit: Unit, node: Any) -> list[Any] | None:
    parts = named(node)
    if len(parts) == 1 and parts[0].type == "pipeline_chain":
        parts = named(parts[0])
    elif len(parts) != 1:
        return None
    return parts


def _silent(node: Any) -> bool:
    inner = unwrap(node)
    if inner.type in _NO_OUTPUT:
        return True
    return inner.type == "expression_with_unary_operator" and inner.children[0].type in (
        "pre_increment_expression", "pre_decrement_expression")


@expr("pipeline")
def compile_pipeline_value(unit: Unit, node: Any) -> Any:
    parts = _elements(unit, node)
    if parts is None:
        return unit.refuse(node, "a pipeline chain (&&, ||: PowerShell 7)")
    if len(parts) == 1 and parts[0].type != "command":
        return compile_expr(unit, parts[0])
    run = _compile_stages(unit, parts)

    def pipeline_value(scope: Any) -> Any:
        return collect(run(scope))
    return pipeline_value


@stmt("pipeline")
def compile_pipeline_statement(unit: Unit, node: Any) -> Any:
    parts = _elements(unit, node)
    if parts is None:
        return unit.refuse(node, "a pipeline chain (&&, ||: PowerShell 7)")
    if len(parts) == 1 and parts[0].type != "command":
        value = compile_expr(unit, parts[0])
        if _silent(parts[0]):
            return lambda scope, out: value(scope) and None
        return lambda scope, out: write(out, value(scope))
    run = _compile_stages(unit, parts)
    return lambda scope, out: run(scope, out) and None


def _compile_stages(unit: Unit, parts: list[Any]) -> Any:
    stages = []
    for index, part in enumerate(parts):
        if part.type == "command":
            stages.append(("command", compile_command(unit, part)))
        elif index == 0:
            stages.append(("expression", compile_expr(unit, part)))
        else:
            return unit.refuse(part, "an expression after '|' in a pipeline")

    last = len(stages) - 1
    if len(stages) == 1 and stages[0][0] == "command":
        only = stages[0][1]

        def run_one(scope: Any, sink: list | None = None) -> list:
            objects = only(scope, None, sink)
            return (objects or []) if sink is None else sink
        return run_one

    def run(scope: Any, sink: list | None = None) -> list:
        """Runs the stages; the last one writes into `sink` as it produces (so that what a function wrote before
        it failed or exited is not lost), or into a new list."""
        objects: list | None = None
        for index, (kind, stage) in enumerate(stages):
            if kind == "expression":
                objects = items(stage(scope))
            else:
                objects = stage(scope, objects, sink if index == last else None)
        if sink is None:
            return objects or []
        if len(stages) == 1 and stages[0][0] == "expression":
            sink.extend(objects or [])
        return sink
    return run


def compile_command(unit: Unit, node: Any) -> Any:
    operator = next((c for c in node.children if c.type == "command_invokation_operator"), None)
    name_node = node.child_by_field_name("command_name")
    elements = node.child_by_field_name("command_elements")
    arguments = _compile_arguments(unit, elements) if elements is not None else []
    pos = unit.pos(node)
    if operator is None:
        if name_node is None or name_node.type != "command_name":
            return unit.refuse(node, "a command name of this form")
        name = text(name_node)
        if "$" in name or "(" in name:
            return unit.refuse(node, "a command name with an expansion")
        if name[:1].isdigit() or name[:1] in ".-+":
            # PowerShell reads a statement that starts with a number as an expression; tree-sitter-powershell
            # parses some (`1..4 | ...`, `10L`) as a command named so. Refused rather than guessed.
            return unit.refuse(node, f"'{name}' as a command name (tree-sitter reads an expression as a command; "
                                     "parenthesize it)")
        if elements is not None and elements.children and elements.children[0].start_byte == name_node.end_byte \
                and unwrap(elements.children[0]).type == "parenthesized_expression":
            # `F(1, 2)`: Set-StrictMode -Version 2 "prohibits function calls that use the syntax for calling
            # methods"; without it, it is F with one argument, the array (1, 2).
            def method_syntax(scope: Any, objects: list | None, sink: list | None = None) -> list:
                if scope.strict_level >= 2:
                    raise RuntimeException("The function or command was called as if it were a method. Parameters "
                                           "should be separated by spaces. For information about parameters, see "
                                           "the about_Parameters Help topic.",
                                           error_id="StrictModeFunctionCallWithParens")
                return commands.invoke_name(scope, name, _evaluate(arguments, scope), objects, pos, sink)
            return method_syntax
        evaluate = _evaluator(arguments)
        return lambda scope, objects, sink=None: commands.invoke_name(scope, name, evaluate(scope), objects, pos,
                                                                      sink)
    dot = text(operator) == "."
    target = _command_target(unit, name_node)
    return lambda scope, objects, sink=None: commands.invoke_value(scope, target(scope), _evaluate(arguments, scope),
                                                                   objects, pos, dot, sink)


def _command_target(unit: Unit, node: Any) -> Any:
    if node.type == "command_name":
        name = text(node)
        return lambda scope: name
    inner = named(node)
    if node.type == "command_name_expr" and len(inner) == 1 and inner[0].type == "path_command_name":
        inner = named(inner[0])
    if len(inner) == 1:
        return compile_expr(unit, inner[0])
    return unit.refuse(node, "a command name of this form")


def _compile_arguments(unit: Unit, node: Any) -> list[tuple[str, Any]]:
    """[(kind, payload)]: ("param", name), ("colon", None) marks `-Name:value`, ("value", closure),
    ("splat", variable name)."""
    compiled: list[tuple[str, Any]] = []
    for child in node.children:
        kind = child.type
        if kind == "command_argument_sep":
            if text(child).strip() == ":" and compiled and compiled[-1][0] == "param":
                compiled.append(("colon", None))
            continue
        if kind == "comment":
            continue
        if kind == "command_parameter":
            raw = text(child)
            if raw.endswith(":"):
                compiled.append(("param", raw[1:-1]))
                compiled.append(("colon", None))
            else:
                compiled.append(("param", raw[1:]))
            continue
        if kind == "generic_token":
            raw = text(child)
            if _REDIRECTION.match(raw) or "$" in raw or "`" in raw:
                compiled.append(("value", unit.refuse(child, f"the command argument '{raw}' (redirection or "
                                                              "expansion in a bare word)")))
            else:
                compiled.append(("value", lambda scope, raw=raw: raw))
            continue
        if kind == "argument_list" and _method_call_argument(child):
            # `Cmd $x.Method($a)`: tree-sitter splits the argument at the parenthesis, PowerShell reads one
            # argument, the method call's result (about_Parsing: a member access and its argument list are one
            # expression in argument mode when nothing separates them).
            compiled[-1] = ("value", _method_call(unit, child.prev_sibling, child))
            continue
        if kind == "argument_list":
            parts = compile_arguments(unit, child)
            if len(parts) == 1:
                compiled.append(("value", parts[0]))
            else:
                compiled.append(("value", lambda scope, parts=parts: [unvoid(p(scope)) for p in parts]))
            continue
        inner = unwrap(child)
        if inner.type == "variable" and text(inner).startswith("@"):
            compiled.append(("splat", variable_name(text(inner))))
            continue
        if inner.type in ("redirection", "file_redirection_operator", "merging_redirection_operator"):
            compiled.append(("value", unit.refuse(child, "redirection")))
            continue
        compiled.append(("value", compile_expr(unit, child)))
    return compiled


def _method_call_argument(node: Any) -> bool:
    previous = node.prev_sibling
    return (previous is not None and previous.end_byte == node.start_byte
            and unwrap(previous).type == "member_access")


def _method_call(unit: Unit, target_node: Any, arguments_node: Any) -> Any:
    access = unwrap(target_node)
    target = compile_expr(unit, access.children[0])
    static = text(access.children[1]) == "::"
    name_node = next(c for c in access.children if c.type == "member_name")
    name = member_name(unit, name_node)
    arguments = compile_arguments(unit, arguments_node)
    if static or not isinstance(name, str):
        return unit.refuse(target_node, "a static or computed-name method call as a command argument")

    def call(scope: Any) -> Any:
        return members.invoke_method(target(scope), name, [a(scope) for a in arguments], scope)
    return call


def _evaluator(arguments: list[tuple[str, Any]]) -> Any:
    """`_evaluate` for these arguments; positional values only (the commonest call) skip its walk over kinds."""
    if any(kind != "value" for kind, _ in arguments):
        return lambda scope: _evaluate(arguments, scope)
    values = [payload for _, payload in arguments]

    def positional(scope: Any) -> list[tuple[str | None, Any, bool]]:
        return [(None, None if value is VOID else value, True) for value in [part(scope) for part in values]]
    return positional


def _evaluate(arguments: list[tuple[str, Any]], scope: Any) -> list[tuple[str | None, Any, bool]]:
    """The argument list the binders take: ("name", value, has_value) for parameters, (None, value, True)."""
    result: list[tuple[str | None, Any, bool]] = []
    index = 0
    while index < len(arguments):
        kind, payload = arguments[index]
        index += 1
        if kind == "param":
            if index < len(arguments) and arguments[index][0] == "colon":
                index += 1
                value = arguments[index][1](scope) if index < len(arguments) else None
                index += 1
                result.append((payload, unvoid(value), True))
            else:
                result.append((payload, None, False))
        elif kind == "value":
            result.append((None, unvoid(payload(scope)), True))
        elif kind == "splat":
            result.extend(commands.splat(scope, payload))
    return result
