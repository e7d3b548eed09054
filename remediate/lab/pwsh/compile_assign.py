"""Assignment (`=`, `+=`, `-=`, `*=`, `/=`, `%=`) and `++`/`--` (lang-spec 7.11, 7.1.9, 7.2.6).

Targets: a variable (qualified or not), a typed variable (`[long]$n = 0` makes `$n` type-constrained), a member
(`$h.Key = 1`, `$o.Prop = 1`), an element (`$a[0] = 1`, `$h['k'] = 1`). The value of an assignment expression is
the value assigned (what `($x = 5)` yields); as a statement it writes nothing.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.pwsh import members
from remediate.lab.pwsh.compile_access import member_name
from remediate.lab.pwsh import ops_bridge as ops
from remediate.lab.pwsh.names import type_spec_text, unwrap, variable_name
from remediate.lab.pwsh.objects import VOID, unvoid
from remediate.lab.pwsh.registry import Unit, compile_expr, expr, named, text
from remediate.lab.pwsh.variables import undefined_variable

_MISSING = object()
_COMPOUND = {"+=": "+", "-=": "-", "*=": "*", "/=": "/", "%=": "%"}


def _target(unit: Unit, node: Any) -> tuple[Any, Any] | None:
    """(read(scope), write(scope, value)) for an assignable expression, or None."""
    node = unwrap(node)
    if node.type == "left_assignment_expression":
        inner = named(node)
        if len(inner) != 1:
            return None
        node = unwrap(inner[0])
    if node.type == "variable":
        name = variable_name(text(node))
        if text(node).startswith("@") or name.casefold() in ("true", "false"):
            return None
        if name.casefold() == "null":  # `$null = expr` discards the value
            return (lambda scope: None), (lambda scope, value: None)

        def read(scope: Any) -> Any:
            value = scope.get(name, _MISSING)
            if value is _MISSING:
                if scope.strict_level >= 1:
                    raise undefined_variable(name, scope)
                return None
            return value

        if ":" not in name:
            key = name.casefold()

            def write_local(scope: Any, value: Any) -> None:
                scope.set_local(key, value, ops.convert)
            write_local.local_key = key  # type: ignore[attr-defined]  # compile_assignment writes it inline
            return read, write_local

        def write(scope: Any, value: Any) -> None:
            scope.set(name, value, lambda v, t: ops.convert(v, t, scope))
        return read, write
    if node.type == "expression_with_unary_operator" and node.children[0].type == "cast_expression":
        node = node.children[0]
    if node.type == "cast_expression":
        type_name = type_spec_text(node.children[0])
        inner = unwrap(node.children[-1])
        if inner.type != "variable":
            return None
        name = variable_name(text(inner))

        def write_typed(scope: Any, value: Any) -> None:
            converted = ops.convert(value, type_name, scope)
            scope.constrain(name, type_name)
            scope.set(name, converted)
        return (lambda scope: scope.get(name, None)), write_typed
    if node.type == "member_access":
        target = compile_expr(unit, node.children[0])
        if text(node.children[1]) != ".":
            return None
        name_node = next(c for c in node.children if c.type == "member_name")
        name = member_name(unit, name_node)
        resolve = (lambda scope: name) if isinstance(name, str) else name

        def read_member(scope: Any) -> Any:
            return members.get_member(target(scope), resolve(scope), scope)

        def write_member(scope: Any, value: Any) -> None:
            members.set_member(target(scope), resolve(scope), value, scope)
        return read_member, write_member
    if node.type == "element_access":
        target = compile_expr(unit, node.children[0])
        index_nodes = [c for c in node.children[1:] if c.is_named and c.type != "comment"]
        if len(index_nodes) != 1:
            return None
        index = compile_expr(unit, index_nodes[0])

        def read_element(scope: Any) -> Any:
            return members.get_index(target(scope), unvoid(index(scope)), scope)

        def write_element(scope: Any, value: Any) -> None:
            members.set_index(target(scope), unvoid(index(scope)), value, scope)
        return read_element, write_element
    return None


@expr("assignment_expression")
def compile_assignment(unit: Unit, node: Any) -> Any:
    left = node.children[0]
    operator = text(next(c for c in node.children if c.type == "assignement_operator")).strip()
    value_node = node.child_by_field_name("value")
    if value_node is None or value_node.type != "pipeline":
        return unit.refuse(node, "assigning the value of a statement (only pipelines are assigned in 2.0)")
    inner = unwrap(left)
    if inner.type == "left_assignment_expression":
        inner = unwrap(named(inner)[0])
    if inner.type == "array_literal_expression":
        return unit.refuse(node, "multiple assignment ($a, $b = ...)")
    target = _target(unit, left)
    if target is None:
        return unit.refuse(node, "an assignment to this kind of target")
    read, write = target
    value = compile_expr(unit, value_node)
    local = getattr(write, "local_key", None)
    if operator == "=" and local is not None:
        def assign_local(scope: Any) -> Any:
            result = value(scope)
            if result is VOID:
                result = None
            constraints = scope.constraints
            if constraints and local in constraints:
                scope.set_local(local, result, ops.convert)
            else:
                scope.vars[local] = result
            return result
        return assign_local
    if operator == "=":
        def assign(scope: Any) -> Any:
            result = unvoid(value(scope))
            write(scope, result)
            return result
        return assign
    op = _COMPOUND.get(operator)
    if op is None:
        return unit.refuse(node, f"the assignment operator '{operator}'")

    def compound(scope: Any) -> Any:
        result = ops.binary(op, read(scope), unvoid(value(scope)), scope)
        write(scope, result)
        return result
    return compound


def compile_increment(unit: Unit, operand: Any, op: str, prefix: bool) -> Any:
    target = _target(unit, operand)
    if target is None:
        return unit.refuse(operand, f"'{op}' on something that cannot be assigned")
    read, write = target
    arithmetic = "+" if op == "++" else "-"

    def increment(scope: Any) -> Any:
        old = read(scope)
        # $null++ is 1 (lang-spec 7.1.9): $null counts as 0.
        new = ops.binary(arithmetic, 0 if old is None else old, 1, scope)
        write(scope, new)
        return new if prefix else old
    return increment


@expr("post_increment_expression", "post_decrement_expression")
def compile_post_increment(unit: Unit, node: Any) -> Any:
    op = "++" if node.type == "post_increment_expression" else "--"
    return compile_increment(unit, node.children[0], op, prefix=False)

