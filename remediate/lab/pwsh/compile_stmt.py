"""Statements (lang-spec chapter 8): statement lists, if, loops, switch, flow control, try/catch/finally.

A statement compiles to `fn(scope, out)`. The statement-list runner is where errors are decided (about_Try_Catch_
Finally, about_Preference_Variables): a terminating error inside a try (here or in a caller) goes to its catch; a
`throw` or any error under `$ErrorActionPreference = 'Stop'` ends the script; any other statement-terminating
error is written to the error stream and the next statement runs.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.pwsh import ops_bridge as ops
from remediate.lab.pwsh import records
from remediate.lab.pwsh.coverage import RECORDER
from remediate.lab.pwsh.errors import (BreakSignal, ContinueSignal, ExitSignal, NotImplementedConstruct, PSError,
                                       ReturnSignal)
from remediate.lab.pwsh.names import type_spec_text, variable_name
from remediate.lab.pwsh.objects import VOID, items, unvoid, write
from remediate.lab.pwsh.registry import Unit, compile_expr, compile_stmt, named, stmt, text
from remediate.lab.windows import clr
from remediate.lab.windows.psexceptions import RuntimeException
from remediate.lab.windows.refusal import NotModeled


@stmt("statement_list", "script_block_body")
def compile_statement_list(unit: Unit, node: Any) -> Any:
    compiled = []
    for child in named(node):
        if child.type == "empty_statement":
            continue
        if child.type == "statement_list":
            compiled.append((unit.pos(child), compile_statement_list(unit, child)))
            continue
        compiled.append((unit.pos(child), compile_stmt(unit, child)))
    compiled = [(pos, pos.line, statement) for pos, statement in compiled]

    key = unit.key
    hits: set[int] | None = None  # the recorder's set for this script, fetched at the first run

    def run(scope: Any, out: list) -> None:
        nonlocal hits
        if hits is None:
            hits = RECORDER.live(key)
        session = scope.session
        for pos, line, statement in compiled:
            session.pos = pos
            hits.add(line)
            try:
                statement(scope, out)
            except PSError as error:
                session.statement_error(scope, error)
            except clr.DotNetException as error:
                session.statement_error(scope, PSError(records.from_exception(error, pos)))
            except NotModeled as error:
                raise NotImplementedConstruct(error.construct, pos.file, pos.line, pos.source) from error
    return run


@stmt("comment")
def compile_comment(unit: Unit, node: Any) -> Any:
    return lambda scope, out: None


def _block(unit: Unit, node: Any | None) -> Any:
    """A statement_block ({ statements }) or None -> a statement closure."""
    if node is None:
        return lambda scope, out: None
    body = node.child_by_field_name("statement_list")
    if body is None:
        body = next((c for c in node.children if c.type == "statement_list"), None)
    if body is None:
        return lambda scope, out: None
    return compile_statement_list(unit, body)


def _condition(unit: Unit, node: Any) -> Any:
    value = compile_expr(unit, node)
    return lambda scope: ops.is_true(value(scope))


@stmt("if_statement")
def compile_if(unit: Unit, node: Any) -> Any:
    # conditions as plain expressions: if_ applies is_true itself (one call less per test)
    branches = [(compile_expr(unit, node.child_by_field_name("condition")),
                 _block(unit, next(c for c in node.children if c.type == "statement_block")))]
    elseifs = node.child_by_field_name("elseif_clauses")
    for clause in named(elseifs) if elseifs is not None else []:
        branches.append((compile_expr(unit, clause.child_by_field_name("condition")),
                         _block(unit, next(c for c in clause.children if c.type == "statement_block"))))
    else_clause = node.child_by_field_name("else_clause")
    otherwise = _block(unit, next(c for c in else_clause.children if c.type == "statement_block")) \
        if else_clause is not None else None

    is_true = ops.is_true

    def if_(scope: Any, out: list) -> None:
        for condition, body in branches:
            if is_true(condition(scope)):
                body(scope, out)
                return
        if otherwise is not None:
            otherwise(scope, out)
    return if_


def _loop_body(body: Any, label: str | None) -> Any:
    """Runs one iteration; returns False when the loop must stop (break)."""
    def iteration(scope: Any, out: list) -> bool:
        try:
            body(scope, out)
        except BreakSignal as signal:
            if signal.label is None or (label and signal.label.casefold() == label):
                return False
            raise
        except ContinueSignal as signal:
            if signal.label is None or (label and signal.label.casefold() == label):
                return True
            raise
        return True
    return iteration


def _label(unit: Unit, node: Any) -> str | None:
    label = next((c for c in node.children if c.type == "label"), None)
    return text(label).lstrip(":").casefold() if label is not None else None


@stmt("foreach_statement")
def compile_foreach(unit: Unit, node: Any) -> Any:
    if any(c.type == "foreach_parameter" for c in node.children):
        return unit.refuse(node, "foreach -parallel")
    variable = next(c for c in node.children if c.type == "variable")
    name = variable_name(text(variable))
    source = compile_expr(unit, next(c for c in node.children if c.type == "pipeline"))
    iteration = _loop_body(_block(unit, next(c for c in node.children if c.type == "statement_block")),
                           _label(unit, node))
    key = name.casefold() if ":" not in name else None

    def foreach(scope: Any, out: list) -> None:
        value = source(scope)
        # PowerShell 2.0 runs the body once for a $null collection (3.0 changed it: about_Foreach).
        elements = [None] if value is None and scope.session.ps_version < 3 else items(value)
        for element in elements:
            if key is not None:
                scope.set_local(key, element, ops.convert)
            else:
                scope.set(name, element, lambda v, t: ops.convert(v, t, scope))
            if not iteration(scope, out):
                break
    return foreach


@stmt("for_statement")
def compile_for(unit: Unit, node: Any) -> Any:
    def part(kind: str) -> Any:
        found = next((c for c in node.children if c.type == kind), None)
        inner = named(found) if found is not None else []
        return compile_expr(unit, inner[0]) if inner else None
    initializer, condition, iterator = part("for_initializer"), part("for_condition"), part("for_iterator")
    iteration = _loop_body(_block(unit, next(c for c in node.children if c.type == "statement_block")),
                           _label(unit, node))

    def for_(scope: Any, out: list) -> None:
        if initializer is not None:
            write(out, _statement_value(initializer(scope), node_kind_assign=True))
        while condition is None or ops.is_true(condition(scope)):
            if not iteration(scope, out):
                break
            if iterator is not None:
                iterator(scope)
    return for_


def _statement_value(value: Any, node_kind_assign: bool) -> Any:
    return VOID if node_kind_assign else value


@stmt("while_statement")
def compile_while(unit: Unit, node: Any) -> Any:
    condition_node = next(c for c in node.children if c.type == "while_condition")
    condition = _condition(unit, named(condition_node)[0])
    iteration = _loop_body(_block(unit, next(c for c in node.children if c.type == "statement_block")),
                           _label(unit, node))

    def while_(scope: Any, out: list) -> None:
        while condition(scope):
            if not iteration(scope, out):
                break
    return while_


@stmt("flow_control_statement")
def compile_flow_control(unit: Unit, node: Any) -> Any:
    keyword = text(node.children[0]).casefold()
    operands = named(node)
    value = compile_expr(unit, operands[0]) if operands and operands[0].type != "label" else None
    label = text(operands[0]).lstrip(":") if operands and operands[0].type == "label" else None
    pos = unit.pos(node)
    if keyword == "return":
        def return_(scope: Any, out: list) -> None:
            if value is not None:
                write(out, value(scope))
            raise ReturnSignal()
        return return_
    if keyword in ("break", "continue"):
        signal = BreakSignal if keyword == "break" else ContinueSignal
        if value is not None:
            return unit.refuse(node, f"{keyword} with a computed label")

        def jump(scope: Any, out: list) -> None:
            raise signal(label)
        return jump
    if keyword == "throw":
        def throw(scope: Any, out: list) -> None:
            if value is None:
                current = scope.get("_", None) if scope.session.in_catch else None
                if isinstance(current, clr.ErrorRecord):
                    raise PSError(current, script_terminating=True)
                raise records.thrown(None, pos)
            raise records.thrown(unvoid(value(scope)), pos)
        return throw
    if keyword == "exit":
        def exit_(scope: Any, out: list) -> None:
            code = 0 if value is None else int(ops.convert(value(scope), "System.Int32", scope))
            raise ExitSignal(code)
        return exit_
    return unit.refuse(node, f"the flow-control statement '{keyword}'")


@stmt("try_statement")
def compile_try(unit: Unit, node: Any) -> Any:
    body = _block(unit, next(c for c in node.children if c.type == "statement_block"))
    catches = []
    clauses = next((c for c in node.children if c.type == "catch_clauses"), None)
    for clause in named(clauses) if clauses is not None else []:
        types_node = next((c for c in clause.children if c.type == "catch_type_list"), None)
        type_names = [type_spec_text(t) for t in named(types_node)] if types_node is not None else []
        catches.append((type_names, _block(unit, next(c for c in clause.children if c.type == "statement_block"))))
    finally_node = next((c for c in node.children if c.type == "finally_clause"), None)
    finally_ = _block(unit, next(c for c in finally_node.children if c.type == "statement_block")) \
        if finally_node is not None else None

    def try_(scope: Any, out: list) -> None:
        session = scope.session
        try:
            session.try_depth += 1
            try:
                body(scope, out)
            finally:
                session.try_depth -= 1
        except PSError as error:
            handler = _handler(catches, error.record, scope)
            if handler is None:
                raise
            session.record_error(error.record)
            scope.set("_", error.record)
            session.in_catch += 1
            try:
                handler(scope, out)
            finally:
                session.in_catch -= 1
        finally:
            if finally_ is not None:
                finally_(scope, out)
    return try_


def _handler(catches: list, record: clr.ErrorRecord, scope: Any) -> Any:
    """The catch clause for an error (PowerShell's ExceptionHandlingOps.FindMatchingHandler): a wrapped .NET
    exception (MethodInvocationException's InnerException) is tried first against the typed clauses, so
    `catch [System.FormatException]` catches `[int]::Parse('x')`; then the exception itself against every clause in
    order, a clause without types catching anything. `$_` stays the record either way."""
    inner = getattr(record.exception, "InnerException", None)
    if isinstance(record.exception, RuntimeException) and isinstance(inner, BaseException):
        found = _typed_handler(catches, inner, scope)
        if found is not None:
            return found
    names = [n.casefold() for n in clr.type_names(record.exception)]
    for type_names, handler in catches:
        if not type_names:
            return handler
        for type_name in type_names:
            if ops.resolve_type(type_name, scope).casefold() in names:
                return handler
    return None


def _typed_handler(catches: list, exception: BaseException, scope: Any) -> Any:
    names = [n.casefold() for n in clr.type_names(exception)]
    for type_names, handler in catches:
        for type_name in type_names:
            if ops.resolve_type(type_name, scope).casefold() in names:
                return handler
    return None


@stmt("function_statement")
def compile_function(unit: Unit, node: Any) -> Any:
    from remediate.lab.pwsh.functions import compile_code
    name = text(next(c for c in node.children if c.type == "function_name"))
    if text(node.children[0]).casefold() != "function":
        return unit.refuse(node, f"'{text(node.children[0])}' (only 'function' definitions)")
    params = next((c for c in node.children if c.type == "function_parameter_declaration"), None)
    block = next((c for c in node.children if c.type == "script_block"), None)
    if params is not None and block is not None and any(c.type == "param_block" for c in block.children):
        return unit.refuse(node, "a function with both parameters after its name and a param block")
    code = compile_code(unit, params, block, name)  # `function F($a, $b) {}` declares what param() would
    code.is_function = True

    def define(scope: Any, out: list) -> None:
        scope.functions[name.casefold()] = code
    return define



@stmt("do_statement")
def compile_do(unit: Unit, node: Any) -> Any:
    """`do { } while (c)` repeats while c is true, `do { } until (c)` until it is; the body runs at least once."""
    until = any(c.type == "until" for c in node.children)
    condition_node = node.child_by_field_name("condition")
    condition = _condition(unit, named(condition_node)[0] if condition_node.type == "while_condition"
                           else condition_node)
    iteration = _loop_body(_block(unit, next(c for c in node.children if c.type == "statement_block")), None)

    def do(scope: Any, out: list) -> None:
        while iteration(scope, out):
            if condition(scope) == until:
                break
    return do
