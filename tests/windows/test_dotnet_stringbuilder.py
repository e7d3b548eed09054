"""System.Text.StringBuilder as .NET documents it (the agent's JSON writer builds its answer with it)."""

from __future__ import annotations

from dotnet_helpers import raises, runtime

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_stringbuilder import StringBuilder

RT2, RT4 = runtime("2.0"), runtime("4.7.2")


def test_append_returns_the_builder_and_converts_like_to_string() -> None:
    sb = StringBuilder.new(RT2)
    assert sb.Append('"') is sb
    sb.Append(clr.Char("x")).Append(None).Append(True).Append(42).Append(clr.Int64(-7)).Append(0.5)
    sb.Append(clr.TypedArray("System.Char", [clr.Char("a"), clr.Char("b")]))
    assert sb.ToString() == '"xTrue42-70.5ab' and sb.Length == 15


def test_other_members() -> None:
    sb = StringBuilder.new(RT2, "hello")
    sb.Append(clr.Char("!"), 3).AppendLine("x").AppendFormat("{0:D3}", 7)
    assert sb.ToString() == "hello!!!x\r\n007"
    sb.Insert(0, "<").Remove(1, 5).Replace("!", "?")
    assert sb.ToString() == "<???x\r\n007"
    assert sb.ToString(1, 3) == "???" and sb[0] == "<"
    sb.Length = 2
    assert sb.ToString() == "<?"
    raises(clr.ArgumentOutOfRangeException, "Index and length must refer to a location within the string.\r\n"
           "Parameter name: length", lambda: sb.ToString(1, 5))
    assert sb.Append("abc", 1, 2).ToString() == "<?bc"


def test_clear_is_net_4() -> None:
    assert not clr.available(StringBuilder.Clear, "2.0") and clr.available(StringBuilder.Clear, "4.0")
    assert StringBuilder.new(RT4, "x").Clear().ToString() == ""
