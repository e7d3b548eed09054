"""System.Environment, OperatingSystem, Version, Math, Enum's statics and members, Threading.Thread.Sleep.

Sources (learn.microsoft.com/dotnet/api/...): system.environment (GetFolderPath with Environment.SpecialFolder,
OSVersion, NewLine, MachineName, ProcessorCount, GetEnvironmentVariable), system.operatingsystem (VersionString
"Microsoft Windows NT <version>[ <service pack>]"), system.version, system.math (Round rounds half to even;
Max/Min keep the arguments' type), system.enum (GetNames in value order, Parse with "Requested value 'x' was not
found.", IsDefined, ToObject, ToString of [Flags] values as "A, B"), system.threading.thread.sleep.

What the machine knows comes from it, duck-typed: known folders from its volume (`machine.files.folder(name)`,
remediate/lab/state/files.py), the OS version from its facts, environment variables from `machine.environment()`.
"""

from __future__ import annotations

import decimal
import functools
import math
import time
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_args import arg_error, enum_arg, int_arg, is_null, null_arg, out_of_range
from remediate.lab.windows.dotnet_args import string_array
from remediate.lab.windows.refusal import NotModeled

SpecialFolder = clr.register(clr.EnumType("System.Environment+SpecialFolder", {
    "Desktop": 0, "Programs": 2, "Personal": 5, "Favorites": 6, "Startup": 7, "Recent": 8, "SendTo": 9,
    "StartMenu": 11, "MyMusic": 13, "DesktopDirectory": 16, "MyComputer": 17, "Templates": 21,
    "ApplicationData": 26, "LocalApplicationData": 28, "InternetCache": 32, "Cookies": 33, "History": 34,
    "CommonApplicationData": 35, "Windows": 36, "System": 37, "ProgramFiles": 38, "MyPictures": 39,
    "CommonProgramFiles": 43}))
PlatformID = clr.register(clr.EnumType("System.PlatformID", {
    "Win32S": 0, "Win32Windows": 1, "Win32NT": 2, "WinCE": 3, "Unix": 4, "Xbox": 5, "MacOSX": 6}))


@functools.total_ordering
@clr.register
class Version(clr.DotNetObject):
    """System.Version: Major.Minor[.Build[.Revision]] (an absent part is -1)."""

    TYPE_NAME = "System.Version"

    def __init__(self, *parts: int) -> None:
        self._parts = (list(parts) + [-1, -1])[:4] if len(parts) >= 2 else [0, 0, -1, -1]

    @classmethod
    def new(cls, rt: Any, *args: Any) -> Version:
        if len(args) == 1 and isinstance(args[0], str):
            return cls.parse(args[0])
        numbers = [int_arg(a) for a in args]
        if any(n < 0 for n in numbers):
            raise out_of_range("Version's parameters must be greater than or equal to zero.", "major")
        return cls(*numbers) if numbers else cls()

    @classmethod
    def parse(cls, text: str) -> Version:
        pieces = text.split(".")
        if not 2 <= len(pieces) <= 4:
            raise arg_error(clr.ArgumentException, "Version string portion was too short or too long.", "input")
        try:
            numbers = [int(p) for p in pieces]
        except ValueError:
            raise clr.FormatException("Input string was not in a correct format.") from None
        if any(n < 0 for n in numbers):
            raise out_of_range("Version's parameters must be greater than or equal to zero.", "version")
        return cls(*numbers)

    Major = property(lambda self: self._parts[0])
    Minor = property(lambda self: self._parts[1])
    Build = property(lambda self: self._parts[2])
    Revision = property(lambda self: self._parts[3])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and other._parts == self._parts

    def __lt__(self, other: Version) -> bool:
        return self._parts < other._parts

    def __hash__(self) -> int:
        return hash(tuple(self._parts))

    def CompareTo(self, other: Any) -> int:  # noqa: N802 - .NET names
        if is_null(other):
            return 1
        return (self._parts > other._parts) - (self._parts < other._parts)

    def ToString(self, fields: Any = None) -> str:  # noqa: N802
        present = [p for p in self._parts if p >= 0]
        count = len(present) if fields is None else int_arg(fields)
        if not 0 <= count <= len(present):
            raise arg_error(clr.ArgumentException, f"Argument must be between 0 and {len(present)}.", "fieldCount")
        return ".".join(str(p) for p in present[:count])


