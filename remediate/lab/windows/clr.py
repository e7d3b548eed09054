"""The value model shared by the lab's PowerShell interpreter and the simulated Windows under it.

This module is the contract between the two layers (`remediate.lab.pwsh` imports `remediate.lab.windows`, never the
reverse). It models what the .NET Common Language Runtime gives PowerShell, as "Common Type System" documents it
(https://learn.microsoft.com/dotnet/standard/base-types/common-type-system), and knows nothing of the agent.

Values, as the interpreter and every simulation MUST represent them:

- `None` is `$null`; `VOID` is what a `void` method or an empty pipeline yields (PowerShell's AutomationNull):
  nothing is written to the pipeline.
- `bool` is System.Boolean, `str` System.String, `Char` System.Char, `float` System.Double,
  `decimal.Decimal` System.Decimal, plain `int` System.Int32; the other integer types are the `int` subclasses
  below (`Int64`, `UInt32`, ...), so `[long]5` keeps its type. A plain `int` outside Int32's range MAY appear in
  intermediate Python code but is returned to the interpreter only as `Int64`/`UInt64`/`float`.
- `list` is System.Object[] (a PowerShell array); `TypedArray` is an array with another element type (`byte[]`,
  `string[]`). Arrays are never Python tuples.
- `Hashtable` is System.Collections.Hashtable (case-insensitive string keys, as PowerShell creates them);
  `ArrayList` System.Collections.ArrayList; `PSCustomObject` an object with note properties.
- Any other .NET object is an instance of a `DotNetObject` subclass with a `TYPE_NAME`.

Members of `DotNetObject` subclasses: a Python `property` is a .NET property (settable if it has a setter), a public
Python method is a .NET instance method; names are matched case-insensitively, as PowerShell does. Methods receive
the raw argument values and convert them themselves (`to_str`, `to_int`, ...); a wrong argument count (a Python
TypeError from the call) becomes PowerShell's "Cannot find an overload" MethodException in the interpreter. A method
whose .NET return type is `void` returns `VOID`; one that returns null returns `None`. Static members are functions
decorated with `@static` (called with the `Runtime` first) and `@static_property`; constructors are
`new(cls, rt, *args)` classmethods. Members of Python builtins (`str`, `list`, `int`, ...) come from `ADAPTERS`.
A `DotNetObject` that is a .NET IEnumerable defines `__iter__`: PowerShell enumerates it in `foreach` and unrolls it
in a pipeline (SearchResultCollection, PropertyValueCollection, ...); one with an indexer (the `Item` parameterized
property: `$results[0]`, `$entry.Properties['cn']`) defines `__getitem__`. `len()` is not `.Count`: a type that has
a Count property defines it as a property.

COM: `COM_CLASSES` maps a ProgID to a factory `(rt) -> object` that `New-Object -ComObject` calls; the factory
raises the COMException Windows gives where the class is not registered on that machine (REGDB_E_CLASSNOTREG).

Errors: a .NET exception is a `DotNetException` subclass whose `TYPE_NAME` is its .NET name; `typed catch` matches
along the Python MRO (`clr.type_names(exc)`). A cmdlet reports a non-terminating error with
`ctx.write_error(ErrorRecord(...))` and a terminating one by raising `CmdletTerminatingError(record)`.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol


class _Void:
    """AutomationNull.Value: no output at all (a void method, `$null = ...`, an empty pipeline)."""

    _instance: ClassVar[_Void | None] = None

    def __new__(cls) -> _Void:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "VOID"

    def __bool__(self) -> bool:
        return False


VOID = _Void()


# ---- numbers -------------------------------------------------------------------------------------------------

class _ClrInt(int):
    """An integer of a fixed .NET width; construction checks the range as a cast in C# `checked` code would."""

    TYPE_NAME: ClassVar[str] = "System.Int32"
    MIN: ClassVar[int] = -(2**31)
    MAX: ClassVar[int] = 2**31 - 1

    def __new__(cls, value: Any = 0) -> _ClrInt:
        number = int(value)
        if not cls.MIN <= number <= cls.MAX:
            raise OverflowException(f"Value was either too large or too small for {cls.TYPE_NAME.split('.')[-1]}.")
        return super().__new__(cls, number)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({int(self)})"


