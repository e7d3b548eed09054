"""Expressions: operators, literals, variables, casts and type literals (lang-spec chapter 7).

Every compiler here turns a node into `fn(scope) -> value`. Operator semantics are the semantics modules', reached
through `ops_bridge`; this module decides evaluation order, short-circuiting, and what the operands are.
"""

from __future__ import annotations

import decimal
from typing import Any

from remediate.lab.pwsh import ops_bridge as ops
from remediate.lab.pwsh.objects import VOID, TypeLiteral, unvoid
from remediate.lab.pwsh.compile_assign import compile_increment
from remediate.lab.pwsh.names import WRAPPERS, comma_after_type, type_spec_text, unwrap, variable_name
from remediate.lab.pwsh.registry import Unit, compile_expr, expr, text
from remediate.lab.pwsh.variables import make_reader
from remediate.lab.windows import clr
from remediate.lab.windows.psexceptions import RuntimeException

_WRAPPERS = tuple(w for w in WRAPPERS if w != "pipeline_chain")
_OPERATOR_NODES = ("comparison_operator", "format_operator")


@expr(*_WRAPPERS)
def compile_chain(unit: Unit, node: Any) -> Any:
    operands = [c for c in node.children if c.is_named and c.type not in _OPERATOR_NODES and c.type != "comment"]
    if len(operands) == 1 and len(node.children) == 1:
        return compile_expr(unit, operands[0])
    tokens = [c for c in node.children if c.type != "comment"]
    if node.type in ("array_literal_expression",):
        parts = [compile_expr(unit, c) for c in operands]
        return lambda scope: [unvoid(part(scope)) for part in parts]
    if len(tokens) != 3:
        return unit.refuse(node, f"a {node.type} of {len(tokens)} parts")
    left, operator, right = compile_expr(unit, tokens[0]), text(tokens[1]).strip(), compile_expr(unit, tokens[2])
    return _binary(unit, node, operator.casefold(), left, right)


def _binary(unit: Unit, node: Any, op: str, left: Any, right: Any) -> Any:
    if op == "-and":
        return lambda scope: ops.is_true(left(scope)) and ops.is_true(right(scope))
    if op == "-or":
        return lambda scope: ops.is_true(left(scope)) or ops.is_true(right(scope))
    if op == "-xor":
        return lambda scope: ops.is_true(left(scope)) != ops.is_true(right(scope))
    if op in ("+", "-", "*", "/", "%", "-band", "-bor", "-bxor", "-shl", "-shr"):
        return lambda scope: ops.binary(op, unvoid(left(scope)), unvoid(right(scope)), scope)
    if op in ("-is", "-isnot"):
        type_test = ops.comparison(op)
        return lambda scope: type_test(unvoid(left(scope)), _type_name(right(scope), scope), scope)
    if op == "-as":
        return lambda scope: ops.binary(op, unvoid(left(scope)), _type_name(right(scope), scope), scope)
    if op == "..":
        def range_(scope: Any) -> list:
            start = int(ops.convert(left(scope), "System.Int32", scope))
            stop = int(ops.convert(right(scope), "System.Int32", scope))
            step = 1 if stop >= start else -1
            return list(range(start, stop + step, step))
        return range_
    comparison = ops.comparison(op) if op.startswith("-") else None
    if comparison is not None:
        def compare_values(scope: Any) -> Any:
            a = left(scope)
            b = right(scope)
            return comparison(None if a is VOID else a, None if b is VOID else b, scope)
        return compare_values
    if op.startswith("-"):
        def compare(scope: Any) -> Any:
            result, matches = ops.compare(op, unvoid(left(scope)), unvoid(right(scope)), scope)
            if matches is not None:
                scope.set("matches", matches)
            return result
        return compare
    return unit.refuse(node, f"the operator '{op}'")


def _type_name(value: Any, scope: Any) -> str:
    if isinstance(value, TypeLiteral):
        return value.name
    if isinstance(value, str):
        return ops.resolve_type(value, scope)
    raise RuntimeException("The right operand of '-is' or '-as' must be a type.", error_id="IsOperatorRequiresType")


# ---- unary ---------------------------------------------------------------------------------------------------

@expr("expression_with_unary_operator")
def compile_unary(unit: Unit, node: Any) -> Any:
    first = node.children[0]
    if first.type == "cast_expression":
        return compile_expr(unit, first)
    if first.type in ("pre_increment_expression", "pre_decrement_expression"):
        op = "++" if first.type == "pre_increment_expression" else "--"
        return compile_increment(unit, first.children[-1], op, prefix=True)
    operand_node = node.children[-1]
    op = text(first).casefold()
    if op in ("++", "--"):
        return compile_increment(unit, operand_node, op, prefix=True)
    operand = compile_expr(unit, operand_node)
    if op == ",":
        return lambda scope: [unvoid(operand(scope))]
    if op in ("-not", "!"):
        return lambda scope: not ops.is_true(operand(scope))
    if op in ("-", "+", "-bnot"):
        return lambda scope: ops.unary(op, unvoid(operand(scope)), scope)
    if op in ("-join", "-split"):
        return lambda scope: ops.unary(op, unvoid(operand(scope)), scope)
    return unit.refuse(node, f"the unary operator '{op}'")


