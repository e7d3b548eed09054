"""Names as the source spells them: variables (`$x`, `${a b}`, `$script:x`, `@splat`) and type literals."""

from __future__ import annotations

from typing import Any

# Expression kinds that are a single operand when they have one child (tree-sitter's precedence chain).
WRAPPERS = (
    "logical_expression", "bitwise_expression", "comparison_expression", "additive_expression",
    "multiplicative_expression", "format_expression", "range_expression", "array_literal_expression",
    "unary_expression", "argument_expression", "logical_argument_expression", "bitwise_argument_expression",
    "comparison_argument_expression", "additive_argument_expression", "multiplicative_argument_expression",
    "format_argument_expression", "range_argument_expression", "pipeline_chain",
)


def variable_name(raw: str) -> str:
    """'$x' -> 'x', '${a b}' -> 'a b', '$script:x' -> 'script:x', '@p' -> 'p'."""
    name = raw[1:]
    if name.startswith("{") and name.endswith("}"):
        name = name[1:-1]
    return name


def type_spec_text(type_literal: Any) -> str:
    """`[System.String[]]` -> 'System.String[]' (the text between the outer brackets, spaces removed)."""
    raw = type_literal.text.decode("utf-8").strip()
    if raw.startswith("[") and raw.endswith("]"):
        raw = raw[1:-1]
    return "".join(raw.split())


def unwrap(node: Any) -> Any:
    """The one operand inside a chain of single-child precedence wrappers (and a one-element pipeline)."""
    while True:
        if node.type in WRAPPERS and node.named_child_count == 1 and node.child_count == 1:
            node = node.children[0]
        elif node.type == "pipeline" and node.named_child_count == 1:
            node = node.named_children[0]
        else:
            return node


def comma_after_type(node: Any) -> list[Any] | None:
    """The elements of `[T], X, ...` where tree-sitter-powershell reads a cast of a unary comma (`[T] (,X)`).

    PowerShell reads a type literal followed by a comma as the first element of an array (and, in a method's
    argument list, as the first argument: `[Array]::CreateInstance([object], $n)`), never as a cast of `,X`.
    """
    node = unwrap(node)
    if node.type == "expression_with_unary_operator" and node.children[0].type == "cast_expression":
        node = node.children[0]
    if node.type != "cast_expression":
        return None
    operand = unwrap(node.children[-1])
    if operand.type != "expression_with_unary_operator" or operand.children[0].text.decode() != ",":
        return None
    rest = operand.children[-1]
    return [node.children[0], *(comma_after_type(rest) or [rest])]
