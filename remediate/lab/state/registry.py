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

from remediate.lab.state import AccessDenied, InvalidArgument

HIVES = ("HKLM", "HKCU", "HKU", "HKCR", "HKCC")
TYPES = ("REG_SZ", "REG_EXPAND_SZ", "REG_MULTI_SZ", "REG_DWORD", "REG_QWORD", "REG_BINARY", "REG_NONE")
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
                        type_ = str(spec.get("type"))
                        node.values[str(name).lower()] = _Value(str(name), type_,
                                                                normalize_data(type_, spec.get("data")))

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