@clr.register
class OperatingSystem(clr.DotNetObject):
    TYPE_NAME = "System.OperatingSystem"

    def __init__(self, version: Version, service_pack: str) -> None:
        self._version, self._service_pack = version, service_pack

    Platform = property(lambda self: PlatformID.member("Win32NT"))
    Version = property(lambda self: self._version)
    ServicePack = property(lambda self: self._service_pack)
    VersionString = property(lambda self: "Microsoft Windows NT " + self._version.ToString()
                             + (" " + self._service_pack if self._service_pack else ""))

    def ToString(self) -> str:  # noqa: N802
        return self.VersionString


def _machine(rt: Any) -> Any:
    return getattr(rt, "machine", None)


@clr.register
class Environment(clr.DotNetObject):
    """Statics of System.Environment over the simulated machine."""

    TYPE_NAME = "System.Environment"

    NewLine = clr.static_property(lambda rt: "\r\n")

    @clr.static
    def GetFolderPath(rt: Any, folder: Any) -> str:  # noqa: N802,N805
        number = enum_arg(folder, SpecialFolder)
        name = SpecialFolder.from_value(number).name
        if name == str(number):
            raise arg_error(clr.ArgumentException, f"Illegal enum value: {number}.", "folder")
        files = getattr(_machine(rt), "files", None)
        try:
            return files.folder(name)
        except (AttributeError, KeyError):
            raise NotModeled(f"Environment.GetFolderPath({name}) on this machine") from None

    @clr.static_property
    def OSVersion(rt: Any) -> OperatingSystem:  # noqa: N802,N805
        machine = _machine(rt)
        text = str(getattr(machine, "os_version", "10.0.17763"))
        parts = [int(p) for p in text.split(".")[:4]]
        parts += [0] * (4 - len(parts))
        facts = getattr(getattr(machine, "host", None), "facts", None) or {}
        return OperatingSystem(Version(*parts), str(facts.get("service_pack") or ""))

    @clr.static_property
    def MachineName(rt: Any) -> str:  # noqa: N802,N805
        return str(_machine(rt).computer_name)

    @clr.static
    def GetEnvironmentVariable(rt: Any, name: Any, target: Any = None) -> str | None:  # noqa: N802,N805
        if is_null(name):
            raise null_arg("variable")
        environment = getattr(_machine(rt), "environment", None)
        if not callable(environment):
            raise NotModeled("Environment.GetEnvironmentVariable (the machine has no environment)")
        wanted = clr.to_str(name).casefold()
        return next((str(v) for k, v in environment().items() if str(k).casefold() == wanted), None)


def _numeric_result(values: list[Any]) -> Any:
    """The overload PowerShell would pick for Math.Max/Min/Abs: Double if any double, Decimal if any decimal,
    else the widest integer type."""
    if any(isinstance(v, float) for v in values):
        return float
    if any(isinstance(v, decimal.Decimal) for v in values):
        return decimal.Decimal
    widest = max(values, key=lambda v: (clr.type_names(v)[0] == "System.Int64" or isinstance(v, clr.UInt64),
                                        isinstance(v, clr.UInt64)))
    return type(widest) if type(widest) is not bool else int


def _number(value: Any) -> Any:
    if isinstance(value, bool) or is_null(value) or isinstance(value, str):
        raise NotModeled(f"Math with a {clr.type_names(value)[0] if value is not None else 'null'} argument "
                         "(PowerShell's overload choice)")
    return value


