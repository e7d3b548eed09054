"""-like, -match, -replace, -split, -join (lang-spec 7.8.4, 7.2.7-7.2.8) and -f (7.5): the spec's examples, then
the agent's own patterns (every -cmatch pattern of the rendered agent must translate)."""

from __future__ import annotations

import re

import pytest

from remediate.lab.pwsh.dispatch import binary_operator, unary_operator
from remediate.lab.pwsh.format_op import format_operator
from remediate.lab.pwsh.patterns import join, like, match, replace, split
from remediate.lab.windows import clr
from remediate.lab.windows.netformat import double_to_string, format_number
from remediate.lab.windows.psexceptions import ParseException, RuntimeException, WildcardPatternException
from remediate.lab.windows.refusal import NotModeled

LIKE = [
    ("Hello", "h*", False, True), ("Hello", "h*", True, False), ("Hello", "*l*", False, True),
    ("Hello", "??l", False, False), ("-abc", "[-xz]*", False, True), ("#$%^&", "*[A-Za-z]", False, False),
    ("He", "h[aeiou]?*", False, False), ("When", "*[?]", False, False), ("When?", "*[?]", False, True),
    ("a*b", "a`*b", False, True), ("axb", "a`*b", False, False), ("", "*", False, True), (None, "", False, True),
    (5, "5", False, True), ("line1\nline2", "line1*", False, True), ("ABC", "a?c", False, True),
]


@pytest.mark.parametrize(("value", "pattern", "cs", "expected"), LIKE)
def test_like(value: object, pattern: str, cs: bool, expected: bool) -> None:
    assert like(value, pattern, case_sensitive=cs) is expected
    assert like(value, pattern, case_sensitive=cs, negate=True) is (not expected)


def test_like_filters_collections_into_strings() -> None:
    assert like(["abc", "abbcde", "abcgh"], "abc*") == ["abc", "abcgh"]
    assert like([1, 11, 2], "1*") == ["1", "11"]
    with pytest.raises(WildcardPatternException, match=r"The specified wildcard character pattern is not valid: \[a"):
        like("a", "[a")


def _table(table: clr.Hashtable | None) -> dict:
    return None if table is None else dict(table.items())


MATCH = [
    ("Hello", ".l", False, True, {0: "el"}),
    ("Hello", "^h.*o$", False, True, {0: "Hello"}),
    ("Hello", "^h.*o$", True, False, None),
    ("abc^ef", ".\\^e", False, True, {0: "c^e"}),
    ("abc", "[^A-Za-z]", False, False, None),
    ("He", "h[aeiou].", False, False, None),
    ("red", "((r)e)(d)", False, True, {0: "red", 1: "re", 2: "r", 3: "d"}),
    ("red", "(?<m1>(?<m2>r)e)(?<m3>d)", False, True, {0: "red", "m1": "re", "m2": "r", "m3": "d"}),
    ("ab", "(x)?b", False, True, {0: "b"}),                      # a group that did not take part is left out
    (None, "^$", False, True, {0: ""}),
    (12, "^1", False, True, {0: "1"}),
]


@pytest.mark.parametrize(("value", "pattern", "cs", "expected", "table"), MATCH)
def test_match(value: object, pattern: str, cs: bool, expected: bool, table: dict | None) -> None:
    result, matches = match(value, pattern, case_sensitive=cs)
    assert result is expected
    assert _table(matches) == table


def test_notmatch_sets_matches_when_the_string_matched() -> None:
    result, matches = match("bag", "b[iou]g", negate=True)
    assert result is True and matches is None
    result, matches = match("big", "b[iou]g", negate=True)
    assert result is False and _table(matches) == {0: "big"}


def test_match_filters_collections_and_leaves_matches_alone() -> None:
    assert match(["abc", "abbcde", "abcgh"], "abc.*") == (["abc", "abcgh"], None)
    assert match(["Bag", "Beg", "Big", "Bog", "Bug"], "b[iou]g", negate=True) == (["Bag", "Beg"], None)


def test_matches_keys_are_case_insensitive_and_numbers_are_ints() -> None:
    _, matches = match("key=value", "(?<Name>\\w+)=(\\w+)")
    assert matches["name"] == "key" and matches[1] == "value" and matches[0] == "key=value"


