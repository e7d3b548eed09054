"""Microsoft.Win32.Registry, RegistryKey and RegistryValueKind over the lab host's registry (`machine.registry`).

Documents: "Registry Class" (learn.microsoft.com/dotnet/api/microsoft.win32.registry), "RegistryKey Class"
(.../microsoft.win32.registrykey: OpenSubKey, CreateSubKey, GetValue, GetValueKind, SetValue, DeleteValue,
GetValueNames, GetSubKeyNames, Close), "RegistryValueKind Enum" (.../microsoft.win32.registryvaluekind: None = -1
exists from .NET Framework 4 on, `since`), "RegistryValueOptions Enum". Where a document is silent, the behaviour is that of
the .NET Framework's RegistryKey.cs (reference source), .NET 2.0's on a host whose framework (`machine.framework`)
is 2.0/3.x (PowerShell 2.0 runs on CLR 2) and 4.x's otherwise:

- GetValue returns the default (null) for REG_LINK, REG_RESOURCE_LIST, REG_FULL_RESOURCE_DESCRIPTOR,
  REG_RESOURCE_REQUIREMENTS_LIST and any unknown type number; on .NET 2.0 for REG_NONE too (4.x returns its bytes).
  GetValueKind answers Unknown for every type number RegistryValueKind does not define (so REG_NONE is Unknown on
  4.x as well: None is -1, not 0).
- OpenSubKey(name, true) on a key the caller may not write throws SecurityException "Requested registry access is
  not allowed."; CreateSubKey there throws UnauthorizedAccessException "Access to the registry key '...' is
  denied."; writing through a key opened read-only throws UnauthorizedAccessException "Cannot write to the
  registry key.".

The Service Control Manager keeps each service's configuration under HKLM\\SYSTEM\\CurrentControlSet\\Services\\<name>
("HKLM\\SYSTEM\\CurrentControlSet\\Services Registry Tree", learn.microsoft.com/windows-hardware/drivers/install):
that key's Start, DisplayName and DependOnService values are read from `machine.services`, so the registry and the
service cmdlets never disagree. Writing them through the registry is not simulated and is refused loudly.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.state import AccessDenied, InvalidArgument
from remediate.lab.state.registry import kind_number, split_key
from remediate.lab.windows import clr, envvars
from remediate.lab.windows.refusal import NotModeled
from remediate.lab.windows.clr import (VOID, ArgumentException, ArgumentNullException, DotNetObject, EnumType,
                                       EnumValue, TypedArray, register, static_property)

ObjectDisposedException = clr.ObjectDisposedException

RegistryValueKind = register(EnumType("Microsoft.Win32.RegistryValueKind", {
    "Unknown": 0, "String": 1, "ExpandString": 2, "Binary": 3, "DWord": 4, "MultiString": 7, "QWord": 11,
    "None": -1}, since={"None": "4.0"}))
RegistryValueOptions = register(EnumType("Microsoft.Win32.RegistryValueOptions",
                                         {"None": 0, "DoNotExpandEnvironmentNames": 1}, flags=True))
RegistryKeyPermissionCheck = register(EnumType("Microsoft.Win32.RegistryKeyPermissionCheck",
                                               {"Default": 0, "ReadSubTree": 1, "ReadWriteSubTree": 2}))

HIVE_NAMES = {"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER", "HKU": "HKEY_USERS",
              "HKCR": "HKEY_CLASSES_ROOT", "HKCC": "HKEY_CURRENT_CONFIG"}
MISMATCH = ("The type of the value object did not match the specified RegistryValueKind or the object could not be "
            "properly converted.")
_SERVICES_SPELLED = ["SYSTEM", "CurrentControlSet", "Services"]
_SERVICES = [p.lower() for p in _SERVICES_SPELLED]
_START = {"boot": 0, "system": 1, "auto": 2, "manual": 3, "disabled": 4}


def framework(machine: Any) -> str:
    """The host's .NET Framework version (`machine.framework`): CLR 2 behaviour below 4.0."""
    return str(getattr(machine, "framework", "4.7.2"))


def kinds_on(machine: Any) -> dict[str, int]:
    """RegistryValueKind's members on this host (.NET 2.0 has no None)."""
    return RegistryValueKind.members_on(framework(machine))