@expr("cast_expression")
def compile_cast(unit: Unit, node: Any) -> Any:
    elements = comma_after_type(node)
    if elements is not None:
        parts = [compile_expr(unit, e) for e in elements]
        return lambda scope: [unvoid(p(scope)) for p in parts]
    type_node, operand_node = node.children[0], node.children[-1]
    name = type_spec_text(type_node)
    key = name.casefold()
    if key == "ref":
        target_node = unwrap(operand_node)
        target = variable_name(text(target_node)) if target_node.type == "variable" else None
        if target is None:
            return unit.refuse(node, "[ref] of something other than a variable")
        return lambda scope: scope.reference(target, lambda v, t: ops.convert(v, t, scope))
    operand = compile_expr(unit, operand_node)
    if key == "void":
        def void(scope: Any) -> Any:
            operand(scope)
            return VOID
        return void
    return lambda scope: ops.convert(operand(scope), name, scope)


@expr("type_literal")
def compile_type_literal(unit: Unit, node: Any) -> Any:
    name = type_spec_text(node)
    cache: dict[int, TypeLiteral] = {}

    def type_literal(scope: Any) -> TypeLiteral:
        session = scope.session
        found = cache.get(session.framework_key)
        if found is None:
            found = cache[session.framework_key] = type_literal_of(name, scope)
        return found
    return type_literal


def type_literal_of(name: str, scope: Any) -> TypeLiteral:
    """`[name]` on this host: a type its .NET Framework lacks (clr SINCE) is not found, as on Windows."""
    full = ops.resolve_type(name, scope)
    impl = clr.TYPES.get(full.casefold())
    if impl is not None and getattr(impl, "SINCE", None) and \
            not clr.available(impl, str(getattr(scope.machine, "framework", "4.7.2"))):
        suffix = ": make sure that the assembly containing this type is loaded" if scope.ps_version < 3 else ""
        raise RuntimeException(f"Unable to find type [{name}]{suffix}.", error_id="TypeNotFound")
    return TypeLiteral(full, impl)


# ---- variables -----------------------------------------------------------------------------------------------

_CONSTANTS = {"true": True, "false": False, "null": None}


@expr("variable")
def compile_variable(unit: Unit, node: Any) -> Any:
    raw = text(node)
    if raw.startswith("@"):
        return unit.refuse(node, "splatting outside a command's arguments")
    name = variable_name(raw)
    key = name.casefold()
    if key in _CONSTANTS:
        value = _CONSTANTS[key]
        return lambda scope: value
    if key.startswith("env:"):
        variable = name[4:]
        return lambda scope: scope.session.environment_variable(variable)
    if key == "?":
        return lambda scope: scope.session.last_ok
    return make_reader(name)


# ---- literals ------------------------------------------------------------------------------------------------

_MULTIPLIERS = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4, "pb": 1024**5}


def integer_value(raw: str) -> Any:
    """lang-spec 2.3.5.1.1: the smallest of int, long, decimal, double that holds it; 0x... fits Int32 in 32 bits."""
    lowered = raw.casefold()
    multiplier = 1
    if lowered[-2:] in _MULTIPLIERS:
        multiplier, lowered = _MULTIPLIERS[lowered[-2:]], lowered[:-2]
    long_suffix = lowered.endswith("l")
    if long_suffix:
        lowered = lowered[:-1]
    if lowered.startswith("0x"):
        number = int(lowered[2:], 16)
        if number <= 0xFFFFFFFF and not long_suffix:
            number = number - 2**32 if number >= 2**31 else number
        elif number <= 0xFFFFFFFFFFFFFFFF:
            number = number - 2**64 if number >= 2**63 else number
        number *= multiplier
    else:
        number = int(lowered) * multiplier
    if long_suffix:
        return clr.Int64(number)
    if -(2**31) <= number < 2**31:
        return number
    if -(2**63) <= number < 2**63:
        return clr.Int64(number)
    return decimal.Decimal(number) if abs(number) < 2**96 else float(number)


@expr("integer_literal", "decimal_integer_literal", "hexadecimal_integer_literal")
def compile_integer(unit: Unit, node: Any) -> Any:
    value = integer_value(text(node))
    return lambda scope: value


@expr("real_literal")
def compile_real(unit: Unit, node: Any) -> Any:
    raw = text(node).casefold()
    multiplier = 1
    if raw[-2:] in _MULTIPLIERS:
        multiplier, raw = _MULTIPLIERS[raw[-2:]], raw[:-2]
    if raw.endswith("d"):
        value: Any = decimal.Decimal(raw[:-1]) * multiplier
    else:
        value = float(raw) * multiplier
    return lambda scope: value