REPLACE = [
    (["Analogous", "an apple"], ["a", "*"], False, ["*n*logous", "*n *pple"]),
    ("Analogous", "[aeiou]", True, "Anlgs"),
    (["Analogous", "an apple"], ["^a", "%%A"], False, ["%%Analogous", "%%An apple"]),
    ("Analogous", ["[aeiou]", "$&$&"], False, "AAnaaloogoouus"),
    ("Monday morning", ["(Monday|Tuesday) (morning|afternoon|evening)", "the $2 of $1"], False,
     "the morning of Monday"),
    ("a.b", ["\\.", "$$"], False, "a$b"),
    ("key=v", ["(?<k>\\w+)=", "${k}:"], False, "key:v"),
    ("ab", ["(a)", "$2"], False, "$2b"),                           # no group 2: the text stays
    (None, "x", False, ""),
    ("AbA", ["a", "x"], True, "AbA"),
    ("AbA", ["a", "x"], False, "xbx"),
]


@pytest.mark.parametrize(("value", "right", "cs", "expected"), REPLACE)
def test_replace(value: object, right: object, cs: bool, expected: object) -> None:
    assert replace(value, right, case_sensitive=cs) == expected


def test_replace_with_three_operands_is_an_error() -> None:
    with pytest.raises(RuntimeException, match="The -replace operator allows only two elements to follow it, not 3."):
        replace("a", ["a", "b", "c"])


SPLIT = [
    ("one,forty two,,", ",", False, ["one", "forty two", "", ""]),
    (["abc", "de"], "", False, ["", "a", "b", "c", "", "", "d", "e", ""]),
    (["ab,cd", "1,5,7,8"], [",", 2], False, ["ab", "cd", "1", "5,7,8"]),
    ("10X20x30", ["X", 0, "SimpleMatch"], True, ["10", "20x30"]),
    ("10X20x30", "X", False, ["10", "20", "30"]),
    ("analogous", ["[AEIOU]", 0, "RegexMatch, IgnoreCase"], True, ["", "n", "l", "g", "", "s"]),
    ("a.b", [".", 0, "SimpleMatch"], False, ["a", "b"]),
    ("a1b2c", "(\\d)", False, ["a", "1", "b", "2", "c"]),
    ("", ",", False, [""]),
    # about_Split (5.1)
    ("Lastname:FirstName:Address", "(:)", False, ["Lastname", ":", "FirstName", ":", "Address"]),
    ("Lastname/:/FirstName/:/Address", "/(:)/", False, ["Lastname", ":", "FirstName", ":", "Address"]),
    (["a,b,c", "1,2,3,4,5"], [",", 3], False, ["a", "b", "c", "1", "2", "3,4,5"]),
    ("Chocolate-Vanilla-Strawberry-Blueberry", ["(-)", 3], False,
     ["Chocolate", "-", "Vanilla", "-", "Strawberry-Blueberry"]),
    ("a,b,c", [",", -1], False, ["a", "b", "c"]),                 # negative counts are PowerShell 7's
]


@pytest.mark.parametrize(("value", "right", "cs", "expected"), SPLIT)
def test_split(value: object, right: object, cs: bool, expected: list) -> None:
    result = split(value, right, case_sensitive=cs)
    assert result == expected and result.TYPE_NAME == "System.String[]"


@pytest.mark.parametrize(("value", "expected"), [
    (" red\tblue\ngreen ", ["red", "blue", "green"]), (["yes no", "up down"], ["yes", "no", "up", "down"]),
    (" ", [""]),
])
def test_unary_split(value: object, expected: list) -> None:
    assert unary_operator("-split", value) == expected


@pytest.mark.parametrize(("value", "separator", "expected"), [
    ([10, 20, 30], "|", "10|20|30"), (12345, ",", "12345"), ([None, None], "<->", "<->"), ([10, 20, 30], None, "102030"),
    ([123, False, 19.34e17], None, "123False1.934E+18"), (None, None, ""), (["a", 1.5], ", ", "a, 1.5"),
])
def test_join(value: object, separator: object, expected: str) -> None:
    assert join(value, separator) == expected


