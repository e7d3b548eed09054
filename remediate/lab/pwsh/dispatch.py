"""Every binary operator of the language by name, for the evaluator: one call, one answer.

`binary_operator("-cmatch", left, right, ps_version=2, ofs=" ")` returns `(result, matches)`: `matches` is the
`$Matches` table a scalar `-match`/`-notmatch` produced (the caller assigns it to `$Matches`), else None. The operator
table follows lang-spec chapter 7; `operators.SINCE` says which operators PowerShell 2.0 does not have.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.windows.refusal import NotModeled

from remediate.lab.pwsh import arithmetic, convert, operators, patterns, typenames
from remediate.lab.pwsh.format_op import format_operator

_COMPARISON = {"eq", "ne", "gt", "ge", "lt", "le", "contains", "notcontains", "in", "notin"}
_ARITHMETIC = {"+", "-", "*", "/", "%", "band", "bor", "bxor", "shl", "shr"}


def _type_operand(right: Any) -> str:
    """The right operand of -is/-as: a type name, or a type literal (an object with the type's `FullName`)."""
    name = right if isinstance(right, str) else getattr(right, "FullName", None)
    if not isinstance(name, str):
        raise NotModeled(f"-is/-as with a {typenames.value_type_name(right)} on the right")
    return name


_OFS_FREE = _COMPARISON | {"is", "isnot", "as"}
_USES_OFS: dict[str, str] = {}


def uses_ofs(op: str) -> str:
    """Where `op`'s result can depend on `$OFS` (an array's string form), so that callers look it up only then:
    "" never, "right" through the right operand's string form (`"a" + @(1, 2)`), "any" through either operand."""
    found = _USES_OFS.get(op)
    if found is None:
        name = op if op in _ARITHMETIC else operators.parse_operator(op)[0]
        found = _USES_OFS[op] = "right" if name in _ARITHMETIC else "" if name in _OFS_FREE else "any"
    return found


def comparison(op: str) -> Any:
    """For an equality, relational, containment or type-test operator (-is, -isnot): `fn(left, right, rt) -> bool
    or filtered list` (`rt.ps_version` is the runtime's version), what binary_operator answers for it, with the
    operator's spelling parsed once; else None."""
    if op in _ARITHMETIC:
        return None
    name, cs = operators.parse_operator(op)
    since = operators.SINCE.get(name, 1)
    if name in ("is", "isnot"):
        negate = name == "isnot"

        def type_test(left: Any, right: Any, rt: Any) -> bool:
            ps_version = rt.ps_version
            if since > ps_version:
                operators.require_version(op, ps_version)
            return typenames.is_type(left, _type_operand(right), ps_version=ps_version) != negate
        return type_test
    if name not in _COMPARISON:
        return None

    def compare(left: Any, right: Any, rt: Any) -> Any:
        ps_version = rt.ps_version
        if since > ps_version:
            operators.require_version(op, ps_version)  # raises PowerShell's parse error
        return operators.compare_parsed(name, cs, left, right, ps_version, op)
    return compare


def binary_operator(op: str, left: Any, right: Any, *, ps_version: int = 2, ofs: str = " ",
                    rt: Any = None) -> tuple[Any, Any]:
    """`left op right` for every binary operator other than -and/-or/-xor (short-circuit: the evaluator's)."""
    if op in _ARITHMETIC:
        return arithmetic.binary(op, left, right, ps_version=ps_version, ofs=ofs), None
    operators.require_version(op, ps_version)
    name, cs = operators.parse_operator(op)
    if name in _COMPARISON:
        return operators.compare_parsed(name, cs, left, right, ps_version, op), None
    if name in _ARITHMETIC:
        return arithmetic.binary(name, left, right, ps_version=ps_version, ofs=ofs), None
    if name in ("like", "notlike"):
        return patterns.like(left, right, case_sensitive=cs, negate=name == "notlike", ofs=ofs), None
    if name in ("match", "notmatch"):
        return patterns.match(left, right, case_sensitive=cs, negate=name == "notmatch", ofs=ofs)
    if name == "replace":
        return patterns.replace(left, right, case_sensitive=cs, ofs=ofs), None
    if name == "split":
        return patterns.split(left, right, case_sensitive=cs, ofs=ofs), None
    if name == "join":
        return patterns.join(left, right, ofs=ofs), None
    if name == "f":
        return format_operator(left, right, ofs=ofs), None
    if name == "is":
        return typenames.is_type(left, _type_operand(right), ps_version=ps_version), None
    if name == "isnot":
        return not typenames.is_type(left, _type_operand(right), ps_version=ps_version), None
    if name == "as":
        return convert.as_type(left, _type_operand(right), ps_version=ps_version, rt=rt), None
    raise NotModeled(f"binary operator -{op.lstrip('-')}")


def unary_operator(op: str, value: Any, *, ps_version: int = 2, ofs: str = " ") -> Any:
    """`-not`/`!`, `-bnot`, unary `-`/`+`, unary `-split` and `-join`."""
    name = op if op in ("-", "+", "!") else op.lstrip("-").casefold()
    if name == "split":
        return patterns.split(value, unary=True, ofs=ofs)
    if name == "join":
        return patterns.join(value, ofs=ofs)
    return arithmetic.unary(name if name in ("-", "+", "!") else name, value, ps_version=ps_version)
