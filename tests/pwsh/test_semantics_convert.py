"""Conversions (lang-spec chapter 6) as `remediate.lab.pwsh.convert` implements them: one row per case, with the
PowerShell expression it stands for."""

from __future__ import annotations

import decimal

import pytest

from remediate.lab.pwsh.convert import as_type, convert
from remediate.lab.pwsh.typenames import is_type, resolve
from remediate.lab.pwsh.values import is_true, parse_number, to_string
from remediate.lab.windows import clr
from remediate.lab.windows.psexceptions import PSInvalidCastException, RuntimeException
from remediate.lab.windows.refusal import NotModeled

KIND = clr.register(clr.EnumType("Test.RegistryValueKind", {"Unknown": 0, "String": 1, "DWord": 4, "QWord": 11}))
STYLES = clr.register(clr.EnumType("Test.DateTimeStyles", {"None": 0, "AdjustToUniversal": 16,
                                                           "AssumeLocal": 32, "AssumeUniversal": 64}, flags=True))

CASTS = [
    # expression                         value                 type          expected
    ("[int]'0x10'",                      "0x10",               "int",        16),
    ("[int]' 5 '",                       " 5 ",                "int",        5),
    ("[int]2.5 (to even)",               2.5,                  "int",        2),
    ("[int]3.5 (to even)",               3.5,                  "int",        4),
    ("[int]'2.5'",                       "2.5",                "int",        2),
    ("[int]'1e3'",                       "1e3",                "int",        1000),
    ("[int]''",                          "",                   "int",        0),
    ("[int]$null",                       None,                 "int",        0),
    ("[int]$true",                       True,                 "int",        1),
    ("[int][char]'a'",                   clr.Char("a"),        "int",        97),
    ("[int]'0xFFFFFFFF'",                "0xFFFFFFFF",         "int",        -1),
    ("[long]'0xFFFFFFFF'",               "0xFFFFFFFF",         "long",       clr.Int64(4294967295)),
    ("[long]5",                          5,                    "long",       clr.Int64(5)),
    ("[System.UInt32]'4294967295'",      "4294967295",         "System.UInt32", clr.UInt32(4294967295)),
    ("[uint32]7",                        7,                    "uint32",     clr.UInt32(7)),
    ("[byte]'255'",                      "255",                "byte",       clr.Byte(255)),
    ("[double]'1.5'",                    "1.5",                "double",     1.5),
    ("[double]5",                        5,                    "double",     5.0),
    ("[decimal]'1.50'",                  "1.50",               "decimal",    decimal.Decimal("1.50")),
    ("[decimal]0.1",                     0.1,                  "decimal",    decimal.Decimal("0.1")),
    ("[string]$null",                    None,                 "string",     ""),
    ("[string]1.5",                      1.5,                  "string",     "1.5"),
    ("[string](1/3)",                    1 / 3,                "string",     "0.333333333333333"),
    ("[string]1.934e18",                 1.934e18,             "string",     "1.934E+18"),
    ("[string]123.456e5",                123.456e5,            "string",     "12345600"),
    ("[string]1e-5",                     1e-5,                 "string",     "1E-05"),
    ("[string](1,2,'a')",                [1, 2, "a"],          "string",     "1 2 a"),
    ("[string](1,(2,3))",                [1, [2, 3]],          "string",     "1 System.Object[]"),
    ("[string]$true",                    True,                 "string",     "True"),
    ("[string][long]5",                  clr.Int64(5),         "System.String", "5"),
    ("[string]@{}",                      clr.Hashtable(),      "string",     "System.Collections.Hashtable"),
    ("[bool]''",                         "",                   "bool",       False),
    ("[bool]'False'",                    "False",              "bool",       True),
    ("[bool]0",                          0,                    "bool",       False),
    ("[bool]0.0",                        0.0,                  "bool",       False),
    ("[bool]@()",                        [],                   "bool",       False),
    ("[bool]@(0)",                       [0],                  "bool",       False),
    ("[bool]@(0,0)",                     [0, 0],               "bool",       True),
    ("[bool]@{}",                        clr.Hashtable(),      "bool",       True),
    ("[bool]$null",                      None,                 "bool",       False),
    ("[char]65",                         65,                   "char",       "A"),
    ("[char]'a'",                        "a",                  "char",       "a"),
    ("[object]$null",                    None,                 "object",     None),
    ("[array]$null",                     None,                 "array",      None),
    ("[array]5",                         5,                    "array",      [5]),
    ("[object[]]'a'",                    "a",                  "object[]",   ["a"]),
    ("[string[]]'abc'",                  "abc",                "string[]",   ["abc"]),
    ("[string[]](1,2)",                  [1, 2],               "string[]",   ["1", "2"]),
    ("[char[]]'ab'",                     "ab",                 "char[]",     ["a", "b"]),
    ("[byte[]](1,'2')",                  [1, "2"],             "byte[]",     [1, 2]),
    ("[Test.RegistryValueKind]'dword'",  "dword",              "Test.RegistryValueKind", clr.EnumValue(KIND, "DWord", 4)),
    ("[Test.RegistryValueKind]11",       11,                   "Test.RegistryValueKind", clr.EnumValue(KIND, "QWord", 11)),
    ("[Test.DateTimeStyles]'AssumeUniversal,AdjustToUniversal'", "AssumeUniversal,AdjustToUniversal",
     "Test.DateTimeStyles", clr.EnumValue(STYLES, "AdjustToUniversal, AssumeUniversal", 80)),
]


