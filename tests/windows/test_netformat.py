""".NET invariant-culture number formatting (remediate/lab/windows/netformat.py), as .NET Framework prints: the
standard and custom numeric format strings the lab's scripts and simulations use, and composite formatting."""

from __future__ import annotations

import decimal

import pytest

from remediate.lab.windows import clr
from remediate.lab.windows.netformat import composite, double_to_string, format_number, number_to_string
from remediate.lab.windows.refusal import NotModeled

FORMATS = [
    # value                      format   expected             (standard numeric format strings page)
    (255,                        "x2",    "ff"),
    (255,                        "X4",    "00FF"),
    (-1,                         "x",     "ffffffff"),
    (clr.Int64(-1),              "X",     "FFFFFFFFFFFFFFFF"),
    (clr.Byte(10),               "x2",    "0a"),
    (12,                         "D10",   "0000000012"),
    (-12,                        "D4",    "-0012"),
    (clr.Int64(12345678901),     "D",     "12345678901"),
    (1234567.888,                "N2",    "1,234,567.89"),
    (1234,                       "N0",    "1,234"),
    (-1234.5,                    "N1",    "-1,234.5"),
    (2.675,                      "F2",    "2.68"),       # .NET Framework rounds the 15-digit form, half away
    (2.5,                        "F0",    "3"),
    (5,                          "F",     "5.00"),
    (-0.001,                     "F2",    "0.00"),       # .NET Framework has no negative zero here
    (0.1,                        "R",     "0.1"),
    (0.1 + 0.2,                  "R",     "0.30000000000000004"),
    (1 / 3,                      "G",     "0.333333333333333"),
    (123.456e2,                  "e2",    "1.23e+004"),
    (1234.5,                     "E3",    "1.235E+003"),
    (-0.252,                     "P",     "-25.20 %"),
    (5,                          "000",   "005"),
    (5.0,                        "0.00",  "5.00"),
    (1.5,                        "0.##",  "1.5"),
    (1234567,                    "#,##0", "1,234,567"),
    (0,                          "#",     ""),
    (decimal.Decimal("1.50"),    "F3",    "1.500"),
]


@pytest.mark.parametrize(("value", "fmt", "expected"), FORMATS)
def test_format_number(value: object, fmt: str, expected: str) -> None:
    assert format_number(value, fmt) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (0.1, "0.1"), (1e15, "1E+15"), (1e14, "100000000000000"), (1e-5, "1E-05"), (0.0001, "0.0001"),
    (float("nan"), "NaN"), (float("inf"), "Infinity"), (float("-inf"), "-Infinity"), (-0.0, "0"),
    (123456789012345678.0, "1.23456789012346E+17"),
])
def test_double_to_string(value: float, expected: str) -> None:
    assert double_to_string(value) == expected


def test_number_to_string_keeps_decimal_scale() -> None:
    assert number_to_string(decimal.Decimal("1.500")) == "1.500"
    assert number_to_string(clr.UInt64(2**64 - 1)) == "18446744073709551615"


@pytest.mark.parametrize("fmt", ["D2", "X"])
def test_integer_formats_refuse_fractions(fmt: str) -> None:
    with pytest.raises(clr.FormatException, match="Format specifier was invalid."):
        format_number(1.5, fmt)


def test_unmodelled_custom_formats_are_refused() -> None:
    with pytest.raises(NotModeled):
        format_number(5, "0;(0)")
    with pytest.raises(NotModeled):
        format_number(5, "0.0e+0")


def test_composite() -> None:
    render = lambda value, spec: "" if value is None else format_number(value, spec)  # noqa: E731
    assert composite("{0,5}|{0,-5}|{1:x2}|{{x}}", [12, 255], render) == "   12|12   |ff|{x}"
    assert composite("{0}", [None], render) == ""
    for bad in ("{", "}", "{0", "{x}", "{0,}", "{1}"):
        with pytest.raises(clr.FormatException):
            composite(bad, [1], render)
