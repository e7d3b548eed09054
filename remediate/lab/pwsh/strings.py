"""String literals (lang-spec 2.3.5.2, about_Quoting_Rules, about_Special_Characters).

Verbatim strings ('...', @'...'@) are taken as written ('' is one quote). Expandable strings ("...", @"..."@)
expand `$name`, `${name}`, `$scope:name` and `$( statements )` with the values converted as `[string]` would (arrays
joined by $OFS), and take backtick escapes. Under strict mode an undefined variable in a string is an error too
(version 2 and later, Set-StrictMode). tree-sitter gives the expansions as child nodes; the text between them is
literal.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.pwsh import ops_bridge as ops
from remediate.lab.pwsh.variables import make_reader
from remediate.lab.pwsh.names import variable_name
from remediate.lab.pwsh.objects import collect, unvoid
from remediate.lab.pwsh.registry import Unit, compile_stmt, expr

# `0 `a `b `f `n `r `t `v (PowerShell 1.0+); `e and `u{} are 6.0 and are the character itself before that.
_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def unescape(raw: str) -> str:
    out = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "`" and i + 1 < len(raw):
            nxt = raw[i + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        if ch == '"' and raw[i + 1:i + 2] == '"':
            out.append('"')
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


@expr("string_literal")
def compile_string_literal(unit: Unit, node: Any) -> Any:
    inner = node.named_children[0] if node.named_children else node
    kind = inner.type
    raw = inner.text.decode("utf-8")
    if kind == "verbatim_string_characters":
        value = raw[1:-1].replace("''", "'")
        return lambda scope: value
    if kind == "verbatim_here_string_characters":
        value = _here_body(raw)
        return lambda scope: value
    if kind in ("expandable_string_literal", "expandable_here_string_literal"):
        return _expandable(unit, inner, kind == "expandable_here_string_literal")
    return unit.refuse(node, f"the string kind '{kind}'")


def _here_body(raw: str) -> str:
    """@"<newline>body<newline>"@ -> body (the newlines next to the delimiters are not part of it)."""
    body = raw[2:-2]
    if body.startswith("\r\n"):
        body = body[2:]
    elif body.startswith("\n"):
        body = body[1:]
    if body.endswith("\r\n"):
        body = body[:-2]
    elif body.endswith("\n"):
        body = body[:-1]
    return body


def _expandable(unit: Unit, node: Any, here: bool) -> Any:
    data = node.text
    start = node.start_byte
    parts: list[Any] = []  # str pieces and closures
    cursor = 0
    for child in node.named_children:
        if child.type not in ("variable", "sub_expression"):
            return unit.refuse(child, f"'{child.type}' inside an expandable string")
        parts.append(data[cursor:child.start_byte - start].decode("utf-8"))
        parts.append(_expansion(unit, child))
        cursor = child.end_byte - start
    parts.append(data[cursor:].decode("utf-8"))
    # Strip the delimiters from the first and last literal pieces, then unescape each literal piece.
    if here:
        first, last = parts[0], parts[-1]
        parts[0] = first[2:].removeprefix("\r\n").removeprefix("\n") if len(parts) > 1 else first
        if len(parts) > 1:
            parts[-1] = last[:-2]
            parts[-1] = parts[-1].removesuffix("\r\n") if parts[-1].endswith("\r\n") else parts[-1].removesuffix("\n")
        else:
            parts[0] = _here_body(first)
    else:
        parts[0] = parts[0][1:]
        parts[-1] = parts[-1][:-1]
    pieces = [unescape(p) if isinstance(p, str) else p for p in parts]
    if len(pieces) == 1:
        value = pieces[0]
        return lambda scope: value

    def expand(scope: Any) -> str:
        return "".join(p if isinstance(p, str) else p(scope) for p in pieces)
    return expand


def _expansion(unit: Unit, node: Any) -> Any:
    if node.type == "variable":
        name = variable_name(node.text.decode("utf-8"))
        key = name.casefold()
        if key in ("true", "false", "null"):
            constant = {"true": "True", "false": "False", "null": ""}[key]
            return lambda scope: constant
        reader = make_reader(name, strict_from=2)

        def variable(scope: Any) -> str:
            value = reader(scope)
            return ops.to_string(value, scope)
        return variable
    statements = node.child_by_field_name("statements")
    if statements is None:
        return lambda scope: ""
    body = compile_stmt(unit, statements)

    def sub_expression(scope: Any) -> str:
        out: list = []
        body(scope, out)
        return ops.to_string(unvoid(collect(out)), scope)
    return sub_expression