@pytest.mark.parametrize(("expression", "value", "type_name", "expected"), CASTS, ids=[c[0] for c in CASTS])
def test_cast(expression: str, value: object, type_name: str, expected: object) -> None:
    result = convert(value, type_name)
    assert result == expected
    assert type(result) is type(expected) or isinstance(expected, (list, str))


def test_typed_results_keep_their_net_type() -> None:
    assert clr.type_names(convert(5, "long"))[0] == "System.Int64"
    assert clr.type_names(convert("7", "byte"))[0] == "System.Byte"
    assert convert([1, 2], "byte[]").TYPE_NAME == "System.Byte[]"
    assert convert("ab", "string[]").TYPE_NAME == "System.String[]"
    assert type(convert([1], "object[]")) is list
    assert convert(5, "void") is clr.VOID


FAILURES = [
    ("abc", "int", "InvalidCastFromStringToInteger",
     'Cannot convert value "abc" to type "System.Int32". Error: "Input string was not in a correct format."'),
    (3000000000, "int", "InvalidCastIConvertible",
     'Cannot convert value "3000000000" to type "System.Int32". Error: "Value was either too large or too small '
     'for an Int32."'),
    ("3000000000", "int", "InvalidCastFromStringToInteger",
     'Cannot convert value "3000000000" to type "System.Int32". Error: "Value was either too large or too small '
     'for an Int32."'),
    (300, "byte", "InvalidCastIConvertible",
     'Cannot convert value "300" to type "System.Byte". Error: "Value was either too large or too small for an '
     'unsigned byte."'),
    (-1, "uint32", "InvalidCastIConvertible",
     'Cannot convert value "-1" to type "System.UInt32". Error: "Value was either too large or too small for a '
     'UInt32."'),
    ("x", "double", "InvalidCastFromStringToDoubleOrSingle",
     'Cannot convert value "x" to type "System.Double". Error: "Input string was not in a correct format."'),
    ("ab", "char", "InvalidCastFromStringToChar",
     'Cannot convert value "ab" to type "System.Char". Error: "String must be exactly one character long."'),
    ([1, 2], "int", "ConvertToFinalInvalidCastException",
     'Cannot convert the "System.Object[]" value of type "System.Object[]" to type "System.Int32".'),
    (clr.Hashtable(), "int", "ConvertToFinalInvalidCastException",
     'Cannot convert the "System.Collections.Hashtable" value of type "System.Collections.Hashtable" to type '
     '"System.Int32".'),
    ("5", "hashtable", "ConvertToFinalInvalidCastException",
     'Cannot convert the "5" value of type "System.String" to type "System.Collections.Hashtable".'),
    (None, "Test.RegistryValueKind", "nullToObjectInvalidCast",
     'Cannot convert null to type "Test.RegistryValueKind".'),
]


