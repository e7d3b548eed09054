"""netregex: .NET regular-expression syntax over Python's re, as the .NET regex language reference documents it."""

from __future__ import annotations

import pytest

from remediate.lab.windows import clr
from remediate.lab.windows.netregex import IGNORE_CASE, MULTILINE, compile_net, escape
from remediate.lab.windows.refusal import NotModeled

# (pattern, options, input, start, expected value of the first match or None)
MATCHES = [
    (r"^/LM/SMTPSVC(?:/([1-9][0-9]{0,8}))?\z", IGNORE_CASE, "/lm/smtpsvc/1", 0, "/lm/smtpsvc/1"),
    (r"^/LM/SMTPSVC(?:/([1-9][0-9]{0,8}))?\z", 0, "/lm/smtpsvc/1", 0, None),
    (r"^a\z", 0, "a\n", 0, None),  # \z is the very end
    (r"^a\Z", 0, "a\n", 0, "a"),  # \Z allows one final newline
    (r"^a$", 0, "a\n", 0, "a"),
    (r"\G-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?", 0, "[12.5e3,", 1, "12.5e3"),
    (r"\G-?(?:0|[1-9][0-9]*)", 0, "x 12", 1, None),  # \G: only at startat
    (r"-?(?:0|[1-9][0-9]*)", 0, "x 12", 1, "12"),
    (r"^ab", 0, "xab", 1, None),  # ^ is the start of the string, not startat
    (r"(?<n>a)\k<n>", 0, "xaa", 0, "aa"),
    (r"(a)\1", 0, "aa", 0, "aa"),
    (r"\x41\u0042\041\0101", 0, "AB!\b1", 0, "AB!\b1"),  # \0 takes at most two more octal digits
    (r"[]a]+", 0, "]a]", 0, "]a]"),
    (r"[[]", 0, "[", 0, "["),
    (r"[a&&b]+", 0, "&&", 0, "&&"),
    (r"x{,2}", 0, "x{,2}", 0, "x{,2}"),  # {,n} is literal in .NET
    (r"a(?i)b", 0, "aB", 0, "aB"),
    (r"a(?i)b", 0, "AB", 0, None),
    (r"(?i)ab", 0, "AB", 0, "AB"),
    (r"a(?i:b)c", 0, "aBc", 0, "aBc"),
    (r"^\d{3}-", 0, "250-x", 0, "250-"),
    ("a # comment\n b", 32, "ab", 0, "ab"),
    (r"\e\cA", 0, "\x1b\x01", 0, "\x1b\x01"),
    (r"(?#note)a", 0, "a", 0, "a"),
    (r"a.c", 0, "a\nc", 0, None),
    (r"a.c", 16, "a\nc", 0, "a\nc"),
    (r"^b", MULTILINE, "a\nb", 0, "b"),
]


@pytest.mark.parametrize("pattern, options, text, start, expected", MATCHES)
def test_match(pattern: str, options: int, text: str, start: int, expected: str | None) -> None:
    m = compile_net(pattern, options).match(text, start)
    assert (m.group(0) if m else None) == expected


def test_group_numbering_puts_named_groups_after_unnamed() -> None:
    regex = compile_net(r"(?<year>\d{4})-(\d\d)")
    m = regex.match("2024-05")
    assert regex.names == ["0", "1", "year"]
    assert regex.group_value(m, 1) == "05"
    assert regex.group_value(m, 2) == "2024"
    assert regex.replace("2024-05", "$2/$1 ${year}") == "2024/05 2024"


REPLACEMENTS = [
    (r"\\+", "a\\\\b\\c", "\\", "a\\b\\c"),
    ("b", "abc", "$$", "a$c"),
    ("b", "abc", "[$&]", "a[b]c"),
    ("b", "abc", "$`", "aac"),
    ("b", "abc", "$'", "acc"),
    ("b", "abc", "$_", "aabcc"),
    ("(b)", "abc", "$10", "a$10c"),  # no group 10: literal
    ("(b)", "abc", "${x}", "a${x}c"),
    ("(b)", "abc", "$1$1", "abbc"),
    ("x*", "abxd", "-", "-a-b--d-"),
    ("(?=b)|b", "b", "-", "-b"),  # .NET moves one character on after an empty match
]


@pytest.mark.parametrize("pattern, text, replacement, expected", REPLACEMENTS)
def test_replace(pattern: str, text: str, replacement: str, expected: str) -> None:
    assert compile_net(pattern).replace(text, replacement) == expected


SPLITS = [
    (",", "a,b,,c", 0, ["a", "b", "", "c"]),
    ("(,)", "a,b", 0, ["a", ",", "b"]),
    (",", "a,b,c", 2, ["a", "b,c"]),
    ("", "abc", 0, ["", "a", "b", "c", ""]),
]


@pytest.mark.parametrize("pattern, text, count, expected", SPLITS)
def test_split(pattern: str, text: str, count: int, expected: list[str]) -> None:
    assert compile_net(pattern).split(text, count) == expected


INVALID = [
    ("(a", "Not enough )'s."),
    ("a)", "Too many )'s."),
    ("*a", "Quantifier {x,y} following nothing."),
    ("a**", "Nested quantifier '*'."),
    (r"\q", "Unrecognized escape sequence \\q."),
    (r"\x4", "Insufficient hex digits."),
    (r"(a)\2", "Reference to undefined group number 2."),
    ("[ab", "Unterminated [] set."),
    ("(?P<a>x)", "Unrecognized grouping construct."),
]


@pytest.mark.parametrize("pattern, reason", INVALID)
def test_invalid_pattern_is_argument_exception(pattern: str, reason: str) -> None:
    with pytest.raises(clr.ArgumentException) as caught:
        compile_net(pattern)
    assert caught.value.Message == f'parsing "{pattern}" - {reason}'


REFUSED = [r"\p{L}", "[a-z-[aeiou]]", "(?(a)b|c)", "(?<a-b>x)", "(?<=a+)b", "a|\\Gb"]


@pytest.mark.parametrize(("pattern", "text", "matched"), [
    ("a(?i)b|c", "aB", True), ("a(?i)b|c", "C", True), ("a(?i)b|c", "AB", False),
    ("(?i)anti-?virus|endpoint protection", "Endpoint Protection", True), ("x(?:a(?i)b|c)", "xC", True),
    ("x(?:a(?i)b|c)d", "xcD", False),
])
def test_inline_option_holds_for_later_alternatives(pattern: str, text: str, matched: bool) -> None:
    assert (compile_net(pattern).python.fullmatch(text) is not None) is matched


@pytest.mark.parametrize("pattern", REFUSED)
def test_what_re_cannot_express_is_refused(pattern: str) -> None:
    with pytest.raises(NotModeled):
        compile_net(pattern)


def test_refused_options() -> None:
    for options in (4, 64, 256):
        with pytest.raises(NotModeled):
            compile_net("(a)", options)


def test_escape() -> None:
    assert escape("a.b*c (d) #e\tf") == r"a\.b\*c\ \(d\)\ \#e\tf"
