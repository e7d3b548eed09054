"""Comparison, containment, arithmetic and bitwise operators (lang-spec 7.2, 7.6-7.9): the spec's own examples
first, then what the agent relies on."""

from __future__ import annotations

import decimal
import math

import pytest

from remediate.lab.pwsh.arithmetic import binary, unary
from remediate.lab.pwsh.operators import SINCE, compare
from remediate.lab.windows import clr
from remediate.lab.windows.psexceptions import ParseException, PSInvalidCastException, RuntimeException

KIND = clr.EnumType("Test.OpKind", {"None": 0, "String": 1, "DWord": 4})
STYLES = clr.EnumType("Test.OpStyles", {"None": 0, "AdjustToUniversal": 16, "AssumeUniversal": 64}, flags=True)

COMPARISONS = [
    # left                  op          right        expected              PowerShell
    (10,                    "eq",       "010",       True),                # 10 -eq "010": int comparison
    ("010",                 "eq",       10,          False),               # string comparison
    ("RED",                 "eq",       "Red",       True),
    ("RED",                 "ceq",      "Red",       False),
    ("RED",                 "ieq",      "Red",       True),
    ("ab",                  "lt",       "abc",       True),
    ("1",                   "eq",       1,           True),
    (1,                     "eq",       "1",         True),
    ("10",                  "lt",       9,           True),                # string comparison: "10" < "9"
    (10,                    "lt",       "9",         False),
    (1,                     "eq",       1.0,         True),
    (0.1,                   "eq",       decimal.Decimal("0.1"), True),     # the Double becomes a Decimal
    (decimal.Decimal("0.1"), "lt",      0.2,         True),
    (1,                     "eq",       "abc",       False),               # failed conversion: not equal
    (None,                  "eq",       None,        True),
    (None,                  "eq",       0,           False),
    (0,                     "eq",       None,        False),
    ("",                    "eq",       None,        False),
    (None,                  "ne",       "",          True),
    (True,                  "eq",       "false",     True),                # right converted to bool
    (False,                 "eq",       0,           True),
    (5,                     "gt",       None,        True),
    (None,                  "lt",       5,           True),
    (None,                  "lt",       0,           True),                # 0 and up are greater than $null
    (None,                  "gt",       -1,          True),                # negative numbers are less
    (-1,                    "lt",       None,        True),
    ("a",                   "gt",       None,        True),
    (clr.Char("a"),         "eq",       "A",         True),                # chars: ToUpperInvariant
    (clr.Char("a"),         "ceq",      "A",         False),
    (clr.Char("a"),         "gt",       clr.Char("A"), True),              # relational: code points
    ("ABC\0",               "eq",       "abc",       True),                # NUL has no weight (issue 19438)
    (clr.Int64(5),          "eq",       5,           True),
    (clr.Char("u"),         "ceq",      "u",         True),
    (clr.Char("a"),         "eq",       97,          True),
    ("a",                   "lt",       "B",         True),                # culture order, not ordinal
    ("a",                   "clt",      "A",         True),                # lower case first
    ("B",                   "gt",       "a",         True),
    ("a1",                  "lt",       "aa",        True),
    (clr.EnumValue(KIND, "DWord", 4), "eq", "dword", True),
    (clr.EnumValue(KIND, "DWord", 4), "eq", 4,       True),
    (clr.EnumValue(KIND, "DWord", 4), "eq", "String", False),
    ([10, 20, 30, 20, 10],  "ne",       20,          [10, 30, 10]),
    ([10, 20, 30, 20, 10],  "eq",       40,          []),
    ([10, 20, 30, 20, 10],  "gt",       25,          [30]),
    ([0, 1, 30],            "ne",       True,        [0, 30]),
    ([0, "00"],             "eq",       "0",         [0]),
    ([1, None, 2],          "eq",       None,        [None]),
    ([1, None, 2],          "ne",       None,        [1, 2]),
    (clr.TypedArray("System.String", ["a", "B"]), "ceq", "B", ["B"]),
    # containment (7.8.2)
    ([10, 20, 30, 20, 10],  "contains", 20,          True),
    ([10, 20, 30, 20, 10],  "contains", 42.9,        False),
    ([10, 20, 30],          "contains", "10",        True),
    (["10", 20, 30],        "contains", 10,          True),
    (["010", 20, 30],       "contains", 10,          False),
    ([10, 20, 30, 20, 10],  "notcontains", 15,       True),
    (["Red", 20, 30],       "ccontains", "RED",      False),
    ("abc",                 "contains", "ABC",       True),                # a scalar is a one-element array
    ([1, None],             "contains", None,        True),
]