@clr.register
class Math(clr.DotNetObject):
    """Statics of System.Math."""

    TYPE_NAME = "System.Math"

    PI = clr.static_property(lambda rt: math.pi)
    E = clr.static_property(lambda rt: math.e)

    @clr.static
    def Max(rt: Any, a: Any, b: Any) -> Any:  # noqa: N802,N805
        kind = _numeric_result([_number(a), _number(b)])
        return kind(max(a, b))

    @clr.static
    def Min(rt: Any, a: Any, b: Any) -> Any:  # noqa: N802,N805
        kind = _numeric_result([_number(a), _number(b)])
        return kind(min(a, b))

    @clr.static
    def Abs(rt: Any, a: Any) -> Any:  # noqa: N802,N805
        kind = _numeric_result([_number(a)])
        if kind is int and a == -(2**31):
            raise clr.OverflowException("Negating the minimum value of a twos complement number is invalid.")
        return kind(abs(a))

    @clr.static
    def Floor(rt: Any, a: Any) -> Any:  # noqa: N802,N805
        value = _number(a)
        return decimal.Decimal(math.floor(value)) if isinstance(value, decimal.Decimal) else float(math.floor(value))

    @clr.static
    def Ceiling(rt: Any, a: Any) -> Any:  # noqa: N802,N805
        value = _number(a)
        return decimal.Decimal(math.ceil(value)) if isinstance(value, decimal.Decimal) else float(math.ceil(value))

    @clr.static
    def Truncate(rt: Any, a: Any) -> Any:  # noqa: N802,N805
        value = _number(a)
        return decimal.Decimal(math.trunc(value)) if isinstance(value, decimal.Decimal) else float(math.trunc(value))

    @clr.static
    def Round(rt: Any, a: Any, digits: Any = None, mode: Any = None) -> Any:  # noqa: N802,N805
        """Round(x[, digits]): half to even, as .NET's default MidpointRounding.ToEven."""
        if mode is not None:
            raise NotModeled("Math.Round with a MidpointRounding")
        value = _number(a)
        places = 0 if digits is None else int_arg(digits)
        if not 0 <= places <= (28 if isinstance(value, decimal.Decimal) else 15):
            raise out_of_range("Rounding digits must be between 0 and 15, inclusive.", "digits")
        if isinstance(value, decimal.Decimal):
            return value.quantize(decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_EVEN)
        return float(round(float(value), places))

    @clr.static
    def Pow(rt: Any, a: Any, b: Any) -> float:  # noqa: N802,N805
        try:
            return math.pow(float(_number(a)), float(_number(b)))
        except OverflowError:
            return math.inf
        except ValueError:
            return math.nan

    @clr.static
    def Sqrt(rt: Any, a: Any) -> float:  # noqa: N802,N805
        value = float(_number(a))
        return math.sqrt(value) if value >= 0 else math.nan


def enum_type_arg(value: Any) -> clr.EnumType:
    """A System.Type argument that must be an enum (the interpreter's type literal or the EnumType itself)."""
    if is_null(value):
        raise null_arg("enumType")
    if isinstance(value, clr.EnumType):
        return value
    found = getattr(value, "impl", None) or clr.TYPES.get(str(getattr(value, "FullName", "")).casefold())
    if not isinstance(found, clr.EnumType):
        raise arg_error(clr.ArgumentException, "Type provided must be an Enum.", "enumType")
    return found


def enum_to_string(value: clr.EnumValue) -> str:
    """Enum.ToString(): the member's name, or for [Flags] the names of the set bits ("A, B"), or the number."""
    enum = value.enum
    exact = next((name for name, number in enum.members.items() if number == value.value), None)
    if exact is not None:
        return exact
    if enum.flags and value.value > 0:
        names, rest = [], value.value
        for name, number in sorted(enum.members.items(), key=lambda item: -item[1]):
            if number and rest & number == number:
                names.append(name)
                rest &= ~number
        if rest == 0:
            return ", ".join(reversed(names))
    return str(value.value)


def _members_on_host(rt: Any, enum: Any) -> dict[str, int]:
    """The enum's members on the host's .NET Framework (RegistryValueKind.None only from 4.0 on)."""
    machine = getattr(rt, "machine", None)
    return enum.members_on(machine.framework) if machine is not None else dict(enum.members)