FORMAT = [
    ("__{0,3}__", 5, "__  5__"), ("__{0,-3}__", 5, "__5  __"), ("__{0,3:000}__", 5, "__005__"),
    ("__{0,5:0.00}__", 5.0, "__ 5.00__"), ("__{0,12:e2}__", 123.456e2, "__   1.23e+004__"),
    ("__{0,-12:p}__", -0.252, "__-25.20 %    __"), ("__{0} + {1} <= {2}__", [5, 3, 8], "__5 + 3 <= 8__"),
    ("__0x{0:X8}__", 65535, "__0x0000FFFF__"), ("\\u{0:x4}", 31, "\\u001f"), ("\\{0:x2}", 42, "\\2a"),
    ("{0:D10}{1:D10}", [clr.Int64(12), clr.Int64(34)], "00000000120000000034"),
    ("{0}.{1}.{2}.{3}", [6, 0, 3790, 3959], "6.0.3790.3959"), ("{0}", [None], ""), ("{{{0}}}", "a", "{a}"),
    ("{0:N2}", 1234567.888, "1,234,567.89"), ("{0:F1}", 2.25, "2.3"), ("{0}", 1.5, "1.5"), ("{0:x}", -1, "ffffffff"),
    ("{0:X}", clr.Int64(-1), "FFFFFFFFFFFFFFFF"), ("{0:G}", 0.1, "0.1"), ("{0,-6}|", "ab", "ab    |"),
    ("{0:yyyy}", "text", "text"),
]


@pytest.mark.parametrize(("fmt", "args", "expected"), FORMAT)
def test_format(fmt: str, args: object, expected: str) -> None:
    assert format_operator(fmt, args) == expected


@pytest.mark.parametrize(("fmt", "args", "message"), [
    ("{1}", [1], "Index (zero based) must be greater than or equal to zero and less than the size of the argument "
                 "list."),
    ("{0", [1], "Input string was not in a correct format."), ("}", [1], "Input string was not in a correct format."),
    ("{a}", [1], "Input string was not in a correct format."),
])
def test_format_errors_are_format_exceptions(fmt: str, args: object, message: str) -> None:
    with pytest.raises(clr.FormatException) as caught:
        format_operator(fmt, args)
    assert caught.value.Message == message


def test_currency_is_refused() -> None:
    with pytest.raises(NotModeled):
        format_operator("{0:C}", 1.5)


@pytest.mark.parametrize(("value", "expected"), [
    (0.1, "0.1"), (1 / 3, "0.333333333333333"), (1e15, "1E+15"), (1e14, "100000000000000"), (1e-5, "1E-05"),
    (0.0001, "0.0001"), (-2.5, "-2.5"), (123456789012345678.0, "1.23456789012346E+17"), (-0.0, "0"),
])
def test_double_to_string_is_dotnet_framework_g15(value: float, expected: str) -> None:
    assert double_to_string(value) == expected


def test_round_trip_format() -> None:
    assert format_number(0.1, "R") == "0.1"
    assert float(format_number(1 / 3, "R")) == 1 / 3


def test_dispatch_covers_every_binary_operator() -> None:
    assert binary_operator("-cmatch", "abc", "^a")[0] is True
    assert binary_operator("-f", "{0:x2}", 255) == ("ff", None)
    assert binary_operator("-is", 5, "int") == (True, None)
    assert binary_operator("-isnot", 5, "System.Int32") == (False, None)
    assert binary_operator("-as", "5", "int") == (5, None)
    assert binary_operator("-ireplace", "A", ["a", "b"]) == ("b", None)
    assert binary_operator("-csplit", "aXbxc", "X") == (["a", "bxc"], None)
    assert binary_operator("-join", [1, 2], "-") == ("1-2", None)
    assert binary_operator("-bor", 1, 2) == (3, None)
    assert binary_operator("+", "a", 1) == ("a1", None)
    with pytest.raises(ParseException):
        binary_operator("-notin", 1, [2])
    assert unary_operator("-join", ["a", "b"]) == "ab"
    assert unary_operator("-bnot", 0) == -1