@pytest.mark.parametrize(("left", "op", "right", "expected"), COMPARISONS,
                         ids=[f"{c[0]!r} -{c[1]} {c[2]!r}" for c in COMPARISONS])
def test_comparison(left: object, op: str, right: object, expected: object) -> None:
    assert compare(op, left, right) == expected


def test_case_sensitive_keyword_and_dash() -> None:
    assert compare("-eq", "a", "A", case_sensitive=True) is False
    assert compare("eq", "a", "A") is True


def test_filter_result_is_an_object_array() -> None:
    result = compare("eq", clr.TypedArray("System.Byte", [clr.Byte(1), clr.Byte(2)]), 2)
    assert type(result) is list and result == [2]


def test_in_is_powershell_3() -> None:
    assert SINCE["in"] == 3 and SINCE["shl"] == 3
    with pytest.raises(ParseException, match=r"Unexpected token '-in' in expression or statement\."):
        compare("in", 1, [1, 2])
    assert compare("in", 1, [1, 2], ps_version=5) is True
    assert compare("notin", 3, [1, 2], ps_version=5) is True


def test_relational_conversion_failure_is_could_not_compare() -> None:
    with pytest.raises(RuntimeException) as caught:
        compare("lt", 5, "abc")
    assert caught.value.Message == ('Could not compare "5" to "abc". Error: "Cannot convert value "abc" to type '
                                    '"System.Int32". Error: "Input string was not in a correct format.""')
    assert caught.value.error_id == "ComparisonFailure"
    with pytest.raises(RuntimeException, match="because it is not IComparable"):
        compare("gt", clr.Hashtable(), 1)


ARITHMETIC = [
    # left                 op      right                 expected                  PowerShell (lang-spec 7.6/7.7)
    (12,                   "+",    clr.Int64(-10),       clr.Int64(2)),
    (decimal.Decimal("-10.300"), "+", 12,               decimal.Decimal("1.700")),
    (10.6,                 "+",    12,                   22.6),
    (12,                   "+",    "0xabc",              2760),
    (1,                    "+",    "1.5",                2.5),
    (2147483647,           "+",    1,                    2147483648.0),           # Int32 overflow -> Double
    (536870912,            "*",    536870912,            288230376151711744.0),   # 512MB * 512MB
    (clr.Int64(2**62),     "*",    4,                    float(2**64)),           # Int64 overflow -> Double
    (-(2**31),             "+",    clr.UInt32(2**32 - 1), clr.Int64(2**31 - 1)),  # Int32 with UInt32 -> Int64
    (clr.Byte(200),        "+",    clr.Byte(100),        300),                    # small types compute in Int32
    ("red",                "+",    "blue",               "redblue"),
    ("red",                "+",    123,                  "red123"),
    ("red",                "+",    123.456e5,            "red12345600"),
    ("red",                "+",    [20, 30, 40],         "red20 30 40"),
    ("red",                "+",    None,                 "red"),
    ("1",                  "+",    1,                    "11"),
    ("5",                  "-",    2,                    3),
    (None,                 "+",    "a",                  "a"),
    (None,                 "+",    5,                    5),
    (None,                 "+",    None,                 None),
    (None,                 "-",    1,                    -1),
    (True,                 "+",    1,                    2),
    ([1, 2],               "+",    3,                    [1, 2, 3]),
    ([1],                  "+",    [2, 3],               [1, 2, 3]),
    ([1],                  "+",    None,                 [1, None]),
    (clr.TypedArray("System.Int32", [10, 20]), "+", "red", [10, 20, "red"]),
    ("red",                "*",    "3",                  "redredred"),
    ("red",                "*",    0,                    ""),
    ("red",                "*",    2.7,                  "redredred"),
    ([10, 20],             "*",    2,                    [10, 20, 10, 20]),
    (12,                   "*",    -10,                  -120),
    (12,                   "*",    "0xabc",              32976),
    (10,                   "/",    -10,                  -1),
    (12,                   "/",    -10,                  -1.2),
    (10,                   "/",    2,                    5),
    (1,                    "/",    0.0,                  math.inf),
    (10,                   "%",    3,                    1),
    (-7,                   "%",    3,                    -1),
    (clr.Int64(10),        "%",    3,                    clr.Int64(1)),
]


