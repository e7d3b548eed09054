"""The switch statement (lang-spec 8.6, about_Switch).

Each element of the condition (a collection is enumerated; a scalar is one element) is tested against every clause
in order and EVERY matching clause runs, with `$_` the element; `break` leaves the switch, `continue` goes to the
next element; `default` runs when no other clause matched that element. A clause is a value compared as `-eq`
does (strings case-insensitively unless -CaseSensitive), or with -Wildcard as `-like`, with -Regex as `-match`
(setting `$matches`), or a script block whose result decides. -Exact is the default comparison.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.pwsh import ops_bridge as ops
from remediate.lab.pwsh.errors import BreakSignal, ContinueSignal
from remediate.lab.pwsh.functions import bind_and_run, compile_code
from remediate.lab.pwsh.names import unwrap
from remediate.lab.pwsh.objects import items
from remediate.lab.pwsh.registry import Unit, compile_expr, compile_stmt, named, stmt, text


@stmt("switch_statement")
def compile_switch(unit: Unit, node: Any) -> Any:
    options = {text(p).casefold().lstrip("-") for p in named(next((c for c in node.children
                                                                   if c.type == "switch_parameters"), node))
               if p.type == "switch_parameter"}
    unknown = options - {"casesensitive", "exact", "regex", "wildcard"}
    if unknown:
        return unit.refuse(node, f"switch -{sorted(unknown)[0]}")
    mode = "regex" if "regex" in options else "wildcard" if "wildcard" in options else "exact"
    case = "c" if "casesensitive" in options else "i"
    condition_node = next(c for c in node.children if c.type == "switch_condition")
    condition = compile_expr(unit, named(condition_node)[0])
    body = next(c for c in node.children if c.type == "switch_body")
    clauses_node = next((c for c in body.children if c.type == "switch_clauses"), None)
    clauses = []
    default = None
    for clause in named(clauses_node) if clauses_node is not None else []:
        test_node = next(c for c in clause.children if c.type == "switch_clause_condition")
        block = next(c for c in clause.children if c.type == "statement_block")
        statements = next((c for c in block.children if c.type == "statement_list"), None)
        action = compile_stmt(unit, statements) if statements is not None else (lambda scope, out: None)
        inner = named(test_node)
        if not inner and text(test_node).casefold() == "default":
            default = action
            continue
        clauses.append((_test(unit, test_node, inner, mode, case), action))

    def switch(scope: Any, out: list) -> None:
        value = condition(scope)
        for element in items(value) if value is not None else [None]:
            scope.vars["_"] = element
            matched = False
            try:
                for test, action in clauses:
                    if test(scope, element):
                        matched = True
                        action(scope, out)
                if not matched and default is not None:
                    default(scope, out)
            except BreakSignal as signal:
                if signal.label is None:
                    return
                raise
            except ContinueSignal as signal:
                if signal.label is None:
                    continue
                raise
    return switch


def _test(unit: Unit, node: Any, inner: list, mode: str, case: str) -> Any:
    if inner and unwrap(inner[0]).type == "script_block_expression":
        block = unwrap(inner[0])
        code = compile_code(unit, None, next((c for c in block.children if c.type == "script_block"), None),
                            "<switch clause>")

        def script_test(scope: Any, element: Any) -> bool:
            out = bind_and_run(code, scope, [], None, dot=True)
            return ops.is_true(out[0] if len(out) == 1 else out)
        return script_test
    if inner:
        value = compile_expr(unit, inner[0])
    else:
        word = text(node)
        value = lambda scope: word  # noqa: E731 - a bare word is a string
    operator = {"exact": "-" + case + "eq", "wildcard": "-" + case + "like", "regex": "-" + case + "match"}[mode]
    comparison = ops.comparison(operator)  # -eq: never sets $matches, parsed once

    def value_test(scope: Any, element: Any) -> bool:
        pattern = value(scope)
        if mode == "exact" and isinstance(pattern, str):
            left = ops.to_string(element, scope)
        else:
            left = element
        if comparison is not None:
            return bool(comparison(left, pattern, scope))
        result, matches = ops.compare(operator, left, pattern, scope)
        if matches is not None:
            scope.set("matches", matches)
        return bool(result)
    return value_test