AGENT_PATTERNS = [
    r"^[0-9a-fA-F]{4}\z", r"^[ !#-\[\]-~]*\z", r"^[A-Za-z]:\\\z", r"[\x00-\x1f\x7f""<>|]",
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\z",
    r"^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\z",
    r"^[0-9.]+\z", r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\z",
    r"(?i)anti-?virus|endpoint protection|mail security|virusscan", r"^[A-Za-z0-9]+\z",
    r"^[A-Za-z0-9-]+(,[A-Za-z0-9-]+)*\z", r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}\z", r"^[A-Za-z][A-Za-z0-9]{0,63}\z",
    r"^[0-9a-f]{64}\z", r"^(?:[0-9a-fA-F]{2})*\z", r"^[0-9]+\z", r"[\x00-\x1f\x7f/\\*?\[\]]",
    r"^220[ *][*20 ]*\*[*20 ]*$|^220 SMTP/cmap_", r"^220(?:[ -]|$)", r"^250(?:[ -]|$)", r"^\d{3}-",
]


@pytest.mark.parametrize("pattern", AGENT_PATTERNS)
def test_agent_patterns_translate(pattern: str) -> None:
    match("probe", pattern, case_sensitive=True)


@pytest.mark.parametrize(("value", "pattern", "expected"), [
    ("abc\n", r"^[0-9a-z]+\z", False),                  # \z is the very end; $ would accept the newline
    ("abc\n", r"^[0-9a-z]+$", True),
    ("C:\\", r"^[A-Za-z]:\\\z", True),
    ("a\u0000b", r"[\x00-\x1f\x7f""<>|]", True),
    ("host-1.example", r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\z", True),
    ("Anti-Virus Product", r"(?i)anti-?virus|endpoint protection", True),
    ("220 mail ESMTP", r"^220(?:[ -]|$)", True), ("220", r"^220(?:[ -]|$)", True), ("2201", r"^220(?:[ -]|$)", False),
    ("250-PIPELINING", r"^\d{3}-", True), ("x]", r"[\x00-\x1f\x7f/\\*?\[\]]", True), ("ok name", r"^[ !#-\[\]-~]*\z",
                                                                                       True),
    ('a"b', r"^[ !#-\[\]-~]*\z", False), ("a\\b", r"^[ !#-\[\]-~]*\z", False),
])
def test_agent_patterns_match_as_dotnet(value: str, pattern: str, expected: bool) -> None:
    assert match(value, pattern, case_sensitive=True)[0] is expected


def test_python_only_syntax_is_not_python() -> None:
    # `(?P<n>..)` is Python syntax, not .NET: .NET rejects it, and so must the lab
    with pytest.raises((clr.ArgumentException, NotModeled)):
        match("a", "(?P<n>a)")
    assert re.compile("x")  # keep re imported for the pattern above's intent


@pytest.mark.parametrize(("value", "right", "expected"), [
    # about_Comparison_Operators (5.1): substitutions
    ("5.72", ["(.+)", "$ $1"], "$ 5.72"), ("5.72", ["(.+)", "$$$1"], "$5.72"), ("5.72", ["(.+)", "$$1"], "$1"),
    ("book", ["B", "C"], "Cook"),
])
def test_about_comparison_replace_examples(value: str, right: list, expected: str) -> None:
    assert replace(value, right) == expected
    assert replace("book", ["B", "C"], case_sensitive=True) == "book"


@pytest.mark.parametrize(("value", "pattern", "expected"), [
    ("PowerShell", "*shell", True), ("PowerShell", "Power?hell", True), ("PowerShell", "Power[p-w]hell", True),
    ("PowerShell", "shell", False),
])
def test_about_comparison_like_examples(value: str, pattern: str, expected: bool) -> None:
    assert like(value, pattern) is expected
    assert like(["PowerShell", "Server"], "*shell") == ["PowerShell"]
    assert like(["PowerShell", "Server"], "*shell", negate=True) == ["Server"]


def test_wildcard_pattern_for_cmdlets() -> None:
    from remediate.lab.windows.wildcard import has_wildcard, wildcard
    assert has_wildcard("W3*") and has_wildcard("a?") and has_wildcard("[ab]")
    assert not has_wildcard("plain") and not has_wildcard("a`*b")
    assert wildcard("[a-l]ook").fullmatch("Book") and not wildcard("[a-l]ook").fullmatch("took")
    assert wildcard("[!a]").fullmatch("!")                      # no negation, unlike fnmatch
    assert wildcard("12`*4").fullmatch("12*4") and not wildcard("12`*4").fullmatch("1234")
