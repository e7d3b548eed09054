"""The value model shared by the interpreter and the simulated Windows (remediate/lab/windows/clr.py)."""

from __future__ import annotations

import pytest

from remediate.lab.windows import clr


@pytest.mark.parametrize(
    "value, names",
    [
        ("x", ["System.String", "System.Object"]),
        (5, ["System.Int32", "System.ValueType", "System.Object"]),
        (clr.UInt32(5), ["System.UInt32", "System.ValueType", "System.Object"]),
        (True, ["System.Boolean", "System.ValueType", "System.Object"]),
        (clr.TypedArray("System.Byte", [1]), ["System.Byte[]", "System.Array", "System.Object"]),
        (clr.FileNotFoundException("x"), ["System.IO.FileNotFoundException", "System.IO.IOException",
                                          "System.SystemException", "System.Exception"]),
    ],
)
def test_type_names_most_derived_first(value, names):
    assert clr.type_names(value) == names


def test_hashtable_keys_are_case_insensitive_and_keep_their_first_spelling():
    table = clr.Hashtable([("Name", 1)])
    table["NAME"] = 2
    assert list(table) == ["Name"] and table["name"] == 2 and table["missing"] is None
    with pytest.raises(clr.ArgumentException):
        table.add("name", 3)


@pytest.mark.parametrize("kind, value", [(clr.Byte, 256), (clr.UInt32, -1), (clr.Int16, 40000)])
def test_fixed_width_integers_refuse_values_out_of_range(kind, value):
    with pytest.raises(clr.OverflowException):
        kind(value)


@pytest.mark.parametrize("since, framework, expected", [("2.0", "2.0", True), ("3.5", "2.0", False),
                                                        ("3.5", "4.5.1", True), ("4.0", "3.5", False)])
def test_a_member_exists_only_from_the_framework_that_introduced_it(since, framework, expected):
    @clr.since(since)
    def member():  # pragma: no cover - only its mark is read
        pass

    assert clr.available(member, framework) is expected


@pytest.mark.parametrize("text, net", [("plain", "plain"), ("Grüße 東京", "Grüße 東京"),
                                       ("emoji 🎉", "emoji \ud83c\udf89")])
def test_strings_cross_to_dotnet_as_utf16_code_units_and_back(text, net):
    assert clr.to_net(text) == net and clr.from_net(net) == text


def test_an_array_argument_is_passed_as_itself_unless_a_string_in_it_changes():
    names = clr.TypedArray("System.String", ["b", "a"])
    assert clr.from_net(names) is names
    assert clr.from_net(["\ud83c\udf89"]) == ["🎉"]
    strings = clr.to_net(clr.TypedArray("System.String", ["🎉"]))
    assert strings == ["\ud83c\udf89"] and strings.element_type == "System.String"