@pytest.mark.parametrize(("value", "type_name", "error_id", "message"), FAILURES)
def test_failed_cast_is_psinvalidcastexception(value: object, type_name: str, error_id: str, message: str) -> None:
    with pytest.raises(PSInvalidCastException) as caught:
        convert(value, type_name)
    assert caught.value.Message == message
    assert caught.value.error_id == error_id
    assert "System.InvalidCastException" in clr.type_names(caught.value)


def test_enum_name_that_does_not_exist_lists_the_names() -> None:
    with pytest.raises(PSInvalidCastException) as caught:
        convert("Binary", "Test.RegistryValueKind")
    assert "Unable to match the identifier name Binary to a valid enumerator name." in caught.value.Message
    assert "Unknown, String, DWord, QWord" in caught.value.Message


def test_as_returns_null_on_failure() -> None:
    assert as_type("abc", "int") is None
    assert as_type("12", "int") == 12
    assert as_type(10.6, "string") == "10.6"


@pytest.mark.parametrize(("name", "full"), [
    ("int", "System.Int32"), ("Int32", "System.Int32"), ("uint64", "System.UInt64"), ("STRING[]", "System.String[]"),
    ("hashtable", "System.Collections.Hashtable"), ("regex", "System.Text.RegularExpressions.Regex"),
    ("xml", "System.Xml.XmlDocument"), ("adsi", "System.DirectoryServices.DirectoryEntry"), ("switch",
     "System.Management.Automation.SwitchParameter"), ("System.Collections.IDictionary",
                                                      "System.Collections.IDictionary"), ("[long]", "System.Int64"),
])
def test_type_names_resolve(name: str, full: str) -> None:
    assert resolve(name) == full


def test_unknown_type_and_later_accelerators() -> None:
    with pytest.raises(RuntimeException, match=r"Unable to find type \[nosuch\]: make sure") as caught:
        resolve("nosuch")
    assert caught.value.error_id == "TypeNotFound"
    with pytest.raises(RuntimeException, match=r"^Unable to find type \[nosuch\]\.$"):
        resolve("nosuch", ps_version=5)
    with pytest.raises(RuntimeException):
        resolve("ordered", ps_version=2)
    assert resolve("ordered", ps_version=5) == "System.Collections.Specialized.OrderedDictionary"


IS_CASES = [
    (5, "int", True), (5, "long", False), (clr.Int64(5), "long", True), ("a", "string", True),
    (clr.Char("a"), "char", True), ("a", "char", False), (True, "bool", True), (True, "int", False),
    (1.5, "double", True), (None, "object", False), ([1], "array", True), ([1], "object[]", True),
    (clr.TypedArray("System.String", ["a"]), "string[]", True), (clr.TypedArray("System.Byte", []), "object[]", False),
    (clr.Hashtable(), "System.Collections.IDictionary", True), ([1], "System.Collections.IEnumerable", True),
    ("s", "System.Collections.IEnumerable", True), (clr.ArrayList(), "array", False), (5, "object", True),
    (5, "System.ValueType", True), (clr.EnumValue(KIND, "DWord", 4), "Test.RegistryValueKind", True),
    (clr.EnumValue(KIND, "DWord", 4), "System.Enum", True), (clr.OverflowException(), "System.ArithmeticException",
                                                              True),
]


