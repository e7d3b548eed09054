"""System.Text.RegularExpressions.Regex, Match and groups as .NET documents them (the agent's uses first)."""

from __future__ import annotations

from dotnet_helpers import raises, runtime

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_regex import Regex, RegexInstance, RegexOptions

RT = runtime()
IGNORE = RegexOptions.member("IgnoreCase")


def test_json_number_reader_with_g_anchor() -> None:
    """json: [regex]'\\G-?(?:0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?' then .Match($text, $pos)."""
    number = Regex.new(RT, r"\G-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
    assert isinstance(number, Regex) and isinstance(number, RegexInstance)
    m = number.Match('{"a":-12,', 5)
    assert m.Success and m.Value == "-12" and m.Length == 3 and m.Index == 5
    assert not m.Groups[1].Success and m.Groups[1].Value == ""
    m = number.Match("[1.5e3]", 1)
    assert m.Groups[1].Value == ".5" and m.Groups[2].Value == "e3"
    assert not number.Match("[x1]", 1).Success


def test_static_match_with_options_and_groups() -> None:
    m = Regex.Match(RT, "/lm/smtpsvc/12", r"^/LM/SMTPSVC(?:/([1-9][0-9]{0,8}))?\z", IGNORE)
    assert m.Success and m.Groups[1].Value == "12"
    m = Regex.Match(RT, "MetaBase_10_2.xml", r"^MetaBase_([0-9]{1,10})_([0-9]{1,10})\.xml\z", IGNORE)
    assert [m.Groups[i].Value for i in (1, 2)] == ["10", "2"]
    assert m.Groups[7].Success is False and m.Groups["nope"].Value == ""
    assert not Regex.Match(RT, "x", "y").Success


def test_static_replace_and_named_groups() -> None:
    assert Regex.Replace(RT, "a\\\\\\b", r"\\+", "\\") == "a\\b"
    m = Regex.Match(RT, "2026-11", r"(?<year>\d+)-(\d+)")
    assert m.Groups["year"].Value == "2026" and m.Groups[1].Value == "11" and m.Groups[2].Value == "2026"
    assert m.Result("$2/$1") == "2026/11"


def test_matches_split_escape() -> None:
    rx = Regex.new(RT, "[0-9]+")
    found = rx.Matches("a1b22c333")
    assert found.Count == 3 and [m.Value for m in found] == ["1", "22", "333"]
    assert list(rx.Split("a1b22c")) == ["a", "b", "c"]
    assert Regex.Escape(RT, "a.b") == "a\\.b"
    assert rx.Match("a1b22").NextMatch().Value == "22"


def test_errors() -> None:
    raises(clr.ArgumentNullException, "Value cannot be null.\r\nParameter name: pattern", lambda: Regex.new(RT, None))
    raises(clr.ArgumentNullException, "Value cannot be null.\r\nParameter name: input",
           lambda: Regex.new(RT, "a").Match(None))
    raises(clr.ArgumentException, 'parsing "(" - Not enough )\'s.', lambda: Regex.new(RT, "("))
    raises(clr.ArgumentOutOfRangeException, None, lambda: Regex.new(RT, "a").Match("abc", 4))


def test_options_property() -> None:
    assert Regex.new(RT, "a", IGNORE).Options.value == 1
    assert Regex.new(RT, "a").ToString() == "a"