def _bytes(hex_text: str) -> TypedArray:
    return TypedArray("System.Byte", [clr.Byte(b) for b in bytes.fromhex(hex_text)])


def to_net(type_: str, data: Any, clr2: bool) -> Any:
    """What RegistryKey.GetValue returns for a stored value (None: the caller's default)."""
    if type_ in ("REG_SZ", "REG_EXPAND_SZ"):
        return str(data)
    if type_ == "REG_MULTI_SZ":
        return TypedArray("System.String", [str(s) for s in data])
    if type_ == "REG_DWORD":
        return int(data) - (1 << 32) if int(data) >= 1 << 31 else int(data)  # .NET reads a DWORD as Int32
    if type_ == "REG_QWORD":
        number = int(data)
        return clr.Int64(number - (1 << 64) if number >= 1 << 63 else number)
    if type_ in ("REG_BINARY", "REG_DWORD_BIG_ENDIAN") or (type_ == "REG_NONE" and not clr2):
        return _bytes(str(data))
    return None  # REG_LINK, the resource lists, unknown numbers; REG_NONE on .NET 2.0


@register
class RegistryKey(DotNetObject):
    """Microsoft.Win32.RegistryKey: an open handle on one key (`hive` HKLM/..., `path` the subkey's names)."""

    TYPE_NAME = "Microsoft.Win32.RegistryKey"

    def __init__(self, machine: Any, hive: str, path: list[str], writable: bool, spelled: str | None = None
                 ) -> None:
        self._machine = machine
        self._clr2 = framework(machine).split(".")[0] in ("2", "3")
        self._hive = hive
        self._path = path
        self._writable = writable
        self._closed = False
        self._name = HIVE_NAMES[hive] + ("\\" + spelled if spelled else "")

    # ---- properties

    @property
    def Name(self) -> str:  # noqa: N802 - .NET names
        self._check_open()
        return self._name

    @property
    def SubKeyCount(self) -> int:  # noqa: N802
        return len(self.GetSubKeyNames())

    @property
    def ValueCount(self) -> int:  # noqa: N802
        return len(self.GetValueNames())

    def ToString(self) -> str:  # noqa: N802
        return self.Name

    # ---- methods

    def Close(self) -> Any:  # noqa: N802
        self._closed = True
        return VOID

    def Dispose(self) -> Any:  # noqa: N802
        return self.Close()

    def Flush(self) -> Any:  # noqa: N802
        self._check_open()
        return VOID

    def OpenSubKey(self, name: Any, writable: Any = False) -> RegistryKey | None:  # noqa: N802
        self._check_open()
        parts = self._child(name)
        if isinstance(writable, EnumValue):  # the RegistryKeyPermissionCheck overload
            writable = writable.value == 2 or (writable.value == 0 and self._writable)
        if self._registry_key(parts) is None and not self._scm_key(parts):
            return None
        if writable and not self._registry.writable(self._hive, "\\".join(parts)):
            raise clr.SecurityException("Requested registry access is not allowed.")
        return self._open(parts, bool(writable))

    def CreateSubKey(self, name: Any, *permission: Any) -> RegistryKey:  # noqa: N802
        self._check_open()
        parts = self._child(name)
        self._ensure_writable()
        try:
            self._registry.create_key(self._hive, "\\".join(parts))
        except AccessDenied:
            raise clr.UnauthorizedAccessException(
                f"Access to the registry key '{self._name}\\{clr.to_str(name)}' is denied.") from None
        return self._open(parts, True)

    def GetSubKeyNames(self) -> TypedArray:  # noqa: N802
        self._check_open()
        names = self._registry.subkey_names(self._hive, self._key) or []
        implied: list[str] = []
        if self._hive == "HKLM" and [p.lower() for p in self._path] == _SERVICES:
            implied = self._services.names()
        elif self._hive == "HKLM" and [p.lower() for p in self._path] == _SERVICES[:len(self._path)]:
            implied = [_SERVICES_SPELLED[len(self._path)]]
        have = {n.casefold() for n in names}
        return TypedArray("System.String", names + [n for n in implied if n.casefold() not in have])

    def GetValueNames(self) -> TypedArray:  # noqa: N802
        self._check_open()
        names = self._registry.value_names(self._hive, self._key) or []
        extra = self._service_values()
        have = {n.casefold() for n in names}
        return TypedArray("System.String", names + [n for n in extra if n.casefold() not in have])

    def GetValue(self, name: Any, default: Any = None, options: Any = None) -> Any:  # noqa: N802
        self._check_open()
        found = self._value(clr.to_str(name))
        if found is None:
            return default
        type_, data = found
        value = to_net(type_, data, self._clr2)
        if value is None:
            return default
        if type_ == "REG_EXPAND_SZ" and not (options is not None and clr.to_int(options) & 1):
            value = envvars.expand(self._machine, value)
        return value

    def GetValueKind(self, name: Any) -> EnumValue:  # noqa: N802
        self._check_open()
        found = self._value(clr.to_str(name))
        if found is None:
            raise clr.IOException("The specified registry key does not exist.")
        number = kind_number(found[0])
        known = [m for m, v in kinds_on(self._machine).items() if v == number and m != "None"]
        return RegistryValueKind.member(known[0] if known else "Unknown")  # type: ignore[return-value]

    def SetValue(self, name: Any, value: Any, kind: Any = None) -> Any:  # noqa: N802
        self._check_open()
        if value is None:
            raise ArgumentNullException("Value cannot be null.\r\nParameter name: value")
        text = clr.to_str(name)
        number = clr.to_int(kind) if kind is not None else 0
        if number not in kinds_on(self._machine).values():
            raise ArgumentException("The specified RegistryValueKind is an invalid value.\r\nParameter name: "
                                    "valueKind")
        self._ensure_writable()
        if number == 0:
            number = _infer_kind(value)
        type_, wire = _to_wire(number, value)
        if self._service_values().get(text.casefold()) is not None:
            raise NotModeled("writing a service's configuration through the registry (use Set-Service)")
        try:
            self._registry.set_raw(self._hive, self._key, text, type_, wire)
        except AccessDenied:
            raise clr.UnauthorizedAccessException() from None
        except InvalidArgument as exc:
            raise ArgumentException(str(exc)) from None
        return VOID

    def DeleteValue(self, name: Any, throw_on_missing: Any = True) -> Any:  # noqa: N802
        self._check_open()
        self._ensure_writable()
        text = clr.to_str(name)
        if self._service_values().get(text.casefold()) is not None:
            raise NotModeled("deleting a service's configuration value")
        try:
            existed = self._registry.delete_value(self._hive, self._key, text)
        except AccessDenied:
            raise clr.UnauthorizedAccessException() from None
        if not existed and clr.to_bool(throw_on_missing):
            raise ArgumentException("No value exists with that name.")
        return VOID

    def DeleteSubKey(self, *args: Any) -> Any:  # noqa: N802
        raise NotModeled("RegistryKey.DeleteSubKey")

    def DeleteSubKeyTree(self, *args: Any) -> Any:  # noqa: N802
        raise NotModeled("RegistryKey.DeleteSubKeyTree")

    def GetAccessControl(self, *args: Any) -> Any:  # noqa: N802
        raise NotModeled("RegistryKey.GetAccessControl (the lab's registry ACL is deny_write only)")

    # ---- internals

    @property
    def _registry(self) -> Any:
        return self._machine.registry

    @property
    def _services(self) -> Any:
        return self._machine.services

    @property
    def _key(self) -> str:
        return "\\".join(self._path)

    def _check_open(self) -> None:
        if self._closed:
            raise ObjectDisposedException("Cannot access a closed registry key.\r\nObject name: "
                                          f"'{self._name}'.")

    def _ensure_writable(self) -> None:
        if not self._writable:
            raise clr.UnauthorizedAccessException("Cannot write to the registry key.")

    def _child(self, name: Any) -> list[str]:
        if name is None:
            raise ArgumentNullException("Value cannot be null.\r\nParameter name: name")
        try:
            return [*self._path, *split_key(clr.to_str(name))]
        except InvalidArgument as exc:
            raise ArgumentException(str(exc)) from None

    def _registry_key(self, parts: list[str]) -> str | None:
        return self._registry.key_name(self._hive, "\\".join(parts))

    def _open(self, parts: list[str], writable: bool) -> RegistryKey:
        spelled = self._registry_key(parts) or "\\".join(parts)
        return RegistryKey(self._machine, self._hive, parts, writable, spelled)

    def _scm_key(self, parts: list[str]) -> bool:
        """The SCM's keys exist on every host: SYSTEM\\CurrentControlSet\\Services and one key per service."""
        lowered = [p.lower() for p in parts]
        if self._hive == "HKLM" and 0 < len(parts) <= 3 and lowered == _SERVICES[:len(parts)]:
            return True
        return self._service(parts) is not None

    def _service(self, parts: list[str]) -> dict[str, Any] | None:
        if self._hive != "HKLM" or len(parts) != 4 or [p.lower() for p in parts[:3]] != _SERVICES:
            return None
        return self._services.config(parts[3])

    def _service_values(self) -> dict[str, tuple[str, str, Any]]:
        """casefolded name -> (name, type, wire data) of the SCM's values for a service key."""
        config = self._service(self._path)
        if config is None:
            return {}
        values = {"start": ("Start", "REG_DWORD", _START[config["start_mode"]]),
                  "displayname": ("DisplayName", "REG_SZ", config["display_name"])}
        if config["depends_on"]:
            values["dependonservice"] = ("DependOnService", "REG_MULTI_SZ", list(config["depends_on"]))
        return values

    def _value(self, name: str) -> tuple[str, Any] | None:
        overlay = self._service_values().get(name.casefold())
        if overlay is not None:
            return overlay[1], overlay[2]
        return self._registry.value(self._hive, self._key, name)


