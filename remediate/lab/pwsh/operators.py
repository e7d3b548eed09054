"""PowerShell's comparison and containment operators, and the table of operators by PowerShell version.

Sources: lang-spec 7.8 "Comparison operators" (https://learn.microsoft.com/powershell/scripting/lang-spec/chapter-07):
the LEFT operand's type decides how the right one is converted (`10 -eq "010"` is an int comparison, `"010" -eq 10`
a string one); `-eq` is `-ieq` (case-insensitive), `-ceq` case-sensitive; a collection on the left FILTERS (the
result is an object[] of the elements that test true); `-contains`/`-notcontains` (7.8.2) compare each element with
`-eq`'s rules; `-in`/`-notin` are PowerShell 3.0. about_Comparison_Operators (5.1) for `$null` on either side.

Operator names are given without the dash, optionally with the `c`/`i` prefix: "eq", "ceq", "ilt", "contains".
"""

from __future__ import annotations

import decimal
import math
import operator
import unicodedata
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.netformat import double_to_string, is_number
from remediate.lab.windows.psexceptions import ParseException, PSInvalidCastException, RuntimeException
from remediate.lab.windows.refusal import NotModeled

from remediate.lab.pwsh import typenames
from remediate.lab.pwsh.convert import convert, to_enum
from remediate.lab.pwsh.values import to_string

# Operator (without dash or c/i prefix) -> the PowerShell version that introduced it. Operators not listed are 1.0.
# A script of an earlier version cannot even be parsed with them ("Unexpected token '-in' ...").
SINCE: dict[str, int] = {"in": 3, "notin": 3, "shl": 3, "shr": 3}

_CASE_OPS = {"eq", "ne", "gt", "ge", "lt", "le", "contains", "notcontains", "in", "notin", "like", "notlike",
             "match", "notmatch", "replace", "split"}
_RELATIONAL = {"gt", "ge", "lt", "le"}


# Operator spellings come from script text, so these memo tables stay small; the evaluator asks per evaluation.
_PARSED: tuple[dict[str, tuple[str, bool]], dict[str, tuple[str, bool]]] = ({}, {})
_OP_SINCE: dict[str, int] = {}


def parse_operator(op: str, case_sensitive: bool = False) -> tuple[str, bool]:
    """("ceq", False) -> ("eq", True); ("-ieq", ...) -> ("eq", False); ("eq", cs) -> ("eq", cs)."""
    table = _PARSED[bool(case_sensitive)]
    found = table.get(op)
    if found is None:
        found = table[op] = _parse_operator(op, bool(case_sensitive))
    return found


def _parse_operator(op: str, case_sensitive: bool) -> tuple[str, bool]:
    name = op.lstrip("-").casefold()
    if name in _CASE_OPS:
        return name, case_sensitive
    if name[:1] in ("c", "i") and name[1:] in _CASE_OPS:
        return name[1:], name[0] == "c"
    return name, case_sensitive


def require_version(op: str, ps_version: int) -> None:
    """Raises the ParseException PowerShell `ps_version` gives for an operator it does not have."""
    since = _OP_SINCE.get(op)
    if since is None:
        since = _OP_SINCE[op] = SINCE.get(parse_operator(op)[0], 1)
    if since > ps_version:
        raise ParseException(f"Unexpected token '-{op.lstrip('-')}' in expression or statement.",
                             error_id="UnexpectedToken")


# ---- strings -------------------------------------------------------------------------------------------------

def fold(text: str) -> str:
    """Case folding for ignore-case comparisons, character by character (no 'ß' -> 'ss' expansion, as .NET's
    invariant ignore-case comparison does not expand)."""
    return "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)


def _weighted(text: str) -> str:
    """A string as a culture-aware comparison sees it: NUL has no sort weight and is ignored (String.Compare with
    the invariant culture; PowerShell issue 19438 shows `"ABC" + [char]0 -eq "ABC"` is true)."""
    return text.replace("\0", "") if "\0" in text else text


def strings_equal(left: str, right: str, case_sensitive: bool) -> bool:
    """String.Compare(left, right, culture: invariant, ignoreCase: not case_sensitive) == 0."""
    left, right = _weighted(left), _weighted(right)
    return left == right if case_sensitive else fold(left) == fold(right)


def _weight(ch: str) -> tuple[int, str]:
    """Primary sort weight of a character in the invariant culture's word sort, for the characters the lab
    models: white space < punctuation/symbols < digits < letters (letters compared case-insensitively)."""
    if ch.isspace():
        return (0, ch)
    if ch.isdigit():
        return (2, ch)
    if ch.isalpha():
        return (3, fold(ch))
    return (1, ch)