def _int_type(name: str, bits: int, signed: bool) -> type[_ClrInt]:
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    return type(name, (_ClrInt,), {"TYPE_NAME": f"System.{name}", "MIN": low, "MAX": high})


SByte = _int_type("SByte", 8, True)
Byte = _int_type("Byte", 8, False)
Int16 = _int_type("Int16", 16, True)
UInt16 = _int_type("UInt16", 16, False)
Int64 = _int_type("Int64", 64, True)
UInt32 = _int_type("UInt32", 32, False)
UInt64 = _int_type("UInt64", 64, False)
# Every Byte value, boxed once: byte arrays of tens of kilobytes (FromBase64String, GetBytes) share these instead
# of boxing each element (ints are immutable, so sharing is invisible to scripts).
BYTE_VALUES: tuple[int, ...] = tuple(Byte(i) for i in range(256))
INT_TYPES: dict[str, type[int]] = {
    "System.SByte": SByte, "System.Byte": Byte, "System.Int16": Int16, "System.UInt16": UInt16,
    "System.Int64": Int64, "System.UInt32": UInt32, "System.UInt64": UInt64,
}


class Char(str):
    """System.Char: a one-character string that remembers it is a char (`[char]65`, `$s[0]`)."""

    TYPE_NAME: ClassVar[str] = "System.Char"

    def __new__(cls, value: str) -> Char:
        text = cls is Char and isinstance(value, str)
        found = _CHARS.get(value) if text else None
        if found is not None:
            return found  # chars are immutable: one instance per character serves every `$s[$i]`
        if len(value) != 1:
            raise FormatException("String must be exactly one character long.")
        made = super().__new__(cls, value)
        if text:
            _CHARS[str(value)] = made
        return made


_CHARS: dict[str, Char] = {}


# ---- collections ---------------------------------------------------------------------------------------------

