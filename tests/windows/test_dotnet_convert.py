"""Convert, BitConverter and the numeric types' Parse/TryParse/ToString as .NET Framework documents them."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import pytest
from dotnet_helpers import raises, ref, runtime

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_convert import BitConverter, Convert
from remediate.lab.windows.dotnet_culture import INVARIANT, NumberStyles
from remediate.lab.windows.dotnet_encoding import Encoding
from remediate.lab.windows.dotnet_io import CompressionMode, GZipStream, MemoryStream
from remediate.lab.windows.dotnet_numbers import INTEGER_TYPES, Double, NumberMembers, format_value
from remediate.lab.windows.dotnet_text_statics import String
from remediate.lab.windows.dotnet_textio import StreamReader

RT2, RT4 = runtime("2.0"), runtime("4.7.2")
FORMAT = "Input string was not in a correct format."


def data(raw: bytes) -> clr.TypedArray:
    return clr.TypedArray("System.Byte", [clr.Byte(b) for b in raw])


CONVERT: list[tuple[str, tuple[Any, ...], Any]] = [
    ("ToInt32", ("00e9", 16), 0xE9),
    ("ToInt32", ("0x10", 16), 16),
    ("ToInt32", ("FFFFFFFF", 16), -1),
    ("ToInt32", ("-12", 10), -12),
    ("ToInt32", (None, 16), 0),
    ("ToInt32", (2.5,), 2),
    ("ToInt32", (3.5,), 4),
    ("ToInt32", (" 42 ",), 42),
    ("ToInt32", (True,), 1),
    ("ToByte", ("ff", 16), 255),
    ("ToByte", ("0A", 16), 10),
    ("ToUInt32", ("4294967295", 10), 4294967295),
    ("ToBase64String", (data(b"hello"),), "aGVsbG8="),
    ("ToBase64String", (data(b""),), ""),
    ("ToString", (255, 16), "ff"),
    ("ToString", (-1, 16), "ffffffff"),
]


@pytest.mark.parametrize("member, args, expected", CONVERT)
def test_convert(member: str, args: tuple[Any, ...], expected: Any) -> None:
    result = getattr(Convert, member)(RT2, *args)
    assert result == expected
    if member == "ToByte":
        assert isinstance(result, clr.Byte)


def test_from_base64_ignores_white_space() -> None:
    assert bytes(Convert.FromBase64String(RT2, "aGVs\r\n bG8=")) == b"hello"


CONVERT_ERRORS: list[tuple[str, tuple[Any, ...], Any, type, str]] = [
    ("ToInt32", ("zz", 16), RT2, clr.FormatException, "Could not find any recognizable digits."),
    ("ToInt32", ("1z", 16), RT2, clr.FormatException, "Additional non-parsable characters are at the end of the "
     "string."),
    ("ToInt32", ("1", 3), RT2, clr.ArgumentException, "Invalid Base."),
    ("ToInt32", ("100000000", 16), RT2, clr.OverflowException, "Value was either too large or too small for an "
     "Int32."),
    ("ToByte", ("100", 16), RT2, clr.OverflowException, "Value was either too large or too small for an unsigned "
     "byte."),
    ("ToInt32", ("x",), RT2, clr.FormatException, FORMAT),
    ("FromBase64String", ("abc",), RT2, clr.FormatException, "Invalid length for a Base-64 char array."),
    ("FromBase64String", ("abc",), RT4, clr.FormatException, "Invalid length for a Base-64 char array or string."),
    ("FromBase64String", ("ab!=",), RT2, clr.FormatException, "Invalid character in a Base-64 string."),
    ("FromBase64String", (None,), RT2, clr.ArgumentNullException, "Value cannot be null.\r\nParameter name: s"),
    ("ToBase64String", (None,), RT2, clr.ArgumentNullException, "Value cannot be null.\r\nParameter name: inArray"),
]


@pytest.mark.parametrize("member, args, rt, exception, message", CONVERT_ERRORS)
def test_convert_errors(member: str, args: tuple[Any, ...], rt: Any, exception: type, message: str) -> None:
    raises(exception, message, lambda: getattr(Convert, member)(rt, *args))


def test_bit_converter_reinterprets_dword_and_qword() -> None:
    """registry.ps1: [BitConverter]::ToUInt32([BitConverter]::GetBytes([int]$value), 0) and back."""
    unsigned = BitConverter.ToUInt32(RT2, BitConverter.GetBytes(RT2, -1), 0)
    assert unsigned == 4294967295 and isinstance(unsigned, clr.UInt32)
    signed = BitConverter.ToInt32(RT2, BitConverter.GetBytes(RT2, clr.UInt32(4294967295)), 0)
    assert signed == -1 and type(signed) is int
    assert BitConverter.ToInt64(RT2, BitConverter.GetBytes(RT2, clr.UInt64(2**64 - 1)), 0) == -1
    assert BitConverter.ToUInt64(RT2, BitConverter.GetBytes(RT2, clr.Int64(-2)), 0) == 2**64 - 2
    assert len(BitConverter.GetBytes(RT2, clr.Int64(1))) == 8


def test_bit_converter_to_string() -> None:
    assert BitConverter.ToString(RT2, data(b"\x0a\x1b\xff")) == "0A-1B-FF"
    assert BitConverter.ToString(RT2, data(b"")) == ""
    raises(clr.ArgumentNullException, "Value cannot be null.\r\nParameter name: value",
           lambda: BitConverter.ToString(RT2, None))
    raises(clr.ArgumentException, "Destination array is not long enough to copy all the items in the collection. "
           "Check array index and length.",
           lambda: BitConverter.ToInt32(RT2, data(b"\0\0\0"), 0))


PARSE: list[tuple[str, tuple[Any, ...], Any]] = [
    ("System.Int64", ("-42", NumberStyles.member("AllowLeadingSign"), INVARIANT), -42),
    ("System.Int32", (" 7 ",), 7),
    ("System.Int32", ("1,000", NumberStyles.member("Number")), 1000),
    ("System.Int32", ("1.0", NumberStyles.member("Number")), 1),
    ("System.Int32", ("ff", NumberStyles.member("HexNumber")), 255),
    ("System.Int32", ("FFFFFFFF", NumberStyles.member("HexNumber")), -1),
    ("System.UInt64", ("18446744073709551615", NumberStyles.member("None"), INVARIANT), 2**64 - 1),
    ("System.Int32", ("7\0\0",), 7),
]


@pytest.mark.parametrize("type_name, args, expected", PARSE)
def test_integer_parse(type_name: str, args: tuple[Any, ...], expected: int) -> None:
    result = INTEGER_TYPES[type_name].Parse(RT2, *args)
    assert result == expected and clr.type_names(result)[0] == type_name


PARSE_ERRORS: list[tuple[str, tuple[Any, ...], type, str]] = [
    ("System.Int32", ("",), clr.FormatException, FORMAT),
    ("System.Int32", ("1.5", NumberStyles.member("Number")), clr.OverflowException,
     "Value was either too large or too small for an Int32."),
    ("System.UInt64", ("+1", NumberStyles.member("None"), INVARIANT), clr.FormatException, FORMAT),
    ("System.UInt64", (" 1", NumberStyles.member("None"), INVARIANT), clr.FormatException, FORMAT),
    ("System.UInt32", ("-1",), clr.OverflowException, "Value was either too large or too small for a UInt32."),
    ("System.Int32", ("2147483648",), clr.OverflowException, "Value was either too large or too small for an Int32."),
    ("System.Int32", (None,), clr.ArgumentNullException, "Value cannot be null.\r\nParameter name: String"),
    ("System.Int32", ("1", 1024), clr.ArgumentException,
     "An undefined NumberStyles value is being used.\r\nParameter name: style"),
]


@pytest.mark.parametrize("type_name, args, exception, message", PARSE_ERRORS)
def test_integer_parse_errors(type_name: str, args: tuple[Any, ...], exception: type, message: str) -> None:
    raises(exception, message, lambda: INTEGER_TYPES[type_name].Parse(RT2, *args))


def test_try_parse_assigns_through_the_reference() -> None:
    box = ref(clr.Int64(0))
    styles = NumberStyles.member("AllowLeadingSign")
    assert INTEGER_TYPES["System.Int64"].TryParse(RT2, "-9223372036854775808", styles, INVARIANT, box)
    assert box.Value == -(2**63) and isinstance(box.Value, clr.Int64)
    assert not INTEGER_TYPES["System.Int64"].TryParse(RT2, "9223372036854775808", styles, INVARIANT, box)
    assert box.Value == 0
    assert not INTEGER_TYPES["System.Int32"].TryParse(RT2, None, box)


DOUBLES: list[tuple[str, float]] = [
    ("1.5", 1.5), ("-2e3", -2000.0), ("1E-2", 0.01), ("  3 ", 3.0), ("1,000.5", 1000.5), ("Infinity", float("inf")),
]


@pytest.mark.parametrize("text, expected", DOUBLES)
def test_double_parse(text: str, expected: float) -> None:
    assert Double.Parse(RT2, text, INVARIANT) == expected


def test_double_parse_overflow_is_an_error_on_framework() -> None:
    raises(clr.OverflowException, "Value was either too large or too small for a Double.",
           lambda: Double.Parse(RT2, "1e400", INVARIANT))
    raises(clr.FormatException, FORMAT, lambda: Double.Parse(RT2, "1.2.3"))


TO_STRING: list[tuple[Any, tuple[Any, ...], str]] = [
    (42, (INVARIANT,), "42"),
    (clr.UInt64(2**64 - 1), (INVARIANT,), "18446744073709551615"),
    (0.1, ("R", INVARIANT), "0.1"),
    (0.1 + 0.2, ("R", INVARIANT), "0.30000000000000004"),
    (1e20, ("R", INVARIANT), "1E+20"),
    (255, ("x4",), "00ff"),
    (7, ("D10",), "0000000007"),
]


@pytest.mark.parametrize("value, args, expected", TO_STRING)
def test_number_to_string(value: Any, args: tuple[Any, ...], expected: str) -> None:
    assert NumberMembers.ToString(value, *args) == expected


def test_string_format_and_render() -> None:
    assert String.Format(RT2, "{0:D10}{1:D10}", clr.Int64(3), clr.Int64(12)) == "00000000030000000012"
    assert format_value(None, None) == "" and format_value(True, None) == "True"


def test_bootstrap_expand_line() -> None:
    """What the agent's bootstrap does: base64 -> MemoryStream(byte[]) -> GZipStream Decompress -> StreamReader."""
    packed = base64.b64encode(gzip.compress(b'{"mode":"read"}\r\nline2')).decode()
    memory = MemoryStream.new(RT2, Convert.FromBase64String(RT2, packed))
    unzip = GZipStream.new(RT2, memory, CompressionMode.member("Decompress"))
    reader = StreamReader.new(RT2, unzip, Encoding.ASCII(RT2))
    assert reader.ReadToEnd() == '{"mode":"read"}\r\nline2'