@pytest.mark.parametrize(("left", "op", "right", "expected"), ARITHMETIC,
                         ids=[f"{a[0]!r} {a[1]} {a[2]!r}" for a in ARITHMETIC])
def test_arithmetic(left: object, op: str, right: object, expected: object) -> None:
    result = binary(op, left, right)
    assert result == expected
    assert type(result) is type(expected)


def test_arithmetic_results_are_new_object_arrays() -> None:
    left = clr.TypedArray("System.String", ["a"])
    assert type(binary("+", left, "b")) is list


def test_hashtable_addition() -> None:
    merged = binary("+", clr.Hashtable([("FirstName", "James")]), clr.Hashtable([("Dept", "Personnel")]))
    assert isinstance(merged, clr.Hashtable) and len(merged) == 2
    with pytest.raises(clr.ArgumentException) as caught:
        binary("+", clr.Hashtable([("a", 1)]), clr.Hashtable([("A", 2)]))
    assert caught.value.Message == "Item has already been added. Key in dictionary: 'a'  Key being added: 'A'"
    with pytest.raises(RuntimeException, match="A hash table can only be added to another hash table."):
        binary("+", clr.Hashtable(), 1)


@pytest.mark.parametrize(("left", "op", "right", "message"), [
    (1, "/", 0, "Attempted to divide by zero."),
    (1, "%", 0, "Attempted to divide by zero."),
    ([1], "-", 1, "Method invocation failed because [System.Object[]] doesn't contain a method named "
                  "'op_Subtraction'."),
    (True, "+", True, "Method invocation failed because [System.Boolean] doesn't contain a method named "
                      "'op_Addition'."),
    (clr.Hashtable(), "*", 2, "Method invocation failed because [System.Collections.Hashtable] doesn't contain a "
                              "method named 'op_Multiply'."),
])
def test_arithmetic_errors(left: object, op: str, right: object, message: str) -> None:
    with pytest.raises(RuntimeException) as caught:
        binary(op, left, right)
    assert caught.value.Message == message


def test_string_operand_that_is_not_a_number() -> None:
    with pytest.raises(PSInvalidCastException, match='Cannot convert value "abc" to type "System.Int32"'):
        binary("+", 1, "abc")


BITWISE = [
    (0x0F0F, "band", 0xFE, 0xE),
    (0x0F0F, "band", clr.Int64(0xFE), clr.Int64(0xE)),
    (0x0F0F, "band", 14.6, clr.Int64(0xF)),
    (0x0F0F, "bor", 0xFE, 0xFFF),
    (0x0F0F, "bor", decimal.Decimal("14.40"), clr.Int64(0xF0F)),
    (0x0F0F, "bxor", 0xFE, 0xFF1),
    (0x0F0F, "bxor", 14.6, clr.Int64(0xF00)),
    ("0xabc", "band", 0xFF, 0xBC),
]


@pytest.mark.parametrize(("left", "op", "right", "expected"), BITWISE)
def test_bitwise(left: object, op: str, right: object, expected: object) -> None:
    result = binary(op, left, right)
    assert result == expected and type(result) is type(expected)


def test_enum_bor_keeps_the_enum() -> None:
    result = binary("bor", clr.EnumValue(STYLES, "AdjustToUniversal", 16), clr.EnumValue(STYLES, "AssumeUniversal", 64))
    assert result == clr.EnumValue(STYLES, "AdjustToUniversal, AssumeUniversal", 80)


def test_shift_is_powershell_3() -> None:
    with pytest.raises(ParseException):
        binary("shl", 1, 1)
    assert binary("shl", 0x0408, 1, ps_version=5) == 0x0810
    assert binary("shr", 0x0408, 3, ps_version=5) == 0x0081
    assert binary("shr", clr.Int64(0x100000000), 0xFFF81, ps_version=5) == clr.Int64(0x80000000)