@clr.register
class Enum(clr.DotNetObject):
    """Statics of System.Enum; a member newer than the host's .NET Framework is not there."""

    TYPE_NAME = "System.Enum"

    @clr.static
    def GetNames(rt: Any, enum_type: Any) -> clr.TypedArray:  # noqa: N802,N805
        enum = enum_type_arg(enum_type)
        ordered = sorted(_members_on_host(rt, enum).items(), key=lambda item: item[1] & 0xFFFFFFFFFFFFFFFF)
        return string_array([name for name, _ in ordered])

    @clr.static
    def GetValues(rt: Any, enum_type: Any) -> clr.TypedArray:  # noqa: N802,N805
        enum = enum_type_arg(enum_type)
        ordered = sorted(_members_on_host(rt, enum).items(), key=lambda item: item[1] & 0xFFFFFFFFFFFFFFFF)
        return clr.TypedArray(enum.TYPE_NAME, [clr.EnumValue(enum, name, number) for name, number in ordered])

    @clr.static
    def Parse(rt: Any, enum_type: Any, value: Any, ignore_case: Any = False) -> clr.EnumValue:  # noqa: N802,N805
        enum = enum_type_arg(enum_type)
        if is_null(value):
            raise null_arg("value")
        text = clr.to_str(value).strip()
        if not text:
            raise clr.ArgumentException("Must specify valid information for parsing in the string.")
        if text.lstrip("+-").isdigit():
            return enum.from_value(int(text))
        total = 0
        members = _members_on_host(rt, enum)
        for part in text.split(","):
            name = part.strip()
            found = [n for n in members if n == name or (clr.to_bool(ignore_case) and n.casefold() == name.casefold())]
            if not found:
                raise clr.ArgumentException(f"Requested value '{name}' was not found.")
            total |= members[found[0]]
        return enum.from_value(total)

    @clr.static
    def IsDefined(rt: Any, enum_type: Any, value: Any) -> bool:  # noqa: N802,N805
        enum = enum_type_arg(enum_type)
        members = _members_on_host(rt, enum)
        if isinstance(value, str):
            return value in members
        return enum_arg(value, enum) in members.values()

    @clr.static
    def ToObject(rt: Any, enum_type: Any, value: Any) -> clr.EnumValue:  # noqa: N802,N805
        return enum_type_arg(enum_type).from_value(int_arg(value) if not isinstance(value, clr.EnumValue)
                                                   else value.value)

    @clr.static
    def GetName(rt: Any, enum_type: Any, value: Any) -> str | None:  # noqa: N802,N805
        enum = enum_type_arg(enum_type)
        number = enum_arg(value, enum)
        return next((n for n, v in enum.members.items() if v == number), None)


class EnumMembers:
    """Instance members of enum values."""

    def ToString(value: clr.EnumValue, fmt: Any = None) -> str:  # noqa: N802,N805
        if fmt is None or clr.to_str(fmt).upper() == "G":
            return enum_to_string(value)
        if clr.to_str(fmt).upper() == "D":
            return str(value.value)
        raise NotModeled(f"Enum.ToString({fmt!r})")

    def CompareTo(value: clr.EnumValue, other: Any) -> int:  # noqa: N802,N805
        if is_null(other):
            return 1
        return (value.value > other.value) - (value.value < other.value)

    def Equals(value: clr.EnumValue, other: Any) -> bool:  # noqa: N802,N805
        return isinstance(other, clr.EnumValue) and other.enum is value.enum and other.value == value.value

    @clr.since("4.0")
    def HasFlag(value: clr.EnumValue, flag: Any) -> bool:  # noqa: N802,N805
        number = enum_arg(flag, value.enum)
        return value.value & number == number


clr.ADAPTERS[clr.EnumValue] = EnumMembers


@clr.register
class Thread(clr.DotNetObject):
    """System.Threading.Thread's Sleep: time passes on the machine (its `sleep(seconds)` if it has one, so a lab
    may let simulated time pass instead), else for real."""

    TYPE_NAME = "System.Threading.Thread"

    @clr.static
    def Sleep(rt: Any, timeout: Any) -> Any:  # noqa: N802,N805
        ticks = getattr(timeout, "ticks", None)
        millis = ticks // 10_000 if isinstance(ticks, int) else int_arg(timeout)
        if millis == -1:
            raise NotModeled("Thread.Sleep(Infinite)")
        if millis < 0:
            raise out_of_range("Number must be either non-negative and less than or equal to Int32.MaxValue or -1.",
                               "millisecondsTimeout")
        sleep = getattr(_machine(rt), "sleep", None)
        (sleep if callable(sleep) else time.sleep)(millis / 1000)
        return clr.VOID