@pytest.mark.parametrize(("value", "type_name", "expected"), IS_CASES)
def test_is(value: object, type_name: str, expected: bool) -> None:
    assert is_type(value, type_name) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("", 0), ("  ", 0), ("10", 10), ("-5", -5), ("+5", 5), ("0x10", 16), ("0xabc", 2748), ("1.5", 1.5),
    ("1e3", 1000.0), ("3000000000", 3000000000), ("0xFFFFFFFF", -1), (" 7 ", 7),
])
def test_parse_number(text: str, expected: object) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["abc", "5L", "1kb", "0x", "1.2.3", "--1"])
def test_parse_number_refuses_non_numbers(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


def test_truth_and_string_forms() -> None:
    assert is_true(clr.Char("\0")) is False
    assert is_true([[]]) is False
    assert is_true([[0]]) is True
    assert is_true(clr.VOID) is False
    assert to_string([1, 2], ofs=",") == "1,2"
    assert to_string(clr.PSCustomObject([("a", 1), ("b", "x")])) == "@{a=1; b=x}"
    assert to_string(decimal.Decimal("1.50")) == "1.50"
    assert to_string(float("nan")) == "NaN"
    assert to_string(float("-inf")) == "-Infinity"


def test_refused_conversions_are_loud() -> None:
    with pytest.raises(NotModeled):
        convert(1, "single")
    with pytest.raises(NotModeled):
        convert(1, "scriptblock")


def test_an_array_cast_to_its_own_type_is_the_same_array() -> None:
    plain = [1, 2]
    typed = clr.TypedArray("System.String", ["a"])
    assert convert(plain, "object[]") is plain
    assert convert(plain, "array") is plain
    assert convert(typed, "string[]") is typed
    assert convert(typed, "array") is typed
    assert convert(typed, "object[]") == ["a"] and type(convert(typed, "object[]")) is list


def test_undefined_enum_numbers_are_refused_not_guessed() -> None:
    assert convert(80, "Test.DateTimeStyles") == clr.EnumValue(STYLES, "AdjustToUniversal, AssumeUniversal", 80)
    with pytest.raises(NotModeled):
        convert(99, "Test.RegistryValueKind")
    with pytest.raises(NotModeled):
        convert(1, "Test.DateTimeStyles")


def test_string_form_of_objects_prefers_the_invariant_form() -> None:
    class Stamp(clr.DotNetObject):
        TYPE_NAME = "Test.Stamp"

        def ToString(self) -> str:  # noqa: N802
            return "12/5/2026 7:30:00 AM"

        def _invariant(self, fmt: str | None) -> str:
            return "12/05/2026 07:30:00" if fmt is None else f"<{fmt}>"

    class Plain(clr.DotNetObject):
        TYPE_NAME = "Test.Plain"

    assert to_string(Stamp()) == "12/05/2026 07:30:00"
    from remediate.lab.pwsh.format_op import format_operator
    assert format_operator("{0}|{0:yyyy}", Stamp()) == "12/05/2026 07:30:00|<yyyy>"
    assert to_string(Plain()) == "Test.Plain"


def test_an_enumerable_that_is_not_a_list_is_true_without_being_enumerated() -> None:
    class Children(clr.DotNetObject):
        TYPE_NAME = "Test.Children"

        def __iter__(self):  # noqa: ANN204
            raise AssertionError("6.2 looks only at IList")

    assert is_true(Children()) is True


def test_an_error_record_prints_its_message() -> None:
    assert to_string(clr.ErrorRecord(clr.ArgumentException("bad thing"))) == "bad thing"


def test_error_records_have_their_type() -> None:
    record = clr.ErrorRecord(clr.ArgumentException("x"))
    assert is_type(record, "System.Management.Automation.ErrorRecord")
    assert not is_type(record, "System.Exception")


def test_registered_types_are_built_by_parse_constructor_or_loadxml() -> None:
    class Address(clr.DotNetObject):
        TYPE_NAME = "Test.Address"

        def __init__(self, text: str) -> None:
            self.text = text

        @clr.static
        def Parse(rt: object, text: str) -> "Address":  # noqa: N802, N805
            if text == "bad":
                raise clr.FormatException("An invalid IP address was specified.")
            return Address(text)

    class Document(clr.DotNetObject):
        TYPE_NAME = "System.Xml.XmlDocument"

        @classmethod
        def new(cls, rt: object) -> "Document":
            return cls()

        def LoadXml(self, text: str) -> object:  # noqa: N802
            self.text = text
            return clr.VOID

    saved = dict(clr.TYPES)
    try:
        clr.register(Address)
        clr.register(Document)
        assert convert("1.2.3.4", "Test.Address", rt=object()).text == "1.2.3.4"
        assert convert("<a/>", "xml", rt=object()).text == "<a/>"
        with pytest.raises(PSInvalidCastException, match='Error: "An invalid IP address was specified."'):
            convert("bad", "Test.Address", rt=object())
        with pytest.raises(NotModeled):
            convert("1.2.3.4", "Test.Address")  # no runtime to build it with
    finally:
        clr.TYPES.clear()
        clr.TYPES.update(saved)
