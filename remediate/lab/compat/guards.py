"""Platform guards: what an `if` condition of the agent says on one platform (True, False, or None: undecided).

Only the forms listed in walk.py's docstring are decided; everything else is None, so both branches are walked.
"""

from __future__ import annotations

import operator
from typing import Any

from remediate.lab.compat.catalog_language import COM
from remediate.lab.compat.platforms import Platform

_COMPARE = {"-eq": operator.eq, "-ieq": operator.eq, "-ceq": operator.eq, "-ne": operator.ne, "-ine": operator.ne,
            "-cne": operator.ne, "-ge": operator.ge, "-gt": operator.gt, "-le": operator.le, "-lt": operator.lt}


def evaluate(walk: Any, node: Any, platform: Platform, fn: str) -> bool | None:
    node = walk.unwrap(node)
    kind = node.type
    if kind == "expression_with_unary_operator":
        op = walk.text(node.children[0]).lower()
        if op in ("-not", "!"):
            inner = evaluate(walk, node.children[-1], platform, fn)
            return None if inner is None else not inner
        return None
    if kind == "logical_expression" and len(node.named_children) == 2:
        op = next((walk.text(c).lower() for c in node.children if not c.is_named), "")
        left = evaluate(walk, node.named_children[0], platform, fn)
        right = evaluate(walk, node.named_children[1], platform, fn)
        if op == "-and":
            return False if False in (left, right) else (True if left and right else None)
        if op == "-or":
            return True if True in (left, right) else (False if left is False and right is False else None)
        return None
    if kind == "command":
        return _command(walk, node, platform)
    if kind == "comparison_expression" and len(node.named_children) == 3:
        left, op_node, right = node.named_children
        compare = _COMPARE.get(walk.text(op_node).lower())
        lvals, rvals = value(walk, left, platform, fn), value(walk, right, platform, fn)
        if compare is None or lvals is None or rvals is None:
            return None
        if len(lvals) == 1 and len(rvals) == 1:
            return bool(compare(next(iter(lvals)), next(iter(rvals))))
        if compare is operator.eq and not lvals & rvals:
            return False
        if compare is operator.ne and not lvals & rvals:
            return True
        return None
    return None


def _command(walk: Any, node: Any, platform: Platform) -> bool | None:
    name = walk.text(node.child_by_field_name("command_name")).lower()
    elements = node.child_by_field_name("command_elements")
    args: list[str] = []
    params: list[str] = []
    if elements is not None:
        for child in elements.named_children:
            if child.type == "command_parameter":
                params.append(walk.text(child).lower())
            elif child.type != "command_argument_sep":
                args.append(walk.text(child))
    if name == "get-command":
        positional = [a for a in args if a.lower() not in ("silentlycontinue", "stop", "continue")]
        return platform.has_command(positional[0].strip("'\"")) if positional else None
    if name == "get-pssnapin" and "-registered" in params:
        literal = [a for a in args if a[:1] in "'\""]
        return platform.has_snapin(literal[0][1:-1] if literal else None)
    return None


def value(walk: Any, node: Any, platform: Platform, fn: str) -> set[Any] | None:
    """The values an operand can have on the platform, or None when unknown."""
    node = walk.unwrap(node)
    text = walk.text(node)
    if node.type in ("integer_literal", "decimal_integer_literal"):
        return {int(text)}
    if node.type == "string_literal":
        return {text[1:-1]}
    squashed = text.replace(" ", "").lower()
    if squashed in ("[system.environment]::osversion.version.major", "[environment]::osversion.version.major"):
        return {platform.os[0]}
    if squashed == "$psversiontable.psversion.major":
        return {platform.ps[0]}
    if node.type == "variable" and text.lower() == "$null":
        return {None}
    if node.type == "variable" and fn and _com_or_null(walk, fn, text.lower(), platform):
        return {None}  # every assignment is $null or a COM object this platform does not register
    if node.type == "variable" and fn:
        source = assigned_from(walk, fn).get(text.lower())
        if source is not None:
            returned = walk.returns.get(source, {}).get(platform.name)
            if returned is None:
                return None
            return set(returned)
    return None


def _com_or_null(walk: Any, fn: str, name: str, platform: Platform) -> bool:
    values = assignments(walk, fn).get(name, [])
    if not values:
        return False
    for value in values:
        text = " ".join(walk.text(value).split()).lower()
        if text == "$null":
            continue
        if not text.startswith("new-object -comobject "):
            return False
        entry = COM.get(text.split()[-1].strip("'\""))
        if entry is None or not entry.needs or entry.needs in platform.capabilities:
            return False
    return True


def assignments(walk: Any, fn: str) -> dict[str, list[Any]]:
    """The function's `$var = value` assignments: variable (lower case) -> value nodes, computed once."""
    cache = walk.__dict__.setdefault("_assignments", {})
    if fn not in cache:
        found: dict[str, list[Any]] = {}
        for node in walk._all(walk.functions[fn]):
            if node.type == "assignment_expression":
                left = walk.text(walk.unwrap(node.children[0])).lower()
                found.setdefault(left, []).append(walk.unwrap(node.child_by_field_name("value")))
        cache[fn] = found
    return cache[fn]


def assigned_from(walk: Any, fn: str) -> dict[str, str]:
    """Variables of the function assigned exactly once, from a call of an agent function without arguments."""
    cache = walk.__dict__.setdefault("_assigned", {})
    if fn in cache:
        return cache[fn]
    found: dict[str, str | None] = {}
    for node in walk._all(walk.functions[fn]):
        if node.type != "assignment_expression":
            continue
        left = walk.unwrap(node.children[0])
        if left.type != "variable":
            continue
        name = walk.text(left).lower()
        right = walk.unwrap(node.child_by_field_name("value"))
        callee = None
        if right.type == "command" and right.child_by_field_name("command_elements") is None:
            callee = walk.text(right.child_by_field_name("command_name")).lower()
            callee = callee if callee in walk.functions else None
        found[name] = callee if name not in found else None
    cache[fn] = {k: v for k, v in found.items() if v is not None}
    return cache[fn]