class TypedArray(list):
    """An array whose element type is not System.Object (`byte[]`, `string[]`): `element_type` is its .NET name."""

    def __init__(self, element_type: str, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self.element_type = element_type

    @property
    def TYPE_NAME(self) -> str:  # noqa: N802 - the .NET spelling
        return self.element_type + "[]"


def fold_key(key: Any) -> Any:
    """A Hashtable key as PowerShell's default comparer sees it: strings compare case-insensitively."""
    return key.casefold() if isinstance(key, str) else key


class Hashtable:
    """System.Collections.Hashtable as PowerShell creates it (`@{}`): keys are case-insensitive for strings.

    Enumeration follows insertion order; .NET's is the hash order, so code that depends on the order is wrong on
    Windows too (the agent sorts keys where order matters).
    """

    TYPE_NAME: ClassVar[str] = "System.Collections.Hashtable"

    def __init__(self, items: Iterable[tuple[Any, Any]] = (), case_sensitive: bool = False) -> None:
        # `New-Object System.Collections.Hashtable` compares keys with Object.Equals (ordinal, case-sensitive);
        # PowerShell's `@{}` with CurrentCultureIgnoreCase.
        self.case_sensitive = case_sensitive
        self._data: dict[Any, tuple[Any, Any]] = {}
        for key, value in items:
            self[key] = value

    def _key(self, key: Any) -> Any:
        return key if self.case_sensitive else fold_key(key)

    def __getitem__(self, key: Any) -> Any:
        entry = self._data.get(self._key(key))
        return None if entry is None else entry[1]  # a missing key reads as $null, not an error

    def __setitem__(self, key: Any, value: Any) -> None:
        if key is None:
            raise ArgumentNullException("Key cannot be null.\r\nParameter name: key")
        folded = self._key(key)
        old = self._data.get(folded)
        self._data[folded] = (key if old is None else old[0], value)

    def __contains__(self, key: Any) -> bool:
        return self._key(key) in self._data

    def entry(self, key: Any, folded: str | None = None) -> tuple[Any, Any] | None:
        """(the key as first added, its value), or None when absent: one lookup where `in` and `[]` take two.
        `folded` is a string key's casefold when the caller already has it."""
        if folded is None or self.case_sensitive:
            return self._data.get(self._key(key))
        return self._data.get(folded)

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[Any]:
        return (key for key, _ in self._data.values())

    def items(self) -> list[tuple[Any, Any]]:
        return list(self._data.values())

    def keys(self) -> list[Any]:
        return [key for key, _ in self._data.values()]

    def values(self) -> list[Any]:
        return [value for _, value in self._data.values()]

    def add(self, key: Any, value: Any) -> None:
        """Hashtable.Add: a key that exists is an ArgumentException, as .NET documents."""
        if key in self:
            raise ArgumentException(f"Item has already been added. Key in dictionary: '{key}'  Key being added: "
                                    f"'{key}'")
        self[key] = value

    def remove(self, key: Any) -> None:
        self._data.pop(self._key(key), None)

    def copy(self) -> Hashtable:
        return Hashtable(self.items(), self.case_sensitive)


class ArrayList(list):
    """System.Collections.ArrayList: `Add` returns the new index (which PowerShell writes to the pipeline)."""

    TYPE_NAME: ClassVar[str] = "System.Collections.ArrayList"


class PSCustomObject:
    """An object with note properties only (`New-Object PSObject -Property`, `Select-Object`): ordered names,
    matched case-insensitively."""

    TYPE_NAME: ClassVar[str] = "System.Management.Automation.PSCustomObject"

    def __init__(self, properties: Iterable[tuple[str, Any]] = ()) -> None:
        self.properties = Hashtable(properties)


# ---- .NET objects and types ----------------------------------------------------------------------------------

class Runtime(Protocol):
    """What a static member or constructor is given: the machine it runs on and the PowerShell session's mode."""

    machine: Any  # remediate.lab.windows.machine.Machine: the simulated host's state and clock
    ps_version: int  # 2 or 5: where Windows PowerShell 2.0 and 5.1 differ, the simulation follows the host's
    # The process's standard streams (System.Console.Out / Console.Error write here): text objects with `write`.
    stdout: Any
    stderr: Any


class DotNetObject:
    """Base of every simulated .NET object. Subclasses set `TYPE_NAME` (full name) and MAY set `TYPE_ALIASES` and
    `SINCE`, the .NET Framework version that introduced the type (a host with an older framework cannot find it)."""

    TYPE_NAME: ClassVar[str] = "System.Object"
    TYPE_ALIASES: ClassVar[tuple[str, ...]] = ()
    SINCE: ClassVar[str] = "2.0"

    def ToString(self) -> str:  # noqa: N802 - .NET names
        return self.TYPE_NAME


def since(version: str) -> Callable[[Any], Any]:
    """Marks a member (method, property, static) as introduced by .NET Framework `version` ("3.5", "4.0", ...):
    on a host with an older framework the member does not exist (PowerShell's "doesn't contain a method named")."""

    def mark(member: Any) -> Any:
        target = member.__func__ if isinstance(member, staticmethod) else member
        target = target.fget if isinstance(target, property) else target
        target.__clr_since__ = version
        return member

    return mark


def available(item: Any, framework: str) -> bool:
    """Whether a type or member marked with `SINCE` / `@since` exists on a host whose .NET Framework is `framework`."""
    version = getattr(item, "SINCE", None) or getattr(item, "__clr_since__", None) or "2.0"
    key = (version, framework)
    found = _AVAILABLE.get(key)
    if found is None:
        found = _AVAILABLE[key] = tuple(map(int, version.split("."))) <= tuple(map(int, framework.split(".")))
    return found


_AVAILABLE: dict[tuple[str, str], bool] = {}  # (version, framework) -> available: a handful of version strings


class Stream(DotNetObject):
    """System.IO.Stream (learn.microsoft.com/dotnet/api/system.io.stream): the base every simulated stream shares,
    so that any reader or writer (StreamReader, StreamWriter, GZipStream, ...) works over any stream (a
    MemoryStream, a FileStream, a socket's NetworkStream).

    Subclasses implement the Python-level `read_bytes(count) -> bytes` (at most `count` bytes; b"" at the end of the
    stream; MAY block, as Stream.Read does) and `write_bytes(data)`, and raise the .NET exception Stream.Read/Write
    would; the .NET members `Read`, `ReadByte`, `Write`, `WriteByte`, `Flush`, `Close`, `Dispose` follow from them.
    """

    TYPE_NAME: ClassVar[str] = "System.IO.Stream"

    def read_bytes(self, count: int) -> bytes:
        raise NotSupportedException("Stream does not support reading.")

    def write_bytes(self, data: bytes) -> None:
        raise NotSupportedException("Stream does not support writing.")

    def Read(self, buffer: Any, offset: Any, count: Any) -> int:  # noqa: N802 - .NET names
        start, size = to_int(offset), to_int(count)
        if buffer is None:
            raise ArgumentNullException("Buffer cannot be null.\r\nParameter name: buffer")
        if start < 0 or size < 0 or start + size > len(buffer):
            raise ArgumentException("Offset and length were out of bounds for the array or count is greater than "
                                    "the number of elements from index to the end of the source collection.")
        data = self.read_bytes(size) if size else b""
        buffer[start:start + len(data)] = [Byte(b) for b in data]
        return len(data)

    def ReadByte(self) -> int:  # noqa: N802
        data = self.read_bytes(1)
        return data[0] if data else -1

    def Write(self, buffer: Any, offset: Any, count: Any) -> Any:  # noqa: N802
        start, size = to_int(offset), to_int(count)
        if buffer is None:
            raise ArgumentNullException("Buffer cannot be null.\r\nParameter name: buffer")
        if start < 0 or size < 0 or start + size > len(buffer):
            raise ArgumentException("Offset and length were out of bounds for the array or count is greater than "
                                    "the number of elements from index to the end of the source collection.")
        self.write_bytes(bytes(int(b) for b in buffer[start:start + size]))
        return VOID

    def WriteByte(self, value: Any) -> Any:  # noqa: N802
        self.write_bytes(bytes([to_int(value, Byte)]))
        return VOID

    def Flush(self) -> Any:  # noqa: N802
        return VOID

    def Close(self) -> Any:  # noqa: N802
        return VOID

    def Dispose(self) -> Any:  # noqa: N802
        return self.Close()


def static(function: Callable[..., Any]) -> staticmethod:
    """A .NET static method: `function(rt, *args)`."""
    function.__clr_static__ = "method"  # type: ignore[attr-defined]
    return staticmethod(function)


def static_property(function: Callable[[Runtime], Any]) -> staticmethod:
    """A .NET static property or field: `function(rt)`."""
    function.__clr_static__ = "property"  # type: ignore[attr-defined]
    return staticmethod(function)


@dataclass(frozen=True)
class EnumValue:
    """A value of a .NET enum: `[Microsoft.Win32.RegistryValueKind]::DWord` is EnumValue(kind, 'DWord', 4)."""

    enum: EnumType
    name: str
    value: int

    def ToString(self) -> str:  # noqa: N802
        return self.name

    def __int__(self) -> int:
        return self.value


@dataclass(frozen=True, eq=False)
class EnumType:
    """A .NET enum type: names to values (matched case-insensitively), `flags` for [Flags] enums."""

    TYPE_NAME: str
    members: dict[str, int]
    flags: bool = False
    # member -> the .NET Framework version that added it ("4.0"); members not listed exist from 2.0 on. A host with
    # an older framework does not have them: `[Enum]::GetNames`, `[T]::Member` and parsing use `members_on`.
    since: dict[str, str] = field(default_factory=dict)

    def members_on(self, framework: str) -> dict[str, int]:
        """The members a host whose .NET Framework is `framework` has."""
        have = tuple(map(int, framework.split(".")))
        return {name: value for name, value in self.members.items()
                if tuple(map(int, self.since.get(name, "2.0").split("."))) <= have}

    def member(self, name: str) -> EnumValue | None:
        for member, value in self.members.items():
            if member.casefold() == name.casefold():
                return EnumValue(self, member, value)
        return None

    def from_value(self, value: int) -> EnumValue:
        for member, number in self.members.items():
            if number == value:
                return EnumValue(self, member, number)
        return EnumValue(self, str(value), value)


# Full .NET type name (casefolded) -> the class or EnumType that implements it. Filled by `register`.
TYPES: dict[str, Any] = {}


def register(item: Any) -> Any:
    """Makes a DotNetObject subclass, DotNetException subclass or EnumType known by its full name and aliases."""
    names = [item.TYPE_NAME, *getattr(item, "TYPE_ALIASES", ())]
    for name in names:
        TYPES[name.casefold()] = item
    return item


def type_names(value: Any) -> list[str]:
    """The .NET type names of a value, most derived first (what `-is`, typed catch and `PSTypeNames` see)."""
    if isinstance(value, (DotNetObject, DotNetException)):
        return [c.TYPE_NAME for c in type(value).__mro__ if "TYPE_NAME" in c.__dict__]
    if isinstance(value, TypedArray):
        return [value.TYPE_NAME, "System.Array", "System.Object"]
    for python_type, names in _BUILTIN_NAMES:
        if isinstance(value, python_type):
            return [n for n in names if n] if not hasattr(value, "TYPE_NAME") else [value.TYPE_NAME,
                                                                                     "System.ValueType",
                                                                                     "System.Object"]
    return ["System.Object"]


_BUILTIN_NAMES: list[tuple[type, list[str]]] = [
    (bool, ["System.Boolean", "System.ValueType", "System.Object"]),
    (Char, ["System.Char", "System.ValueType", "System.Object"]),
    (str, ["System.String", "System.Object"]),
    (int, ["System.Int32", "System.ValueType", "System.Object"]),
    (float, ["System.Double", "System.ValueType", "System.Object"]),
    (decimal.Decimal, ["System.Decimal", "System.ValueType", "System.Object"]),
    (ArrayList, ["System.Collections.ArrayList", "System.Object"]),
    (list, ["System.Object[]", "System.Array", "System.Object"]),
    (Hashtable, ["System.Collections.Hashtable", "System.Object"]),
    (PSCustomObject, ["System.Management.Automation.PSCustomObject", "System.Object"]),
    (EnumValue, ["System.Enum", "System.ValueType", "System.Object"]),
]

# Python builtin type -> a class whose methods and properties are that type's .NET members; each takes the value
# as its first argument (`ADAPTERS[str].Substring(value, 1)`). Filled by the modules that implement them.
# A method is a plain function of the class, `Name(value, *args)`; a .NET property is a function marked with
# `@adapter_property`, `Name(value)` (the interpreter calls it on member access, without parentheses).
# `adapter_for(value)` finds the class along the value's Python MRO, so Int64 (an int subclass) gets int's members
# unless it has its own; bool, Char, TypedArray and ArrayList have their own entries where .NET's members differ.
ADAPTERS: dict[type, type] = {}


def adapter_property(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Marks an ADAPTERS member as a .NET property (read with `$value.Name`, not called)."""
    function.__clr_property__ = True  # type: ignore[attr-defined]
    return function


def adapter_for(value: Any) -> type | None:
    """The ADAPTERS class for a value: the first of its Python type's MRO that has one."""
    for python_type in type(value).__mro__:
        adapter = ADAPTERS.get(python_type)
        if adapter is not None:
            return adapter
    return None


class PSReference(DotNetObject):
    """System.Management.Automation.PSReference, what `[ref]$x` makes: a .NET method's `out`/`ref` argument.

    A simulated method such as `Int64.TryParse(s, styles, culture, [ref]$n)` assigns `ref.Value = result`; the
    interpreter's reference writes through to the variable (about_Ref).
    """

    TYPE_NAME: ClassVar[str] = "System.Management.Automation.PSReference"

    def __init__(self, get: Callable[[], Any], set_: Callable[[Any], None]) -> None:
        self._get = get
        self._set = set_

    @property
    def Value(self) -> Any:  # noqa: N802
        return self._get()

    @Value.setter
    def Value(self, value: Any) -> None:  # noqa: N802
        self._set(value)


register(PSReference)


# ---- exceptions and error records ----------------------------------------------------------------------------

class DotNetException(Exception):
    """System.Exception. `Message` is the .NET message; `InnerException` MAY hold the cause."""

    TYPE_NAME: ClassVar[str] = "System.Exception"

    def __init__(self, message: str | None = None, inner: BaseException | None = None) -> None:
        super().__init__(message if message is not None else self.default_message())
        self.Message = str(self.args[0])
        self.InnerException = inner

    @classmethod
    def default_message(cls) -> str:
        return f"Exception of type '{cls.TYPE_NAME}' was thrown."

    def ToString(self) -> str:  # noqa: N802
        return f"{self.TYPE_NAME}: {self.Message}"


def exception_type(name: str, base: type[DotNetException], default: str | None = None) -> type[DotNetException]:
    """Declares and registers a .NET exception class named by its full .NET name."""
    attributes: dict[str, Any] = {"TYPE_NAME": name}
    if default is not None:
        attributes["default_message"] = classmethod(lambda cls: default)
    return register(type(name.rsplit(".", 1)[-1], (base,), attributes))


register(DotNetException)
register(Stream)
SystemException = exception_type("System.SystemException", DotNetException)
ArgumentException = exception_type("System.ArgumentException", SystemException,
                                   "Value does not fall within the expected range.")
ArgumentNullException = exception_type("System.ArgumentNullException", ArgumentException,
                                       "Value cannot be null.")
ArgumentOutOfRangeException = exception_type("System.ArgumentOutOfRangeException", ArgumentException,
                                             "Specified argument was out of the range of valid values.")
FormatException = exception_type("System.FormatException", SystemException, "One of the identified items was in "
                                 "an invalid format.")
InvalidOperationException = exception_type("System.InvalidOperationException", SystemException,
                                           "Operation is not valid due to the current state of the object.")
NotSupportedException = exception_type("System.NotSupportedException", SystemException,
                                       "Specified method is not supported.")
ObjectDisposedException = exception_type("System.ObjectDisposedException", InvalidOperationException,
                                         "Cannot access a disposed object.")
ArithmeticException = exception_type("System.ArithmeticException", SystemException)
OverflowException = exception_type("System.OverflowException", ArithmeticException,
                                   "Arithmetic operation resulted in an overflow.")
UnauthorizedAccessException = exception_type("System.UnauthorizedAccessException", SystemException,
                                             "Attempted to perform an unauthorized operation.")
IOException = exception_type("System.IO.IOException", SystemException, "I/O error occurred.")
FileNotFoundException = exception_type("System.IO.FileNotFoundException", IOException,
                                       "Unable to find the specified file.")
DirectoryNotFoundException = exception_type("System.IO.DirectoryNotFoundException", IOException,
                                            "Attempted to access a path that is not on the disk.")
SecurityException = exception_type("System.Security.SecurityException", SystemException, "Security error.")
ExternalException = exception_type("System.Runtime.InteropServices.ExternalException", SystemException)
# ExternalException.ErrorCode is the HRESULT as a signed Int32; .NET's default is E_FAIL (0x80004005). An instance
# MAY set its own (`com_error`).
ExternalException.ErrorCode = -2147467259  # type: ignore[attr-defined]
COMException = exception_type("System.Runtime.InteropServices.COMException", ExternalException)


def hresult(code: int) -> int:
    """An HRESULT written as 0x8xxxxxxx, as the signed Int32 that `ErrorCode` and `HResult` hold."""
    return code - 2**32 if code >= 2**31 else code


def com_error(code: int, message: str, cls: type[DotNetException] | None = None) -> DotNetException:
    """A COMException (or subclass `cls`) with ErrorCode set to the HRESULT `code` (0x80070005 -> -2147024891)."""
    error = (cls or COMException)(message)
    error.ErrorCode = hresult(code)  # type: ignore[attr-defined]
    return error


class Win32Exception(ExternalException):
    """System.ComponentModel.Win32Exception: a Win32 error code (`NativeErrorCode`) and the system's text for it
    (learn.microsoft.com/dotnet/api/system.componentmodel.win32exception). SocketException derives from it."""

    TYPE_NAME: ClassVar[str] = "System.ComponentModel.Win32Exception"

    def __init__(self, message: str | None = None, inner: BaseException | None = None, native_error: int = 0
                 ) -> None:
        super().__init__(message, inner)
        self.NativeErrorCode = native_error  # ErrorCode stays ExternalException's E_FAIL


register(Win32Exception)


@dataclass
class ErrorRecord:
    """System.Management.Automation.ErrorRecord: what a cmdlet's error carries.

    `exception` MUST be given; `error_id` is the FullyQualifiedErrorId's first part (the cmdlet's id, such as
    "NoServiceFoundForGivenName"); `category` a System.Management.Automation.ErrorCategory name ("ObjectNotFound",
    "PermissionDenied", "InvalidArgument", "InvalidOperation", "NotSpecified", ...); `target` the target object.
    """

    TYPE_NAME: ClassVar[str] = "System.Management.Automation.ErrorRecord"

    exception: BaseException
    error_id: str = "NotSpecified"
    category: str = "NotSpecified"
    target: Any = None
    command: str = ""  # the cmdlet that wrote it; the interpreter fills it in


class CmdletTerminatingError(Exception):
    """A cmdlet's terminating error (ThrowTerminatingError): it stops the pipeline whatever -ErrorAction says."""

    def __init__(self, record: ErrorRecord) -> None:
        super().__init__(str(record.exception))
        self.record = record


# ---- cmdlets -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    """One cmdlet parameter as its documentation gives it.

    `type` is the .NET type the binder converts to ("System.String", "System.String[]", "System.Int32",
    "System.Management.Automation.SwitchParameter", "System.Object", an enum's name, ...). `position` for a
    positional parameter; `pipeline` if it binds ValueFromPipeline; `validate_set` for ValidateSet; `aliases`.
    The common parameters (-ErrorAction, -ErrorVariable, -WarningAction, -Verbose, ...) are the interpreter's.
    """

    name: str
    type: str = "System.Object"
    position: int | None = None
    mandatory: bool = False
    pipeline: bool = False
    validate_set: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


class CmdletContext(Protocol):
    """What a running cmdlet gets from the interpreter."""

    machine: Any  # the simulated host (remediate.lab.windows.machine.Machine)
    ps_version: int  # 2 or 5

    def write_error(self, record: ErrorRecord) -> None: ...

    def write_warning(self, message: str) -> None: ...


@dataclass(frozen=True)
class Cmdlet:
    """A cmdlet: `run(ctx, **bound)` yields its output objects; keyword names are the parameters' names as
    declared, with only the parameters that were bound (switches as bool). With pipeline input, `run` is called once
    per input object (the process block), with the pipeline parameter bound to it.

    `module` is the module or snap-in that provides it ("Microsoft.PowerShell.Management", "NetSecurity",
    "Microsoft.Exchange.Management.PowerShell.E2010", ...); `available(machine)` says whether the host has it (a
    cmdlet of an absent module is "not recognized"); `since` is the PowerShell version that introduced it.
    """

    name: str
    run: Callable[..., Iterable[Any] | None]
    params: tuple[Param, ...] = ()
    module: str = "Microsoft.PowerShell.Management"
    since: str = "1.0"
    available: Callable[[Any], bool] = lambda machine: True
    aliases: tuple[str, ...] = ()


# Cmdlet name (casefolded) -> Cmdlet. Filled by `cmdlet`.
CMDLETS: dict[str, Cmdlet] = {}


def cmdlet(name: str, *params: Param, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declares a cmdlet implemented by the decorated function (see `Cmdlet`)."""

    def declare(function: Callable[..., Any]) -> Callable[..., Any]:
        spec = Cmdlet(name=name, run=function, params=params, **options)
        for alias in (name, *spec.aliases):
            CMDLETS[alias.casefold()] = spec
        return function

    return declare


# ---- COM classes ---------------------------------------------------------------------------------------------

# ProgID (casefolded) -> factory(rt) for `New-Object -ComObject` (see the module docstring). Filled by simulations.
COM_CLASSES: dict[str, Callable[[Runtime], Any]] = {}


# ---- small .NET conversions that simulations need for method arguments ---------------------------------------

def to_str(value: Any) -> str:
    """Object.ToString() as a .NET method argument of type String receives it (null stays empty)."""
    if value is None or value is VOID:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return repr(value) if value != int(value) or abs(value) >= 1e15 else str(int(value))
    if isinstance(value, (str, int, decimal.Decimal)):
        return str(value)
    to_string = getattr(value, "ToString", None)
    return to_string() if callable(to_string) else str(value)


def to_int(value: Any, type_: type[int] = int) -> int:
    """A method argument converted to an integer type (strings parsed as invariant decimal, as .NET does)."""
    if isinstance(value, EnumValue):
        return value.value
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise FormatException("Input string was not in a correct format.") from None
    if isinstance(value, float):
        value = round(value)  # banker's rounding, as Convert.ToInt32 documents
    number = int(value)
    if type_ is int:
        if not -(2**31) <= number <= 2**31 - 1:
            raise OverflowException("Value was either too large or too small for an Int32.")
        return number
    return type_(number)


def to_bool(value: Any) -> bool:
    if isinstance(value, str):
        if value.strip().casefold() in ("true", "false"):
            return value.strip().casefold() == "true"
        raise FormatException("String was not recognized as a valid Boolean.")
    return bool(value)


# ---- strings at the boundary -----------------------------------------------------------------------------------
# A .NET string is a sequence of UTF-16 code units: a character beyond U+FFFF is two chars (a surrogate pair), so
# `$s.Length`, `$s[i]` and `[int][char]` see what Windows sees. Inside the interpreter strings are held that way;
# the simulated Windows keeps text as Python text (code points). The interpreter converts at the calls between.

def _split_astral(char: str) -> str:
    code = ord(char) - 0x10000
    return chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF))


# Arrays whose elements cannot be text (a byte[] of a decoded file is tens of thousands of elements): the string
# conversions at the boundary leave them as they are without looking at each element.
_NUMERIC_ARRAYS = frozenset({"System.Byte", "System.SByte", "System.Int16", "System.UInt16", "System.Int32",
                             "System.UInt32", "System.Int64", "System.UInt64", "System.Double", "System.Single",
                             "System.Boolean"})
_SURROGATE = re.compile("[\ud800-\udfff]")


def to_net(value: Any) -> Any:
    """Python text (and lists of it) as .NET strings: characters beyond U+FFFF become surrogate pairs."""
    if type(value) is TypedArray and value.element_type in _NUMERIC_ARRAYS:
        return value
    if type(value) is str:
        if value.isascii() or max(value) < "\U00010000":
            return value
        return "".join(_split_astral(c) if c > "\uffff" else c for c in value)
    if isinstance(value, list) and any(type(v) is str and to_net(v) is not v for v in value):
        # A copy only when a string changes: arrays are otherwise shared by reference.
        copy = [to_net(v) for v in value]
        return TypedArray(value.element_type, copy) if isinstance(value, TypedArray) else copy
    return value


def from_net(value: Any) -> Any:
    """.NET strings (and lists of them) as Python text: surrogate pairs joined; a lone surrogate stays as it is."""
    if type(value) is TypedArray and value.element_type in _NUMERIC_ARRAYS:
        return value
    if type(value) is str:
        if value.isascii() or _SURROGATE.search(value) is None:
            return value
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    if isinstance(value, list) and any(type(v) is str and from_net(v) is not v for v in value):
        # A copy only when a string changes: an array argument is otherwise the caller's own, which methods such
        # as Array.Sort change in place.
        copy = [from_net(v) for v in value]
        return TypedArray(value.element_type, copy) if isinstance(value, TypedArray) else copy
    return value