@pytest.mark.parametrize(("op", "value", "expected"), [
    ("bnot", True, -2), ("bnot", 10, -11), ("bnot", 2147483648.1, clr.Int64(-2147483649)), ("bnot", None, -1),
    ("bnot", "0xabc", -2749), ("-", True, -1), ("-", clr.Int64(123), clr.Int64(-123)),
    ("+", "0xabc", 2748), ("not", "xyz", False), ("!", 0, True), ("not", [0], True),
])
def test_unary(op: str, value: object, expected: object) -> None:
    result = unary(op, value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(("type_name", "expected"), [
    ("int", 22), ("double", 21.2), ("decimal", decimal.Decimal("21.20")), ("string", "10.6010.60"),
])
def test_lang_spec_as_example(type_name: str, expected: object) -> None:
    from remediate.lab.pwsh.convert import as_type
    # foreach ($t in [int],$x,[decimal],"string") { $b = (10.60D -as $t) * 2 }   (lang-spec 7.8.3)
    result = binary("*", as_type(decimal.Decimal("10.60"), type_name), 2)
    assert result == expected and type(result) is type(expected)


ABOUT_COMPARISON = [
    # about_Comparison_Operators (5.1), examples with their documented output
    ("abc", "eq", ["abc", "def"], False),
    ("abc", "ne", ["abc", "def"], True),
    (["abc", "def"], "eq", "abc", ["abc"]),
    (["abc", "def"], "ne", "abc", ["def"]),
    ([1, 2, None, 4, None, 6], "ne", None, [1, 2, 4, 6]),
    (None, "ne", [1, 2, None, 4, None, 6], True),
    ("a", "lt", "z", True),
    ("macOS", "ilt", "MacOS", False),
    ("MacOS", "ilt", "macOS", False),
    ("macOS", "clt", "MacOS", True),
    (["abc", "def"], "contains", "def", True),
    (["Windows", "PowerShell"], "contains", "Shell", False),
    (["abc", "def", "ghi"], "contains", ["abc", "def"], False),
    (["abc def", "ghi"], "contains", ["abc", "def"], True),        # the right collection as a string
]


@pytest.mark.parametrize(("left", "op", "right", "expected"), ABOUT_COMPARISON)
def test_about_comparison_operators_examples(left: object, op: str, right: object, expected: object) -> None:
    assert compare(op, left, right) == expected


def test_an_array_contains_itself() -> None:
    a = ["abc", "def"]
    assert compare("contains", [a, "ghi"], a) is True
    assert compare("in", a, [a, "ghi"], ps_version=5) is True
    assert compare("in", ["abc", "def"], ["abc", "def", "ghi"], ps_version=5) is False


COLOR = clr.EnumType("Test.ConsoleColor", {"Black": 0, "DarkBlue": 1, "Blue": 9, "Red": 12})


def test_enum_arithmetic() -> None:
    # about_Arithmetic_Operators: $blue + 3 = Red, $red - 3 = Blue, $blue - $red = -3
    blue, red = clr.EnumValue(COLOR, "Blue", 9), clr.EnumValue(COLOR, "Red", 12)
    assert binary("+", blue, 3) == red
    assert binary("-", red, 3) == blue
    result = binary("-", blue, red)
    assert result == -3 and type(result) is int
    assert binary("+", "file", 16) == "file16"
    assert unary("+", "123") == 123


def test_a_number_on_the_left_converts_the_right_operand() -> None:
    with pytest.raises(PSInvalidCastException) as caught:
        binary("+", 1, [2])
    assert caught.value.Message == ('Cannot convert the "System.Object[]" value of type "System.Object[]" to type '
                                    '"System.Int32".')
    with pytest.raises(PSInvalidCastException, match='to type "System.Int64"'):
        binary("*", clr.Int64(2), clr.Hashtable())


def test_icomparable_objects_compare_through_compareto() -> None:
    class Version(clr.DotNetObject):
        TYPE_NAME = "Test.Version"

        def __init__(self, number: int) -> None:
            self.number = number

        def CompareTo(self, other: object) -> int:  # noqa: N802
            return (self.number > other.number) - (self.number < other.number)  # type: ignore[attr-defined]

    assert compare("lt", Version(1), Version(2)) is True
    assert compare("ge", Version(2), Version(2)) is True
    assert compare("gt", [Version(1), Version(3)], Version(2)) != []
