"""The one place where the evaluator calls the semantic functions (conversions and operators).

The semantics live in `convert.py`, `dispatch.py` (every binary and unary operator), `values.py` (truth, string
form) and `typenames.py` (type names): pure functions, no interpreter state. This bridge passes the runtime's mode
(`ps_version`, `$OFS`, the scope as clr.Runtime for conversions that construct objects).
"""

from __future__ import annotations

from typing import Any

from remediate.lab.pwsh import dispatch, typenames
from remediate.lab.pwsh import convert as _convert
from remediate.lab.pwsh import values as _values


is_true = _values.is_true  # the evaluator's hottest call: no wrapper frame


def _ofs(value: Any, rt: Any) -> str:
    """`$OFS` where the value's string form could use it: only collections (and objects holding them) are joined
    with it, so a scalar spares the scope walk."""
    if value is None or isinstance(value, (str, int, float)):
        return " "
    return rt.ofs()


def to_string(value: Any, rt: Any) -> str:
    return _values.to_string(value, _ofs(value, rt))


def convert(value: Any, type_name: str, rt: Any) -> Any:
    scalar = value is None or isinstance(value, (str, int, float))
    return _convert.convert(value, type_name, ps_version=rt.ps_version, rt=rt, ofs=" " if scalar else rt.ofs)


def as_type(value: Any, type_name: str, rt: Any) -> Any:
    return _convert.as_type(value, type_name, ps_version=rt.ps_version, rt=rt)


def is_type(value: Any, type_name: str, rt: Any) -> bool:
    return typenames.is_type(value, type_name, ps_version=rt.ps_version)


def resolve_type(name: str, rt: Any) -> str:
    return typenames.resolve(name, ps_version=rt.ps_version)


value_type_name = typenames.value_type_name


def _operator_ofs(op: str, right: Any, rt: Any) -> str:
    uses = dispatch.uses_ofs(op)
    if not uses:
        return " "
    return _ofs(right, rt) if uses == "right" else rt.ofs()


def binary(op: str, left: Any, right: Any, rt: Any) -> Any:
    """Arithmetic, bitwise and every other operator whose result needs no `$matches`."""
    ofs = _operator_ofs(op, right, rt)
    return dispatch.binary_operator(op, left, right, ps_version=rt.ps_version, ofs=ofs, rt=rt)[0]


def compare(op: str, left: Any, right: Any, rt: Any) -> tuple[Any, Any]:
    """(result, matches): `matches` is the `$matches` table a scalar -match sets, else None."""
    ofs = _operator_ofs(op, right, rt)
    return dispatch.binary_operator(op, left, right, ps_version=rt.ps_version, ofs=ofs, rt=rt)


def comparison(op: str) -> Any:
    """`fn(left, right, rt) -> result` for an operator that never sets `$matches` nor reads `$OFS` (-eq, -lt,
    -contains, -is, ...: see dispatch.comparison), else None."""
    return dispatch.comparison(op)


def unary(op: str, value: Any, rt: Any) -> Any:
    return dispatch.unary_operator(op, value, ps_version=rt.ps_version, ofs=rt.ofs())
