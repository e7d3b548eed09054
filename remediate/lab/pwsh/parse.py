"""tree-sitter-powershell's parse tree, once per process per script text, and source positions.

The grammar (https://github.com/airbus-cert/tree-sitter-powershell) follows the PowerShell language specification's
syntactic grammar (lang-spec chapter 15); its node kinds are what `compile_*` modules dispatch on. A parse with an
ERROR or MISSING node is refused with its line: PowerShell would report a ParseException and run nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import tree_sitter
import tree_sitter_powershell

from remediate.lab.pwsh.errors import NotImplementedConstruct

_PARSER: tree_sitter.Parser | None = None


def parser() -> tree_sitter.Parser:
    global _PARSER
    if _PARSER is None:
        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    return _PARSER


@dataclass(frozen=True, slots=True)
class Pos:
    """Where a construct is: what errors, `$_.InvocationInfo` and coverage report."""

    file: str
    line: int  # 1-based
    column: int  # 1-based
    source: str  # the whole line's text

    def position_message(self, ps_version: int = 2) -> str:
        """InvocationInfo.PositionMessage: "At FILE:LINE char:COL" ("line:LINE" for code without a file), then the
        line with 2.0's `<<<<` before the position, or 3.0+'s underline."""
        where = f"line:{self.line}" if self.file.startswith("<") else f"{self.file}:{self.line}"
        source = self.source.rstrip()
        at = self.column - 1
        if ps_version < 3:
            shown = source[:at] + " <<<< " + source[at:].lstrip() if at > 0 else "<<<< " + source
            return f"At {where} char:{self.column}\r\n+ {shown}"
        return f"At {where} char:{self.column}\r\n+ {source}\r\n+ {' ' * at}{'~' * max(1, len(source) - at)}"


def parse(text: str, file: str = "<script>") -> tree_sitter.Tree:
    tree = parser().parse(text.encode("utf-8"))
    if tree.root_node.has_error:
        # tree-sitter-powershell's grammar needs a statement: it rejects what PowerShell runs as an empty script
        # (an empty text, only comments, only a param block). An empty statement after the text changes nothing
        # PowerShell would do, keeps every line where it is, and mends nothing else.
        mended = parser().parse((text + "\n;").encode("utf-8"))
        if not mended.root_node.has_error:
            return mended
    bad = _first_error(tree.root_node)
    if bad is not None:
        line = bad.start_point[0] + 1
        source = text.splitlines()[line - 1] if line <= len(text.splitlines()) else ""
        raise NotImplementedConstruct("a script that tree-sitter-powershell cannot parse (ERROR/MISSING node)",
                                      file, line, source)
    return tree


def _first_error(node: Any) -> Any:
    if not node.has_error:
        return None
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        found = _first_error(child)
        if found is not None:
            return found
    return node