def _infer_kind(value: Any) -> int:
    """RegistryKey.CalculateValueKind: Int32 -> DWord, string[] -> MultiString, byte[] -> Binary, else String."""
    if type(value) is int:
        return 4
    if isinstance(value, TypedArray) and value.element_type == "System.Byte":
        return 3
    if isinstance(value, TypedArray) and value.element_type == "System.String":
        return 7
    if isinstance(value, list):
        raise ArgumentException("RegistryKey.SetValue does not support arrays of type 'Object[]'. Only Byte[] "
                                "and String[] are supported.")
    return 1


def _to_wire(number: int, value: Any) -> tuple[str, Any]:
    """The stored (type, wire data) of a SetValue call; ArgumentException where .NET cannot convert the value."""
    if number in (1, 2):
        return ("REG_SZ" if number == 1 else "REG_EXPAND_SZ"), clr.to_str(value)
    if number == 7:
        if not (isinstance(value, TypedArray) and value.element_type == "System.String"):
            raise ArgumentException(MISMATCH)
        if any(item is None for item in value):
            raise ArgumentException("RegistryKey.SetValue does not allow a String[] that contains a null String "
                                    "reference.")
        return "REG_MULTI_SZ", [str(item) for item in value]
    if number in (3, -1):
        if not (isinstance(value, TypedArray) and value.element_type == "System.Byte"):
            raise ArgumentException(MISMATCH)
        return ("REG_BINARY" if number == 3 else "REG_NONE"), bytes(int(b) for b in value).hex()
    try:
        if number == 4:
            return "REG_DWORD", clr.to_int(value) & 0xFFFFFFFF  # Convert.ToInt32, kept as its 32 bits
        signed = clr.to_int(value, clr.Int64)
        return "REG_QWORD", str(int(signed) & 0xFFFFFFFFFFFFFFFF)
    except (clr.OverflowException, clr.FormatException, TypeError, ValueError):
        raise ArgumentException(MISMATCH) from None


def _hive(abbreviation: str) -> Any:
    def get(rt: Any) -> RegistryKey:
        # RegistryKey.GetBaseKey opens the root keys writable: CreateSubKey works on them directly.
        return RegistryKey(rt.machine, abbreviation, [], True)

    get.__name__ = HIVE_NAMES[abbreviation]
    return static_property(get)


@register
class Registry(DotNetObject):
    """Microsoft.Win32.Registry: the root keys, opened read-only (learn.microsoft.com/dotnet/api/microsoft.win32.registry)."""

    TYPE_NAME = "Microsoft.Win32.Registry"

    LocalMachine = _hive("HKLM")
    CurrentUser = _hive("HKCU")
    Users = _hive("HKU")
    ClassesRoot = _hive("HKCR")
    CurrentConfig = _hive("HKCC")

