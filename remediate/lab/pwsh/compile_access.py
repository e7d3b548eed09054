"""Primary expressions: member access and method calls (`.` and `::`), indexing, `( )`, `$( )`, `@( )`, hash
literals and script block literals (lang-spec 7.1).
"""

from __future__ import annotations

from typing import Any

from remediate.lab.pwsh import members
from remediate.lab.pwsh import ops_bridge as ops
from remediate.lab.pwsh.functions import compile_code
from remediate.lab.pwsh.names import comma_after_type
from remediate.lab.pwsh.objects import ScriptBlock, TypeLiteral, collect, unvoid
from remediate.lab.pwsh.registry import Unit, compile_expr, compile_stmt, expr, named, text
from remediate.lab.windows import clr
from remediate.lab.windows.psexceptions import RuntimeException


def member_name(unit: Unit, node: Any) -> Any:
    """A member name: a constant string, or a closure for `$x.$name` / `$x.'quoted'`."""
    inner = named(node)
    if len(inner) == 1 and inner[0].type == "simple_name":
        return text(inner[0])
    if len(inner) == 1:
        value = compile_expr(unit, inner[0])
        return lambda scope: ops.to_string(value(scope), scope)
    return text(node)


def _parts(node: Any) -> tuple[Any, str, Any, Any]:
    """(target node, '.' or '::', member_name node, argument_list node or None)."""
    target = node.children[0]
    operator = text(node.children[1])
    name = next(c for c in node.children if c.type == "member_name")
    arguments = next((c for c in node.children if c.type == "argument_list"), None)
    return target, operator, name, arguments


@expr("member_access")
def compile_member_access(unit: Unit, node: Any) -> Any:
    target_node, operator, name_node, _ = _parts(node)
    target = compile_expr(unit, target_node)
    name = member_name(unit, name_node)
    static = operator == "::"
    if isinstance(name, str):
        if static:
            return lambda scope: _static_get(target(scope), name, scope)
        key = name.casefold()
        return lambda scope: members.get_member(target(scope), name, scope, key)
    if static:
        return lambda scope: _static_get(target(scope), name(scope), scope)
    return lambda scope: members.get_member(target(scope), name(scope), scope)


def _static_get(target: Any, name: str, scope: Any) -> Any:
    if not isinstance(target, TypeLiteral):
        target = _as_type(target, scope)
    return members.get_static(target, name, scope)


def _as_type(value: Any, scope: Any) -> TypeLiteral:
    full = ops.resolve_type(ops.to_string(value, scope), scope)
    return TypeLiteral(full, clr.TYPES.get(full.casefold()))


def compile_arguments(unit: Unit, node: Any | None) -> list[Any]:
    if node is None:
        return []
    listing = node.child_by_field_name("argument_expression_list")
    if listing is None:
        listing = next((c for c in node.children if c.type == "argument_expression_list"), None)
    if listing is None:
        return []
    nodes: list[Any] = []
    for child in named(listing):
        nodes.extend(comma_after_type(child) or [child])
    return [compile_expr(unit, c) for c in nodes]


@expr("invokation_expression")
def compile_invocation(unit: Unit, node: Any) -> Any:
    target_node, operator, name_node, arguments_node = _parts(node)
    target = compile_expr(unit, target_node)
    name = member_name(unit, name_node)
    arguments = compile_arguments(unit, arguments_node)
    static = operator == "::"
    if not isinstance(name, str):
        return unit.refuse(node, "a method call with a computed name")
    if static:
        def call_static(scope: Any) -> Any:
            type_ = target(scope)
            if not isinstance(type_, TypeLiteral):
                type_ = _as_type(type_, scope)
            return members.invoke_static(type_, name, [a(scope) for a in arguments], scope)
        return call_static

    key = name.casefold()

    def call(scope: Any) -> Any:
        value = target(scope)
        return members.invoke_method(value, name, [a(scope) for a in arguments], scope, key)
    return call


@expr("element_access")
def compile_element_access(unit: Unit, node: Any) -> Any:
    target = compile_expr(unit, node.children[0])
    index_nodes = [c for c in node.children[1:] if c.is_named and c.type != "comment"]
    if len(index_nodes) != 1:
        return unit.refuse(node, "an index expression of this shape")
    index = compile_expr(unit, index_nodes[0])
    return lambda scope: members.get_index(target(scope), unvoid(index(scope)), scope)


@expr("parenthesized_expression")
def compile_parenthesized(unit: Unit, node: Any) -> Any:
    inner = named(node)
    if len(inner) != 1:
        return unit.refuse(node, "an empty or multi-part parenthesized expression")
    return compile_expr(unit, inner[0])


@expr("sub_expression")
def compile_sub_expression(unit: Unit, node: Any) -> Any:
    statements = node.child_by_field_name("statements")
    if statements is None:
        return lambda scope: None
    body = compile_stmt(unit, statements)

    def sub_expression(scope: Any) -> Any:
        out: list = []
        body(scope, out)
        return collect(out)
    return sub_expression


@expr("array_expression")
def compile_array_expression(unit: Unit, node: Any) -> Any:
    statements = node.child_by_field_name("statements")
    if statements is None:
        return lambda scope: []
    body = compile_stmt(unit, statements)

    def array_expression(scope: Any) -> list:
        out: list = []
        body(scope, out)
        return out
    return array_expression


@expr("hash_literal_expression")
def compile_hash_literal(unit: Unit, node: Any) -> Any:
    body = next((c for c in node.children if c.type == "hash_literal_body"), None)
    entries = []
    for entry in named(body) if body is not None else []:
        if entry.type != "hash_entry":
            return unit.refuse(entry, f"'{entry.type}' in a hash literal")
        key_node = next(c for c in entry.children if c.type == "key_expression")
        value_node = [c for c in entry.children if c.is_named and c is not key_node and c.type != "comment"][-1]
        entries.append((_key(unit, key_node), compile_expr(unit, value_node)))

    def hash_literal(scope: Any) -> clr.Hashtable:
        table = clr.Hashtable()
        for key, value in entries:
            k = key(scope)
            if k in table:
                raise RuntimeException(f"Duplicate keys '{k}' are not allowed in hash literals.",
                                       error_id="DuplicateKeyInHashLiteral")
            table[k] = unvoid(value(scope))
        return table
    return hash_literal


def _key(unit: Unit, node: Any) -> Any:
    inner = named(node)
    if len(inner) == 1 and inner[0].type == "simple_name":
        name = text(inner[0])
        return lambda scope: name
    if len(inner) == 1:
        value = compile_expr(unit, inner[0])
        return lambda scope: unvoid(value(scope))
    return unit.refuse(node, "a hash literal key of this shape")


@expr("script_block_expression")
def compile_script_block_expression(unit: Unit, node: Any) -> Any:
    param_block = next((c for c in node.children if c.type == "param_block"), None)
    block = next((c for c in node.children if c.type == "script_block"), None)
    code = compile_code(unit, param_block, block, "<ScriptBlock>")
    source = text(node)[1:-1]
    return lambda scope: ScriptBlock(code, source)
