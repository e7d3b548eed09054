"""System.Globalization: CultureInfo (the invariant culture and the hosts' en-US), NumberStyles, DateTimeStyles.

Sources: https://learn.microsoft.com/dotnet/api/system.globalization.cultureinfo (InvariantCulture, CurrentCulture,
GetCultureInfo, Name), .../system.globalization.numberstyles, .../system.globalization.datetimestyles.

The lab's Windows hosts run en-US; formatting and parsing follow the invariant culture, which agrees with en-US for
every number and date format the lab models. Any other culture is refused (NotModeled) rather than approximated.
"""

from __future__ import annotations

from typing import Any, ClassVar

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_args import arg_error, enum_arg, is_null, null_arg
from remediate.lab.windows.refusal import NotModeled

NumberStyles = clr.register(clr.EnumType("System.Globalization.NumberStyles", {
    "None": 0, "AllowLeadingWhite": 1, "AllowTrailingWhite": 2, "AllowLeadingSign": 4, "AllowTrailingSign": 8,
    "AllowParentheses": 16, "AllowDecimalPoint": 32, "AllowThousands": 64, "AllowExponent": 128,
    "AllowCurrencySymbol": 256, "AllowHexSpecifier": 512, "Integer": 7, "HexNumber": 515, "Number": 111,
    "Float": 167, "Currency": 383, "Any": 511}, flags=True))

DateTimeStyles = clr.register(clr.EnumType("System.Globalization.DateTimeStyles", {
    "None": 0, "AllowLeadingWhite": 1, "AllowTrailingWhite": 2, "AllowInnerWhite": 4, "AllowWhiteSpaces": 7,
    "NoCurrentDateDefault": 8, "AdjustToUniversal": 16, "AssumeLocal": 32, "AssumeUniversal": 64,
    "RoundtripKind": 128}, flags=True))

_NUMBER_STYLES_VALID = 1023
_DATETIME_STYLES_VALID = 255


@clr.register
class CultureInfo(clr.DotNetObject):
    """A culture; only "" (invariant) and "en-US" exist in the lab."""

    TYPE_NAME = "System.Globalization.CultureInfo"
    _DISPLAY: ClassVar[dict[str, str]] = {"": "Invariant Language (Invariant Country)", "en-US": "English (United States)"}

    def __init__(self, name: str) -> None:
        self._name = name

    @classmethod
    def new(cls, rt: Any, name: Any, use_user_override: Any = None) -> CultureInfo:
        if is_null(name):
            raise null_arg("name")
        return cls.lookup(clr.to_str(name))

    @classmethod
    def lookup(cls, name: str) -> CultureInfo:
        for known in cls._DISPLAY:
            if known.casefold() == name.casefold():
                return INVARIANT if known == "" else EN_US
        raise NotModeled(f"culture {name!r} (the lab's hosts model the invariant culture and en-US)")

    @property
    def Name(self) -> str:  # noqa: N802 - .NET names
        return self._name

    @property
    def DisplayName(self) -> str:  # noqa: N802
        return self._DISPLAY[self._name]

    @property
    def LCID(self) -> int:  # noqa: N802
        return 127 if self._name == "" else 1033

    def ToString(self) -> str:  # noqa: N802
        return self._name

    @clr.static_property
    def InvariantCulture(rt: Any) -> CultureInfo:  # noqa: N802,N805
        return INVARIANT

    @clr.static_property
    def CurrentCulture(rt: Any) -> CultureInfo:  # noqa: N802,N805
        return EN_US

    @clr.static_property
    def CurrentUICulture(rt: Any) -> CultureInfo:  # noqa: N802,N805
        return EN_US

    @clr.static
    def GetCultureInfo(rt: Any, name: Any) -> CultureInfo:  # noqa: N802,N805
        if is_null(name):
            raise null_arg("name")
        return CultureInfo.lookup(clr.to_str(name))


INVARIANT = CultureInfo("")
EN_US = CultureInfo("en-US")


def check_provider(provider: Any) -> None:
    """An IFormatProvider argument: null (the current culture) or one of the lab's cultures."""
    if provider is None or isinstance(provider, CultureInfo):
        return
    raise NotModeled(f"format provider of type {clr.type_names(provider)[0]}")


def number_styles(value: Any) -> int:
    """A NumberStyles argument, validated as Int32.Parse and friends do."""
    styles = enum_arg(value, NumberStyles)
    if styles & ~_NUMBER_STYLES_VALID:
        raise arg_error(clr.ArgumentException, "An undefined NumberStyles value is being used.", "style")
    if styles & 512 and styles & ~515:
        raise arg_error(clr.ArgumentException, "With the AllowHexSpecifier bit set in the enum bit field, the only "
                        "other valid bits that can be combined into the enum value must be a subset of those in "
                        "HexNumber.", "style")
    return styles


def datetime_styles(value: Any) -> int:
    styles = enum_arg(value, DateTimeStyles)
    if styles & ~_DATETIME_STYLES_VALID:
        raise arg_error(clr.ArgumentException, "An undefined DateTimeStyles value is being used.", "style")
    if styles & 64 and styles & 32:
        raise arg_error(clr.ArgumentException, "The DateTimeStyles values AssumeLocal and AssumeUniversal cannot "
                        "be used together.", "style")
    if styles & 128 and styles & (16 | 32 | 64):
        raise arg_error(clr.ArgumentException, "The DateTimeStyles value RoundtripKind cannot be used with the "
                        "values AssumeLocal, AssumeUniversal or AdjustToUniversal.", "style")
    return styles
