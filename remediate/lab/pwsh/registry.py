"""Node-kind dispatch for the compiler: every tree-sitter node kind the interpreter implements is registered here by
the `compile_*` modules; any other kind compiles to a closure that raises NotImplementedConstruct (file, line,
construct) when it runs. No node is ever skipped.

The parse tree is compiled once per script text into Python closures: an expression becomes `fn(scope) -> value`,
a statement `fn(scope, out) -> None` that appends its output objects to `out` (the pipeline it writes to).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from remediate.lab.pwsh.coverage import RECORDER, script_key
from remediate.lab.pwsh.errors import NotImplementedConstruct
from remediate.lab.pwsh.parse import Pos

Expr = Callable[[Any], Any]
Stmt = Callable[[Any, list], None]

EXPR: dict[str, Callable[[Unit, Any], Expr]] = {}
STMT: dict[str, Callable[[Unit, Any], Stmt]] = {}


def expr(*kinds: str) -> Callable:
    def register(function: Callable) -> Callable:
        for kind in kinds:
            EXPR[kind] = function
        return function
    return register


def stmt(*kinds: str) -> Callable:
    def register(function: Callable) -> Callable:
        for kind in kinds:
            STMT[kind] = function
        return function
    return register


class Unit:
    """One script text being compiled: its file name and lines (for positions and refusals)."""

    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self.lines = text.splitlines()
        self.refused: list[NotImplementedConstruct] = []
        self.key = script_key(text)  # the coverage recorder's name for this text
        RECORDER.remember(self.key, text)

    def pos(self, node: Any) -> Pos:
        row, col = node.start_point
        source = self.lines[row] if row < len(self.lines) else ""
        return Pos(self.file, row + 1, col + 1, source)

    def refusal(self, node: Any, construct: str) -> NotImplementedConstruct:
        row = node.start_point[0]
        source = self.lines[row] if row < len(self.lines) else ""
        return NotImplementedConstruct(construct, self.file, row + 1, source)

    def refuse(self, node: Any, construct: str) -> Callable:
        """A closure that raises the refusal when it runs (and a record of it, for `refused_constructs`)."""
        error = self.refusal(node, construct)
        self.refused.append(error)

        def refused(*_: Any) -> Any:
            raise error
        return refused


def named(node: Any) -> list[Any]:
    """The named children that carry meaning (comments are not operands)."""
    return [c for c in node.named_children if c.type != "comment"]


def compile_expr(unit: Unit, node: Any) -> Expr:
    compiler = EXPR.get(node.type)
    if compiler is None:
        return unit.refuse(node, f"the expression kind '{node.type}'")
    return compiler(unit, node)


def compile_stmt(unit: Unit, node: Any) -> Stmt:
    compiler = STMT.get(node.type)
    if compiler is None:
        return unit.refuse(node, f"the statement kind '{node.type}'")
    return compiler(unit, node)


def text(node: Any) -> str:
    return node.text.decode("utf-8")