def compare_strings(left: str, right: str, case_sensitive: bool) -> int:
    """String.Compare(left, right, !case_sensitive, InvariantCulture) as -1/0/1.

    Culture-aware ordering is linguistic: case is only a tie-breaker (lower before upper), letters sort after
    digits and punctuation. The lab models it for ASCII letters, digits, spaces and punctuation other than the
    hyphen and apostrophe (which the word sort ignores); other characters are refused unless the strings are equal.
    """
    if strings_equal(left, right, case_sensitive):
        return 0
    left, right = _weighted(left), _weighted(right)
    for text in (left, right):
        for ch in text:
            if ord(ch) > 0x7E or ch in "-'" or (ord(ch) < 0x20 and ch not in "\t\n\r"):
                raise NotModeled(f"culture-aware ordering of strings containing {unicodedata.name(ch, hex(ord(ch)))}")
    primary_left, primary_right = [_weight(c) for c in left], [_weight(c) for c in right]
    if primary_left != primary_right:
        return -1 if primary_left < primary_right else 1
    for a, b in zip(left, right):  # tertiary: lower case sorts before upper case
        if a != b:
            return -1 if a.islower() else 1
    return 0


# ---- scalar comparison ---------------------------------------------------------------------------------------

def _converted(right: Any, left: Any, ps_version: int) -> Any:
    """The right operand converted to the left operand's type (raises PSInvalidCastException)."""
    if isinstance(left, clr.EnumValue):
        return to_enum(right, left.enum)
    return convert(right, typenames.value_type_name(left), ps_version=ps_version)


