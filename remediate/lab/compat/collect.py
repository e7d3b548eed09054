"""What one expression or statement of the agent uses: cmdlets and parameters, .NET types and members, COM
ProgIDs and language features (names as catalog.py keys them). Agent functions are returned, not recorded."""

from __future__ import annotations

from typing import Any

AUTOMATIC = {"$psitem", "$psversiontable", "$_", "$matches", "$input", "$args", "$error", "$lastexitcode",
             "$erroractionpreference", "$pscmdlet", "$psboundparameters", "$myinvocation", "$host", "$null",
             "$true", "$false", "$pshome", "$psscriptroot", "$pscommandpath"}
# Receivers whose .Count/.Length PowerShell 2.0 has as a .NET property: built as collections or strings.
_COLLECTION_CALLS = ("new-object system.collections.arraylist", "new-object system.collections.hashtable",
                     "new-object system.text.stringbuilder")


def collect(walk: Any, node: Any, reach: frozenset[str], fn: str) -> list[str]:
    calls: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "function_statement":
            continue
        stack.extend(reversed(current.children))
        _one(walk, current, reach, fn, calls)
    return calls


def _one(walk: Any, node: Any, reach: frozenset[str], fn: str, calls: list[str]) -> None:
    kind = node.type
    use = walk._use
    if kind == "command":
        name = walk.text(node.child_by_field_name("command_name"))
        if name.lower() in walk.functions:
            calls.append(name.lower())
        else:
            _command(walk, node, name, reach, fn)
    elif kind == "type_literal":
        name = walk.text(node)[1:-1].strip()
        if name.lower() == "ordered":
            use("feature", "[ordered]", fn, node, reach)
        else:
            use("type", name, fn, node, reach)
    elif kind == "attribute" and "(" in walk.text(node):
        use("feature", "attribute " + walk.text(node), fn, node, reach)
    elif kind == "attribute":
        use("type", walk.text(node)[1:-1].strip(), fn, node, reach)
    elif kind in ("member_access", "invokation_expression"):
        _member(walk, node, reach, fn)
    elif kind == "comparison_operator" or kind == "format_operator":
        use("feature", "operator " + walk.text(node).lower(), fn, node, reach)
    elif kind in ("logical_expression", "bitwise_expression") and len(node.named_children) == 2:
        op = next((walk.text(c).lower() for c in node.children if not c.is_named), "")
        use("feature", "operator " + op, fn, node, reach)
    elif kind == "expression_with_unary_operator" and not node.children[0].is_named:
        op = walk.text(node.children[0]).lower()
        use("feature", "operator " + ("," if op == "," else op) + " (unary)", fn, node, reach)
    elif kind == "variable":
        text = walk.text(node).lower()
        if text in AUTOMATIC:
            use("feature", "variable " + text, fn, node, reach)
        elif text.startswith("$env:"):
            use("feature", "variable $env:", fn, node, reach)
        elif text.startswith("@"):
            use("feature", "splatting @var", fn, node, reach)
    elif kind == "hash_literal_expression":
        use("feature", "hashtable literal @{}", fn, node, reach)
    elif kind == "array_expression":
        use("feature", "array subexpression @()", fn, node, reach)
    elif kind == "sub_expression":
        use("feature", "subexpression $()", fn, node, reach)
    elif kind == "script_block_expression":
        use("feature", "script block literal", fn, node, reach)
    elif kind in ("class_statement", "enum_statement", "using_statement"):
        use("feature", kind.replace("_statement", "") + " statement", fn, node, reach)
    elif kind in ("&&", "||") or (not node.is_named and walk.text(node) in ("&&", "||", "??", "?")):
        use("feature", "operator " + walk.text(node), fn, node, reach)
    elif kind == "string_literal" and walk.text(node)[:2] in ("@'", '@"'):
        use("feature", "here-string", fn, node, reach)


def _command(walk: Any, node: Any, name: str, reach: frozenset[str], fn: str) -> None:
    use = walk._use
    use("cmdlet", name, fn, node, reach)
    elements = node.child_by_field_name("command_elements")
    if elements is None:
        return
    parts = [c for c in elements.named_children if c.type != "command_argument_sep"]
    previous = None
    positional = 0
    for part in parts:
        text = walk.text(part)
        if part.type == "command_parameter":
            use("parameter", f"{name} {text.split(':')[0]}", fn, part, reach)
            previous = text.lower()
            continue
        splat = walk.unwrap(part)
        if splat.type == "variable" and walk.text(splat).startswith("@"):
            for key in splat_keys(walk, fn, walk.text(splat)[1:], part.start_byte):
                use("parameter", f"{name} -{key}", fn, part, reach)
        if name.lower() == "new-object":
            if previous == "-comobject":
                use("com", text.strip("'\""), fn, part, reach)
            elif previous in (None, "-typename") and positional == 0:
                use("type", text.strip("'\""), fn, part, reach)
        if previous == "-erroraction" and text.lower() == "ignore":
            use("feature", "-ErrorAction Ignore", fn, part, reach)
        positional += previous is None
        previous = None


