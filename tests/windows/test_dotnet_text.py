"""System.String members and statics as .NET Framework documents them (table-driven)."""

from __future__ import annotations

from typing import Any

import pytest

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_text import StringComparison, StringMembers, StringSplitOptions
from remediate.lab.windows.dotnet_text_statics import String
from remediate.lab.windows.refusal import NotModeled
from dotnet_helpers import call, raises, runtime

ORDINAL = StringComparison.member("Ordinal")
IGNORE = StringComparison.member("OrdinalIgnoreCase")
REMOVE = StringSplitOptions.member("RemoveEmptyEntries")
C = clr.Char

CALLS: list[tuple[str, str, tuple[Any, ...], Any]] = [
    ("abc", "Length", (), 3),
    ("abcdef", "Substring", (2,), "cdef"),
    ("abcdef", "Substring", (6,), ""),
    ("abcdef", "Substring", (1, 3), "bcd"),
    (" \t\r\n", "IndexOf", (C("\r"),), 2),
    ("IIS://x/LM", "IndexOf", ("/", 6), 7),
    ("a\0b", "IndexOf", (C("\0"),), 1),
    ("a\0b", "IndexOf", ("\0",), 0),  # culture-sensitive: NUL has no weight, found at the start
    ("a\0b", "IndexOf", ("\0", ORDINAL), 1),
    ("a\0b", "IndexOf", ("ab",), 0),
    ("xAb", "IndexOf", ("ab", IGNORE), 1),
    ("ab\"c\\", "IndexOfAny", (clr.TypedArray("System.Char", [C('"'), C("\\")]), 1), 2),
    ("ab", "IndexOfAny", (clr.TypedArray("System.Char", [C("\r"), C("\n"), C("\0")]),), -1),
    ("220 ok", "StartsWith", ("220 ", ORDINAL), True),
    ("IIS://x", "StartsWith", ("iis://", IGNORE), True),
    ("IIS://x", "StartsWith", ("iis://", ORDINAL), False),
    ("[::1]", "StartsWith", ("[",), True),
    ("\0[x", "StartsWith", ("[",), True),  # current culture ignores the NUL
    ("\0[x", "StartsWith", ("[", "Ordinal"), False),
    ("c:\\", "EndsWith", ("\\", ORDINAL), True),
    ("host:25", "Contains", (":",), True),
    ("a/b/c", "Replace", ("/", "\\/"), "a\\/b\\/c"),
    ("a-b", "Replace", ("-", None), "ab"),
    ("a\\b", "Split", (C("\\"),), ["a", "b"]),
    ("25,587", "Split", (",",), ["25", "587"]),
    ("a,b;c", "Split", (",;",), ["a", "b", "c"]),  # a string is converted to char[]
    ("a,,b", "Split", (C(","),), ["a", "", "b"]),
    ("a,,b", "Split", (clr.TypedArray("System.Char", [C(",")]), REMOVE), ["a", "b"]),
    ("a,b,c", "Split", (clr.TypedArray("System.Char", [C(",")]), 2), ["a", "b,c"]),
    ("a::b", "Split", (clr.TypedArray("System.String", ["::"]), StringSplitOptions.member("None")), ["a", "b"]),
    ("a b\tc", "Split", (), ["a", "b", "c"]),
    ("  x \r\n", "Trim", (), "x"),
    ("\x1fx", "Trim", (), "\x1fx"),  # U+001F is not white space in .NET (it is in Python)
    ("/a//", "TrimEnd", ("/",), "/a"),
    ("5", "PadLeft", (3, "0"), "005"),
    ("Straße", "ToUpperInvariant", (), "STRAßE"),  # simple case mapping: ß stays
    ("ABC", "ToLowerInvariant", (), "abc"),
    ("ab", "ToCharArray", (), ["a", "b"]),
    ("abc", "Insert", (1, "X"), "aXbc"),
    ("abc", "Remove", (1,), "a"),
    ("abc", "Remove", (0, 2), "c"),
    ("abc", "Equals", ("abc",), True),
    ("abc", "Equals", ("ABC", IGNORE), True),
    ("abc", "Equals", (1,), False),
]