def equals(left: Any, right: Any, case_sensitive: bool = False, *, ps_version: int = 2) -> bool:
    """Scalar `left -eq right` (LanguagePrimitives.Equals): `$null` equals only `$null`; a string left compares
    the right operand's string form; a number, bool, char or enum left converts the right operand to its type and a
    failed conversion is simply "not equal"; other objects compare by identity (or their own equality)."""
    if left is clr.VOID:
        left = None
    if right is clr.VOID:
        right = None
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, clr.Char):
        # LanguagePrimitives.Equals: the right operand converted to char, compared by code point, upper-cased
        # (ToUpperInvariant) for the case-insensitive forms (PowerShell issue 18659).
        try:
            other = str(convert(right, "System.Char", ps_version=ps_version))
        except PSInvalidCastException:
            return False
        return str(left) == other if case_sensitive else _upper(str(left)) == _upper(other)
    if isinstance(left, str):
        return strings_equal(left, to_string(right), case_sensitive)
    if isinstance(left, bool):
        return left == convert(right, "System.Boolean")
    if is_number(left):
        if is_number(right):
            a, b = _comparable(left, right)
            return a == b
        try:
            return left == _converted(right, left, ps_version)
        except (PSInvalidCastException, NotModeled):
            return False
    if isinstance(left, clr.EnumValue):
        try:
            return left.value == _converted(right, left, ps_version).value
        except (PSInvalidCastException, NotModeled):
            return False
    if isinstance(left, clr.DotNetObject) and type(left).__eq__ is not object.__eq__:
        return bool(left == right)
    return left is right


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Two numbers as NumericCompare sees them: with a Decimal, a Double becomes a Decimal (15 digits)."""
    if isinstance(left, decimal.Decimal) and isinstance(right, float) and math.isfinite(right):
        return left, decimal.Decimal(double_to_string(right))
    if isinstance(right, decimal.Decimal) and isinstance(left, float) and math.isfinite(left):
        return decimal.Decimal(double_to_string(left)), right
    return left, right


def _upper(ch: str) -> str:
    upper = ch.upper()
    return upper if len(upper) == 1 else ch


def _null_order(number: Any) -> int:
    """LanguagePrimitives.Compare with `$null` against a number: zero and positive numbers are greater than null,
    negative ones less ("If it's a positive number, including 0, it's greater than null")."""
    return -1 if number < 0 else 1


def compare_values(left: Any, right: Any, case_sensitive: bool = False, *, ps_version: int = 2) -> int:
    """LanguagePrimitives.Compare as -1/0/1 for the relational operators: `$null` is less than any value but a
    negative number; numbers compare by value whatever their types; otherwise the right operand is converted to the left one's type, and a failure is PowerShell's "Could not compare" error."""
    if left is clr.VOID:
        left = None
    if right is clr.VOID:
        right = None
    if left is None:
        if right is None:
            return 0
        return -_null_order(right) if is_number(right) else -1
    if right is None:
        return _null_order(left) if is_number(left) else 1
    if isinstance(left, str) and not isinstance(left, clr.Char):
        return compare_strings(left, to_string(right), case_sensitive)
    if is_number(left) and is_number(right):
        a, b = _comparable(left, right)
        return (a > b) - (a < b)
    if isinstance(left, (clr.Char, bool, int, float, clr.EnumValue)) or is_number(left):
        try:
            other = _converted(right, left, ps_version)
        except PSInvalidCastException as error:
            raise RuntimeException(f'Could not compare "{to_string(left)}" to "{to_string(right)}". Error: '
                                   f'"{error.Message}"', error, error_id="ComparisonFailure") from None
        a, b = _ordinal(left), _ordinal(other)
        return (a > b) - (a < b)
    compare_to = getattr(left, "CompareTo", None) if isinstance(left, clr.DotNetObject) else None
    if callable(compare_to):  # IComparable (DateTime, TimeSpan, Version): the right operand must be of its type
        if type(right) is not type(left):
            raise NotModeled(f"comparing a {typenames.value_type_name(left)} with a "
                             f"{typenames.value_type_name(right)} (conversion to the left operand's type)")
        result = int(compare_to(right))
        return (result > 0) - (result < 0)
    raise RuntimeException(f'Cannot compare "{to_string(left)}" because it is not IComparable.',
                           error_id="NotIcomparable")


def _ordinal(value: Any) -> Any:
    if isinstance(value, clr.Char):
        return ord(value)
    if isinstance(value, clr.EnumValue):
        return value.value
    return value


def _scalar(name: str, left: Any, right: Any, cs: bool, ps_version: int) -> bool:
    if name == "eq":
        return equals(left, right, cs, ps_version=ps_version)
    if name == "ne":
        return not equals(left, right, cs, ps_version=ps_version)
    result = compare_values(left, right, cs, ps_version=ps_version)
    return {"gt": result > 0, "ge": result >= 0, "lt": result < 0, "le": result <= 0}[name]


def _items(value: Any) -> list[Any]:
    return list(value) if typenames.is_enumerable(value) else [value]


def compare(op: str, left: Any, right: Any, *, case_sensitive: bool = False, ps_version: int = 2) -> Any:
    """`left -op right` for -eq/-ne/-gt/-ge/-lt/-le (and their c/i forms) and -contains/-notcontains/-in/-notin.

    Returns a bool, or for an equality/relational operator with a collection on the left, the list (object[]) of
    the elements that test true.
    """
    require_version(op, ps_version)
    name, cs = parse_operator(op, case_sensitive)
    return compare_parsed(name, cs, left, right, ps_version, op)


_INT32_COMPARE = {"eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "ge": operator.ge, "lt": operator.lt,
                  "le": operator.le}


def compare_parsed(name: str, cs: bool, left: Any, right: Any, ps_version: int, op: str) -> Any:
    """`compare` for an operator already parsed (`name` without prefix, `cs`) and allowed on `ps_version`."""
    # The commonest operand pairs, decided as equals/compare_values decide them but without their type walk:
    # two Int32s compare by value; two strings (or two chars) test equality by strings_equal (chars upper-cased).
    left_type = type(left)
    if left_type is type(right):
        if left_type is int and name in _INT32_COMPARE:
            return _INT32_COMPARE[name](left, right)
        if left_type is str and (name == "eq" or name == "ne"):
            return strings_equal(left, right, cs) == (name == "eq")
        if left_type is clr.Char and (name == "eq" or name == "ne"):
            same = str(left) == str(right) if cs else _upper(str(left)) == _upper(str(right))
            return same == (name == "eq")
    if name in ("contains", "notcontains"):
        found = any(equals(item, right, cs, ps_version=ps_version) for item in _items(left))
        return found if name == "contains" else not found
    if name in ("in", "notin"):
        found = any(equals(item, left, cs, ps_version=ps_version) for item in _items(right))
        return found if name == "in" else not found
    if name not in ("eq", "ne") and name not in _RELATIONAL:
        raise NotModeled(f"comparison operator -{op}")
    if typenames.is_enumerable(left):
        return [item for item in left if _scalar(name, item, right, cs, ps_version)]
    return _scalar(name, left, right, cs, ps_version)
