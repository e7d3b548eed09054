"""A simulated Windows registry that behaves, for the agent protocol's registry ops, like the real one.

Like Windows, key and value names are case-insensitive but case-preserving (the first spelling stays), and a write
creates the missing keys on its way. Values hold their data in the protocol's wire form (`docs/agent-protocol.md`,
"Ops"): REG_DWORD an int, REG_QWORD a decimal string, REG_BINARY/REG_NONE lowercase hex, REG_MULTI_SZ a list of
strings, so what `get` returns is exactly what the agent would read back from a real host.

`normalize_data` validates data with the same rules and messages as `ConvertTo-RegistryData` in
`templates/agent.ps1.j2`: the lab must refuse exactly what a real host refuses.

Thread-safety: every public method takes `lock` (reentrant); the executor holds it for a whole request, so an
apply's compare-and-set is atomic against other requests, as the single agent process is on a host.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from remediate.lab.state import AccessDenied, InvalidArgument, StateError

HIVES = ("HKLM", "HKCU", "HKU", "HKCR", "HKCC")
TYPES = ("REG_SZ", "REG_EXPAND_SZ", "REG_MULTI_SZ", "REG_DWORD", "REG_QWORD", "REG_BINARY", "REG_NONE")
# The value types of winnt.h ("Registry Value Types", learn.microsoft.com/windows/win32/sysinfo/registry-value-types)
# by number. A host can hold values of the types the protocol does not write (REG_LINK, the resource lists, a number
# no constant names); `load` takes them as hex data (`type: REG_LINK` or `type: 42`), `get` answers them as the
# protocol says, REG_NONE with the hex of their bytes, and `value` gives the Windows layer their real type.
KIND_NUMBERS = {"REG_NONE": 0, "REG_SZ": 1, "REG_EXPAND_SZ": 2, "REG_BINARY": 3, "REG_DWORD": 4,
                "REG_DWORD_BIG_ENDIAN": 5, "REG_LINK": 6, "REG_MULTI_SZ": 7, "REG_RESOURCE_LIST": 8,
                "REG_FULL_RESOURCE_DESCRIPTOR": 9, "REG_RESOURCE_REQUIREMENTS_LIST": 10, "REG_QWORD": 11}
RAW_TYPES = tuple(name for name in KIND_NUMBERS if name not in TYPES)
# The message of the SecurityException .NET throws when RegistryKey.OpenSubKey(name, writable) is refused.
ACCESS_DENIED_MESSAGE = "Requested registry access is not allowed."
# .NET's own limits (RegistryKey.ValidateKeyName / SetValue) and their messages.
MAX_KEY_NAME = 255
MAX_VALUE_NAME = 16383
KEY_NAME_MESSAGE = "Registry key name must be less than 255 characters."
VALUE_NAME_MESSAGE = "Registry value names should not be greater than 16,383 characters."

_DECIMAL = re.compile(r"[0-9]+")
_HEX_BYTES = re.compile(r"(?:[0-9a-fA-F]{2})*")


def normalize_data(type_: str, data: Any) -> Any:
    """The wire form a real host reads back after writing `data` as `type_`; InvalidArgument where the agent refuses.

    Returns fresh plain objects (str/int/list), so callers may keep them: YAML loaders hand in str/int subclasses.
    """
    if type_ in ("REG_SZ", "REG_EXPAND_SZ"):
        if not isinstance(data, str) or "\0" in data:
            raise InvalidArgument(f"{type_} data must be a string without NUL characters")
        return str(data)
    if type_ == "REG_MULTI_SZ":
        # An empty string or a NUL inside would end the REG_MULTI_SZ list early for every Win32 reader.
        if not isinstance(data, list) or not all(isinstance(s, str) and s and "\0" not in s for s in data):
            raise InvalidArgument("REG_MULTI_SZ data must be an array of non-empty strings without NUL characters")
        return [str(s) for s in data]
    if type_ == "REG_DWORD":
        # bool is an int in Python, not in JSON: true is not a DWORD for the agent either.
        if isinstance(data, bool) or not isinstance(data, int) or not 0 <= data <= 0xFFFFFFFF:
            raise InvalidArgument("REG_DWORD data must be an integer from 0 to 4294967295")
        return int(data)
    if type_ == "REG_QWORD":
        if not isinstance(data, str) or not _DECIMAL.fullmatch(data) or int(data) > 0xFFFFFFFFFFFFFFFF:
            raise InvalidArgument("REG_QWORD data must be a decimal string from 0 to 18446744073709551615")
        return str(int(data))  # the agent reads back UInt64.ToString(): no leading zeros
    if type_ in ("REG_BINARY", "REG_NONE"):
        if not isinstance(data, str) or not _HEX_BYTES.fullmatch(data):
            raise InvalidArgument(f"{type_} data must be a hex string of whole bytes")
        return data.lower()
    raise InvalidArgument(f"unknown registry type '{type_}'")


def raw_type(type_: Any) -> str | None:
    """The spelling a value of a type outside the protocol is kept under (`REG_LINK`, or a number as `"42"`)."""
    if isinstance(type_, str) and type_ in RAW_TYPES:
        return type_
    text = str(type_)
    if not isinstance(type_, bool) and _DECIMAL.fullmatch(text) and int(text) <= 0xFFFFFFFF:
        number = int(text)
        named = [name for name, value in KIND_NUMBERS.items() if value == number]
        return named[0] if named and named[0] in RAW_TYPES else (None if named else str(number))
    return None


def kind_number(type_: str) -> int:
    """The winnt.h number of a stored type (REG_SZ 1, ..., an unknown type's own number)."""
    return KIND_NUMBERS[type_] if type_ in KIND_NUMBERS else int(type_)


def check_hive(hive: str) -> str:
    if hive not in HIVES:
        raise InvalidArgument(f"unknown hive '{hive}'")
    return hive


def split_key(key: str) -> list[str]:
    """A key path's names. Empty names are dropped: .NET collapses `\\\\` and strips a trailing `\\` too."""
    parts = [p for p in key.split("\\") if p]
    if any(len(p) > MAX_KEY_NAME for p in parts):
        raise InvalidArgument(KEY_NAME_MESSAGE)
    return parts


@dataclass
class _Value:
    name: str
    type: str
    data: Any


class _Key:
    __slots__ = ("name", "subkeys", "values")

    def __init__(self, name: str) -> None:
        self.name = name
        self.subkeys: dict[str, _Key] = {}  # by lowercase name
        self.values: dict[str, _Value] = {}  # by lowercase name


class SimRegistry:
    """The five hives of one host. `deny_write` holds key paths (any case), such as `HKLM\\SOFTWARE\\Foo` for one
    hive or `SOFTWARE\\Foo` for that path in every hive: a set or a remove on that key or below it raises
    AccessDenied. `writes` counts set/remove calls that did not fail.
    """

    def __init__(self, deny_write: Iterable[str] = ()) -> None:
        self.lock = threading.RLock()
        self.deny_write: set[str] = set(deny_write)
        self.writes = 0
        self._hives = {hive: _Key(hive) for hive in HIVES}

    # ----------------------------------------------------------------------------------------------- protocol ops

    def get(self, hive: str, key: str, name: str) -> dict[str, Any]:
        """`{"exists": False}` when the key or value is missing, else `{"exists": True, "type": T, "data": D}`."""
        with self.lock:
            node = self._find(check_hive(hive), split_key(key))
            value = node.values.get(name.lower()) if node else None
            if value is None:
                return {"exists": False}
            if value.type not in TYPES:
                # docs/agent-protocol.md: REG_NONE with the bytes .NET's GetValue reads: those of
                # REG_DWORD_BIG_ENDIAN, none of REG_LINK, the resource lists and unknown numbers.
                readable = value.type == "REG_DWORD_BIG_ENDIAN"
                return {"exists": True, "type": "REG_NONE", "data": value.data if readable else ""}
            return {"exists": True, "type": value.type, "data": copy.deepcopy(value.data)}

    def set(self, hive: str, key: str, name: str, type_: str, data: Any) -> None:
        """Creates missing keys and writes the value; an existing value keeps the spelling of its name."""
        with self.lock:
            parts = split_key(key)
            wire = normalize_data(type_, data)
            if len(name) > MAX_VALUE_NAME:
                raise InvalidArgument(VALUE_NAME_MESSAGE)
            if self._denied(check_hive(hive), parts):
                raise AccessDenied(ACCESS_DENIED_MESSAGE)
            node = self._create(hive, parts)
            old = node.values.get(name.lower())
            node.values[name.lower()] = _Value(old.name if old else name, type_, wire)
            self.writes += 1

    def remove(self, hive: str, key: str, name: str) -> None:
        """Deletes the value. A missing key or value is no error; a missing key is not even an access check,
        as on Windows, where opening a missing key for writing finds nothing before it checks rights."""
        with self.lock:
            parts = split_key(key)
            node = self._find(check_hive(hive), parts)
            if node is not None:
                if self._denied(hive, parts):
                    raise AccessDenied(ACCESS_DENIED_MESSAGE)
                node.values.pop(name.lower(), None)
            self.writes += 1

    # ----------------------------------------------------------------------------------------- test/scenario API

    def key_exists(self, hive: str, key: str) -> bool:
        with self.lock:
            return self._find(check_hive(hive), split_key(key)) is not None

    def load(self, data: dict[str, Any]) -> None:
        """Adds a scenario's registry: `{"HKLM": {"SOFTWARE\\\\Foo": {"Bar": {"type": "REG_DWORD", "data": 2}}}}`.

        A key mapped to nothing (or `{}`) is created empty. Bypasses `deny_write` and does not count as writes:
        this is how the host was before the lab started. Raises InvalidArgument on a bad hive, type or data.
        """
        with self.lock:
            for hive, keys in (data or {}).items():
                check_hive(hive)
                for key, values in (keys or {}).items():
                    node = self._create(hive, split_key(str(key)))
                    for name, spec in (values or {}).items():
                        if not isinstance(spec, dict):
                            raise InvalidArgument(f"{hive}\\{key}: value {name!r} needs 'type' and 'data'")
                        raw = raw_type(spec.get("type"))
                        type_ = raw or str(spec.get("type"))
                        data = normalize_data("REG_BINARY" if raw else type_, spec.get("data"))
                        node.values[str(name).lower()] = _Value(str(name), type_, data)

    def snapshot(self) -> dict[str, dict[str, dict[str, dict[str, Any]]]]:
        """A deep copy of the state in `load`'s shape, for equality checks in tests.

        Lists every key that has values or no subkeys (the others are implied by their subkeys' paths), so that
        `load(x)` followed by `snapshot()` gives back `x` for a canonical `x`. Hives without keys are left out.
        """
        with self.lock:
            out: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
            for hive, root in self._hives.items():
                keys: dict[str, dict[str, dict[str, Any]]] = {}
                self._collect(root, [], keys)
                if keys and keys != {"": {}}:
                    out[hive] = keys
            return out

    # ------------------------------------------------------------------------- the Windows layer's RegistryKey API

    def value(self, hive: str, key: str, name: str) -> tuple[str, Any] | None:
        """(stored type, wire data) of a value, or None; the type may be one of RAW_TYPES or a number's text."""
        with self.lock:
            node = self._find(check_hive(hive), split_key(key))
            found = node.values.get(name.lower()) if node else None
            return None if found is None else (found.type, copy.deepcopy(found.data))

    def value_names(self, hive: str, key: str) -> list[str] | None:
        """The key's value names as spelled when created (None: no such key)."""
        with self.lock:
            node = self._find(check_hive(hive), split_key(key))
            return None if node is None else [v.name for v in node.values.values()]

    def subkey_names(self, hive: str, key: str) -> list[str] | None:
        with self.lock:
            node = self._find(check_hive(hive), split_key(key))
            return None if node is None else [k.name for k in node.subkeys.values()]

    def key_name(self, hive: str, key: str) -> str | None:
        """The key's path as its names were first spelled (None: no such key)."""
        with self.lock:
            node: _Key | None = self._hives[check_hive(hive)]
            names = []
            for part in split_key(key):
                node = node.subkeys.get(part.lower()) if node else None
                if node is None:
                    return None
                names.append(node.name)
            return "\\".join(names)

    def writable(self, hive: str, key: str) -> bool:
        """Whether the key may be opened for writing (`deny_write` stands for its ACL)."""
        with self.lock:
            return not self._denied(check_hive(hive), split_key(key))

    def create_key(self, hive: str, key: str) -> None:
        """RegCreateKeyEx: opens or creates the key for writing; AccessDenied where `deny_write` says so."""
        with self.lock:
            parts = split_key(key)
            if self._denied(check_hive(hive), parts):
                raise AccessDenied(ACCESS_DENIED_MESSAGE)
            self._create(hive, parts)

    def set_raw(self, hive: str, key: str, name: str, type_: str, data: Any) -> None:
        """RegSetValueEx on an existing key: `data` in the wire form of `type_` (REG_MULTI_SZ may hold empty
        strings, REG_SZ a NUL: .NET writes them, only the protocol refuses them). Counts as a write."""
        with self.lock:
            parts = split_key(key)
            if len(name) > MAX_VALUE_NAME:
                raise InvalidArgument(VALUE_NAME_MESSAGE)
            if self._denied(check_hive(hive), parts):
                raise AccessDenied(ACCESS_DENIED_MESSAGE)
            node = self._find(hive, parts)
            if node is None:
                raise StateError("the registry key was deleted")
            old = node.values.get(name.lower())
            node.values[name.lower()] = _Value(old.name if old else name, type_, copy.deepcopy(data))
            self.writes += 1

    def delete_value(self, hive: str, key: str, name: str) -> bool:
        """RegDeleteValue: whether the value existed. Counts as a write."""
        with self.lock:
            parts = split_key(key)
            if self._denied(check_hive(hive), parts):
                raise AccessDenied(ACCESS_DENIED_MESSAGE)
            node = self._find(hive, parts)
            self.writes += 1
            return node is not None and node.values.pop(name.lower(), None) is not None

    # ------------------------------------------------------------------------------------------------- internals

    def _collect(self, node: _Key, path: list[str], out: dict[str, dict[str, dict[str, Any]]]) -> None:
        if node.values or not node.subkeys:
            out["\\".join(path)] = {
                v.name: {"type": v.type, "data": copy.deepcopy(v.data)} for v in node.values.values()
            }
        for child in node.subkeys.values():
            self._collect(child, [*path, child.name], out)

    def _find(self, hive: str, parts: list[str]) -> _Key | None:
        node: _Key | None = self._hives[hive]
        for part in parts:
            node = node.subkeys.get(part.lower()) if node else None
        return node

    def _create(self, hive: str, parts: list[str]) -> _Key:
        node = self._hives[hive]
        for part in parts:
            node = node.subkeys.setdefault(part.lower(), _Key(part))
        return node

    def _denied(self, hive: str, parts: list[str]) -> bool:
        target = [p.lower() for p in parts]
        for entry in self.deny_write:
            denied = [p.lower() for p in entry.split("\\") if p]
            if denied and denied[0].upper() in HIVES:  # "HKLM\\SOFTWARE\\X": that hive only
                if denied[0].upper() != hive:
                    continue
                denied = denied[1:]
            if target[: len(denied)] == denied:
                return True
        return False
