"""`registry_value`: one value under one registry key.

MUST give: `hive` (HKLM, HKCU, HKU, HKCR, HKCC or their HKEY_ names), `key` (path below the hive), and, with
`state: present` (the default), `type` and `data`. MAY give `name` (omitted or "" is the key's default value).

Data by type, as written in a playbook:
- REG_SZ, REG_EXPAND_SZ: a string (REG_EXPAND_SZ is kept unexpanded: `%SystemRoot%` stays as written);
- REG_DWORD: 0..4294967295, as a number or a decimal string (`2` and `"2"` are the same value);
- REG_QWORD: 0..18446744073709551615, likewise;
- REG_MULTI_SZ: a list of non-empty strings (order matters to Windows, so it matters here);
- REG_BINARY: hex ("0a1b", "0A 1B", "0a,1b") or a list of byte values.

Key paths and value names compare case-insensitively, as Windows does. `state: absent` removes the value; keys are
never deleted, so removing what a run created leaves at most an empty key behind.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from remediate.resources.base import Op, ResourceKind, WritePath


class Hive(str, Enum):
    HKLM = "HKLM"
    HKCU = "HKCU"
    HKU = "HKU"
    HKCR = "HKCR"
    HKCC = "HKCC"


_HIVE_ALIASES = {
    "HKEY_LOCAL_MACHINE": Hive.HKLM,
    "HKEY_CURRENT_USER": Hive.HKCU,
    "HKEY_USERS": Hive.HKU,
    "HKEY_CLASSES_ROOT": Hive.HKCR,
    "HKEY_CURRENT_CONFIG": Hive.HKCC,
}


class RegType(str, Enum):
    SZ = "REG_SZ"
    EXPAND_SZ = "REG_EXPAND_SZ"
    DWORD = "REG_DWORD"
    QWORD = "REG_QWORD"
    MULTI_SZ = "REG_MULTI_SZ"
    BINARY = "REG_BINARY"


_DWORD_MAX = 2**32 - 1
_QWORD_MAX = 2**64 - 1
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _integer(value: Any, maximum: int, type_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{type_name} data must be a whole number 0..{maximum}")
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[0-9]+", text):
            raise ValueError(f"{type_name} data must be a whole number 0..{maximum}")
        value = int(text)
    if not 0 <= value <= maximum:
        raise ValueError(f"{type_name} data must be within 0..{maximum}")
    return int(value)


def _hex(value: Any) -> str:
    if isinstance(value, list):
        if not all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in value):
            raise ValueError("REG_BINARY data as a list must hold byte values 0..255")
        return bytes(value).hex()
    if not isinstance(value, str):
        raise ValueError("REG_BINARY data must be hex text such as '0a1b2c' or a list of byte values")
    text = re.sub(r"[\s,]", "", value).lower().removeprefix("0x")
    if len(text) % 2 or not re.fullmatch(r"[0-9a-f]*", text):
        raise ValueError("REG_BINARY data must be hex digits in pairs, such as '0a1b2c'")
    return text


def wire_data(reg_type: RegType, data: Any) -> Any:
    """Playbook data -> the agent's wire form for that type (docs/agent-protocol.md)."""
    if reg_type in (RegType.SZ, RegType.EXPAND_SZ):
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            raise ValueError(f"{reg_type.value} data must be a string")
        text = str(data)
        if "\x00" in text:
            raise ValueError(f"{reg_type.value} data must not contain NUL characters (Windows ends the string there)")
        return text
    if reg_type is RegType.DWORD:
        return _integer(data, _DWORD_MAX, "REG_DWORD")
    if reg_type is RegType.QWORD:
        return str(_integer(data, _QWORD_MAX, "REG_QWORD"))
    if reg_type is RegType.MULTI_SZ:
        if not isinstance(data, list) or not all(isinstance(s, str) for s in data):
            raise ValueError("REG_MULTI_SZ data must be a list of strings")
        if any(s == "" or "\x00" in s for s in data):
            raise ValueError("REG_MULTI_SZ strings must be non-empty and free of NUL (Windows ends the list there)")
        return list(data)
    return _hex(data)


class RegistryValueSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["registry_value"]
    hive: Hive
    key: str = Field(min_length=1, max_length=4096)
    name: str = Field(default="", max_length=16383)
    # Field order matters: `data` is checked against the already validated `state` and `type`.
    state: Literal["present", "absent"] = "present"
    type: RegType | None = Field(default=None, validate_default=True)
    data: Any = Field(default=None, validate_default=True)

    @field_validator("hive", mode="before")
    @classmethod
    def _hive(cls, value: Any) -> Any:
        if isinstance(value, str):
            upper = value.strip().upper()
            return _HIVE_ALIASES.get(upper, upper)
        return value

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        path = value.strip("\\")
        if not path or any(part == "" for part in path.split("\\")):
            raise ValueError("key must be a path such as SOFTWARE\\Vendor\\Product, without empty parts")
        if _CONTROL.search(path):
            raise ValueError("key must not contain control characters")
        if any(len(part) > 255 for part in path.split("\\")):
            raise ValueError("each part of a key path must be at most 255 characters (Windows' limit)")
        return path

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("value name must not contain NUL characters")
        return value

    @field_validator("type")
    @classmethod
    def _type(cls, value: RegType | None, info: ValidationInfo) -> RegType | None:
        state = info.data.get("state", "present")
        if state == "absent" and value is not None:
            raise ValueError("state: absent takes no type")
        if state == "present" and value is None:
            raise ValueError("type is required with state: present (REG_SZ, REG_EXPAND_SZ, REG_DWORD, "
                             "REG_QWORD, REG_MULTI_SZ or REG_BINARY)")
        return value

    @field_validator("data")
    @classmethod
    def _data(cls, value: Any, info: ValidationInfo) -> Any:
        state = info.data.get("state", "present")
        if state == "absent":
            if value is not None:
                raise ValueError("state: absent takes no data")
            return None
        reg_type = info.data.get("type")
        if reg_type is None:
            return value  # the missing type is reported on its own field
        if value is None:
            raise ValueError("data is required with state: present")
        return wire_data(reg_type, value)


class RegistryValue(ResourceKind[RegistryValueSpec]):
    kind: ClassVar[str] = "registry_value"
    spec_model: ClassVar[type[BaseModel]] = RegistryValueSpec

    def identity(self, spec: RegistryValueSpec) -> dict[str, Any]:
        return {"hive": spec.hive.value, "key": spec.key, "name": spec.name}

    def key(self, identity: dict[str, Any]) -> str:
        return f"{identity['hive']}\\{identity['key'].lower()}\\\\{identity['name'].lower()}"

    def describe(self, identity: dict[str, Any]) -> str:
        name = identity["name"] or "(Default)"
        return f"{identity['hive']}\\{identity['key']}\\{name}"

    def read_op(self, identity: dict[str, Any]) -> Op:
        return Op("registry.get", dict(identity))

    def desired(self, spec: RegistryValueSpec) -> Any:
        if spec.state == "absent":
            return {"exists": False}
        assert spec.type is not None
        return {"exists": True, "type": spec.type.value, "data": spec.data}

    def set_op(self, identity: dict[str, Any], value: Any) -> Op:
        if not value.get("exists"):
            return Op("registry.remove", dict(identity))
        return Op("registry.set", {**identity, "type": value["type"], "data": value["data"]})

    def write_path(self, identity: dict[str, Any], value: Any, facts: dict[str, Any] | None = None) -> WritePath:
        # .NET 2.0 (PowerShell 2.0, Windows Server 2003) has no RegistryValueKind.None: the agent cannot write
        # REG_NONE there (docs/agent-protocol.md, registry.set). Nor any type it reads as REG_NONE.
        if (isinstance(value, dict) and value.get("exists") and value.get("type") == "REG_NONE"
                and str((facts or {}).get("ps_version") or "").startswith(("1.", "2."))):
            return WritePath(None, irreversible="a REG_NONE value cannot be written by PowerShell 2.0 (.NET 2.0 "
                                                "has no RegistryValueKind.None)")
        return WritePath(self.set_op(identity, value))