@pytest.mark.parametrize("value, member, args, expected", CALLS)
def test_string_members(value: str, member: str, args: tuple[Any, ...], expected: Any) -> None:
    result = call(StringMembers, member, value, *args)
    assert result == expected
    if isinstance(expected, list):
        assert isinstance(result, clr.TypedArray)


def test_upper_invariant_is_one_to_one() -> None:
    assert StringMembers.ToUpperInvariant("straße") == "STRAßE"


ERRORS: list[tuple[str, str, tuple[Any, ...], type, str]] = [
    ("abc", "Substring", (4,), clr.ArgumentOutOfRangeException,
     "startIndex cannot be larger than length of string.\r\nParameter name: startIndex"),
    ("abc", "Substring", (-1,), clr.ArgumentOutOfRangeException,
     "StartIndex cannot be less than zero.\r\nParameter name: startIndex"),
    ("abc", "Substring", (1, 3), clr.ArgumentOutOfRangeException,
     "Index and length must refer to a location within the string.\r\nParameter name: length"),
    ("abc", "Substring", (1, -1), clr.ArgumentOutOfRangeException,
     "Length cannot be less than zero.\r\nParameter name: length"),
    ("abc", "IndexOf", ("b", 4), clr.ArgumentOutOfRangeException,
     "Index was out of range. Must be non-negative and less than the size of the collection.\r\n"
     "Parameter name: startIndex"),
    ("abc", "StartsWith", (None,), clr.ArgumentNullException, "Value cannot be null.\r\nParameter name: value"),
    ("abc", "Replace", ("", "x"), clr.ArgumentException,
     "String cannot be of zero length.\r\nParameter name: oldValue"),
    ("abc", "StartsWith", ("a", 9), clr.ArgumentException,
     "The string comparison type passed in is currently not supported.\r\nParameter name: comparisonType"),
    ("abc", "PadLeft", (-1,), clr.ArgumentOutOfRangeException,
     "Non-negative number required.\r\nParameter name: totalWidth"),
    ("abc", "Substring", ("x",), clr.FormatException, "Input string was not in a correct format."),
]


@pytest.mark.parametrize("value, member, args, exception, message", ERRORS)
def test_string_member_errors(value: str, member: str, args: tuple[Any, ...], exception: type, message: str) -> None:
    raises(exception, message, lambda: call(StringMembers, member, value, *args))


def test_culture_comparison_of_combining_marks_is_refused() -> None:
    with pytest.raises(NotModeled):
        StringMembers.StartsWith("e\u0301", "e")


STATICS: list[tuple[str, tuple[Any, ...], Any]] = [
    ("IsNullOrEmpty", (None,), True),
    ("IsNullOrEmpty", ("",), True),
    ("IsNullOrEmpty", ("x",), False),
    ("Equals", ("/LM/SmtpSvc/1", "/lm/smtpsvc/1", IGNORE), True),
    ("Equals", ("a", "A", ORDINAL), False),
    ("Equals", (None, None), True),
    ("Equals", (None, ""), False),
    ("Join", (",", ["a", 1, None]), "a,1,"),
    ("Join", ("-", "a", "b"), "a-b"),
    ("Join", (",", ["a", "b", "c"], 1, 2), "b,c"),
    ("Concat", ("a", 1, None), "a1"),
    ("Compare", ("a", "B", IGNORE), -1),
    ("CompareOrdinal", ("a", "B"), 1),
]


@pytest.mark.parametrize("member, args, expected", STATICS)
def test_string_statics(member: str, args: tuple[Any, ...], expected: Any) -> None:
    assert getattr(String, member)(runtime(), *args) == expected


def test_culture_ordering_is_refused() -> None:
    with pytest.raises(NotModeled):
        String.Compare(runtime(), "a", "B")
    with pytest.raises(NotModeled):
        StringMembers.CompareTo("a", "b")


def test_is_null_or_white_space_is_net_4() -> None:
    assert clr.available(String.IsNullOrWhiteSpace, "4.0")
    assert not clr.available(String.IsNullOrWhiteSpace, "2.0")