def _member(walk: Any, node: Any, reach: frozenset[str], fn: str) -> None:
    use = walk._use
    target = node.children[0]
    separator = next((walk.text(c) for c in node.children if walk.text(c) in (".", "::")), ".")
    member = next((c for c in node.children if c.type == "member_name"), None)
    if member is None:
        return
    name = walk.text(member)
    if member.named_children and member.named_children[0].type == "variable":
        use("feature", "member name from a variable ($x.$name)", fn, node, reach)
        return
    method = node.type == "invokation_expression"
    if separator == "::" and name.lower() == "new":
        use("feature", "::new()", fn, node, reach)
    if separator == "::" and target.type == "type_literal":
        use("member", f"{walk.text(target)[1:-1].strip()}::{name}", fn, node, reach)
        return
    if method and name.lower() in ("foreach", "where"):
        use("feature", f".{name}() collection method", fn, node, reach)
    use("member", "." + name, fn, node, reach)
    if name.lower() == "count" and not method and not _collection(walk, target, fn):
        use("feature", ".Count on a value not proven a collection", fn, node, reach)


def _collection(walk: Any, node: Any, fn: str) -> bool:
    """Whether the receiver is built as a collection or string where the walk can see it (else: unproven)."""
    node = walk.unwrap(node)
    if node.type in ("array_expression", "hash_literal_expression", "string_literal", "expandable_string_literal"):
        return True
    if node.type in ("member_access", "invokation_expression", "element_access", "cast_expression"):
        return True  # a .NET member's or element's value: its own Count/Length (listed as a member)
    if node.type != "variable" or not fn:
        return False
    name = walk.text(node).lower()
    function = walk.functions[fn]
    typed = False
    for part in walk._all(function):
        if part.type == "script_parameter" and walk.text(part).lower().endswith(name):
            typed = "[" in walk.text(part) and ("[]" in walk.text(part) or "[string]" in walk.text(part).lower())
            if not typed:
                return False
    values = []
    for assignment in walk._all(function):
        if assignment.type != "assignment_expression":
            continue
        left = walk.unwrap(assignment.children[0])
        if left.type == "cast_expression" and walk.text(left).lower().replace(" ", "").endswith(name):
            cast = walk.text(left).lower()
            if "[]" in cast or cast.startswith("[string]"):
                typed = True  # [string]$x = ... / [object[]]$x = ...: converted on every assignment
                continue
            return False
        if walk.text(left).lower() == name:
            values.append(walk.unwrap(assignment.child_by_field_name("value")))
    if not values:
        return typed
    for value in values:
        text = walk.text(value).lower()
        if value.type in ("array_expression", "hash_literal_expression", "string_literal",
                          "expandable_string_literal") or text.startswith(_COLLECTION_CALLS):
            continue
        if value.type == "expression_with_unary_operator" and text.startswith(","):
            continue
        if value.type in ("cast_expression", "invokation_expression", "member_access"):
            continue
        return False
    return True


def splat_keys(walk: Any, fn: str, variable: str, before: int) -> list[str]:
    """Keys a hashtable variable gets in the function before the splat: `$p['Key'] = ...`, `$p.Key = ...`,
    `$p = @{ Key = ... }`; a key computed at run time is "(computed)". Branches are not told apart."""
    if not fn:
        return []
    keys: list[str] = []
    target = "$" + variable.lower()
    for node in walk._all(walk.functions[fn]):
        if node.type != "assignment_expression" or node.start_byte > before:
            continue
        left = walk.unwrap(node.children[0])
        if left.type == "element_access" and walk.text(left.children[0]).lower() == target:
            key = walk.unwrap(left.children[2]) if len(left.children) > 2 else None
            if key is not None and key.type == "string_literal":
                keys.append(walk.text(key)[1:-1])
            else:
                keys.append("(computed)")
        elif left.type == "member_access" and walk.text(left.children[0]).lower() == target:
            keys.append(walk.text(left.children[-1]))
        elif left.type == "variable" and walk.text(left).lower() == target:
            value = walk.unwrap(node.child_by_field_name("value"))
            for entry in walk._all(value):
                if entry.type == "key_expression":
                    keys.append(walk.text(entry))
    return sorted(set(keys), key=str.lower)
