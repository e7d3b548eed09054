"""PowerShell type names: accelerators, `System.` prefix lookup, array types, and what `-is` sees.

Sources: the PowerShell language specification, chapter 4 "Types" (4.1-4.5, type accelerators in 4.3 through the
table of "Type name aliases"), and chapter 7.8.3 (`-is`); about_Type_Accelerators for the 2.0 list. Names are
matched case-insensitively and `System.` may be left out (`[Int32]`, `[uint64]`), as PowerShell's type resolver does.
"""

from __future__ import annotations

import decimal
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.psexceptions import RuntimeException
from remediate.lab.windows.refusal import NotModeled

SMA = "System.Management.Automation."

# accelerator -> (full name, PowerShell version that introduced it)
ACCELERATORS: dict[str, tuple[str, int]] = {
    "int": ("System.Int32", 1), "long": ("System.Int64", 1), "string": ("System.String", 1),
    "char": ("System.Char", 1), "bool": ("System.Boolean", 1), "byte": ("System.Byte", 1),
    "double": ("System.Double", 1), "decimal": ("System.Decimal", 1), "float": ("System.Single", 1),
    "single": ("System.Single", 1), "regex": ("System.Text.RegularExpressions.Regex", 1),
    "array": ("System.Array", 1), "xml": ("System.Xml.XmlDocument", 1),
    "scriptblock": (SMA + "ScriptBlock", 1), "switch": (SMA + "SwitchParameter", 1),
    "hashtable": ("System.Collections.Hashtable", 1), "type": ("System.Type", 1), "ref": (SMA + "PSReference", 1),
    "psobject": (SMA + "PSObject", 1), "pscustomobject": (SMA + "PSObject", 2),
    "wmi": ("System.Management.ManagementObject", 1), "wmiclass": ("System.Management.ManagementClass", 1),
    "wmisearcher": ("System.Management.ManagementObjectSearcher", 1),
    "adsi": ("System.DirectoryServices.DirectoryEntry", 1),
    "adsisearcher": ("System.DirectoryServices.DirectorySearcher", 2),
    "ipaddress": ("System.Net.IPAddress", 2), "powershell": (SMA + "PowerShell", 2),
    "psmoduleinfo": (SMA + "PSModuleInfo", 2), "runspace": (SMA + "Runspaces.Runspace", 2),
    "runspacefactory": (SMA + "Runspaces.RunspaceFactory", 2),
    "ordered": ("System.Collections.Specialized.OrderedDictionary", 3),
    "datetime": ("System.DateTime", 1), "object": ("System.Object", 1), "void": ("System.Void", 1),
}

# Types the semantic functions know without a clr registration (value types and PowerShell's own).
BUILTIN = {name.casefold(): name for name in (
    "System.Object", "System.Void", "System.Boolean", "System.String", "System.Char", "System.SByte", "System.Byte",
    "System.Int16", "System.UInt16", "System.Int32", "System.UInt32", "System.Int64", "System.UInt64",
    "System.Single", "System.Double", "System.Decimal", "System.Array", "System.ValueType", "System.Enum",
    "System.Collections.Hashtable", "System.Collections.ArrayList", "System.Collections.IDictionary",
    "System.Collections.IEnumerable", "System.Collections.IList", "System.Collections.ICollection",
    "System.IComparable", "System.IFormattable", "System.IConvertible", "System.Type",
    SMA + "PSObject", SMA + "PSCustomObject", SMA + "SwitchParameter", SMA + "ScriptBlock", SMA + "PSReference",
    SMA + "ErrorRecord",
)}


def _full_name(name: str, ps_version: int) -> str | None:
    key = name.strip().casefold()
    accelerator = ACCELERATORS.get(key)
    if accelerator is not None:
        full, since = accelerator
        if since > ps_version:
            return None  # an accelerator of a later version is simply an unknown type there
        return full
    for candidate in (key, "system." + key):
        if candidate in BUILTIN:
            return BUILTIN[candidate]
        registered = clr.TYPES.get(candidate)
        if registered is not None:
            return registered.TYPE_NAME
    return None


# (name, ps_version) -> full name, for the names that resolved; valid while clr.TYPES holds as many types as when
# they were resolved (registration only adds), so a type registered later is still found.
_RESOLVED: dict[tuple[str, int], str] = {}
_FOLDED: dict[tuple[str, int], tuple[str, str]] = {}
_RESOLVED_WITH = [0]


# (Python type, type name, ps_version) -> `-is` answer, for the value types whose answer depends on nothing but
# their Python type (not a TypedArray's element type, not a simulated object's own attributes).
_IS: dict[tuple[type, str, int], bool] = {}
_IS_BY_TYPE = frozenset({str, int, bool, float, decimal.Decimal, list, clr.Char, clr.Hashtable, clr.ArrayList,
                         *clr.INT_TYPES.values()})


def _types_unchanged() -> None:
    if _RESOLVED_WITH[0] != len(clr.TYPES):
        _RESOLVED.clear()
        _FOLDED.clear()
        _IS.clear()
        _RESOLVED_WITH[0] = len(clr.TYPES)


def resolve(name: str, *, ps_version: int = 2) -> str:
    """The full .NET name of a type as a script writes it (`int` -> `System.Int32`, `string[]` ->
    `System.String[]`). An unknown name is the RuntimeException PowerShell raises for a type literal."""
    _types_unchanged()
    key = (name, ps_version)
    found = _RESOLVED.get(key)
    if found is None:
        found = _RESOLVED[key] = _resolve(name, ps_version)
    return found


def resolve_folded(name: str, *, ps_version: int = 2) -> tuple[str, str]:
    """(resolve(name), its casefold): what conversions compare against."""
    if _RESOLVED_WITH[0] != len(clr.TYPES):
        _types_unchanged()
    key = (name, ps_version)
    found = _FOLDED.get(key)
    if found is None:
        full = resolve(name, ps_version=ps_version)
        found = _FOLDED[key] = (full, full.casefold())
    return found


def _resolve(name: str, ps_version: int) -> str:
    text = name.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    if text.endswith("]") and "[" in text and not text.endswith("[]"):
        raise NotModeled(f"generic or multi-dimensional type name [{text}]")
    suffix = ""
    while text.endswith("[]"):
        text, suffix = text[:-2].rstrip(), suffix + "[]"
    if len(suffix) > 2:
        raise NotModeled(f"jagged array type [{name}]")
    full = _full_name(text, ps_version)
    if full is None:
        message = (f"Unable to find type [{name}]: make sure that the assembly containing this type is loaded."
                   if ps_version < 3 else f"Unable to find type [{name}].")
        raise RuntimeException(message, error_id="TypeNotFound")
    return full + suffix


def value_type_name(value: Any) -> str:
    """The .NET type of a value as error messages and `.GetType().FullName` give it."""
    if isinstance(value, clr.EnumValue):
        return value.enum.TYPE_NAME
    if value is None:
        return "null"
    names = clr.type_names(value)
    own = getattr(value, "TYPE_NAME", None)
    return own if names == ["System.Object"] and isinstance(own, str) else names[0]


def is_enumerable(value: Any) -> bool:
    """What PowerShell enumerates in a pipeline and filters with comparison operators: arrays, lists and other
    IEnumerables, but not strings and not dictionaries (LanguagePrimitives.GetEnumerable)."""
    if isinstance(value, (str, clr.Hashtable, clr.PSCustomObject)) or value is None:
        return False
    if isinstance(value, list):
        return True
    return isinstance(value, clr.DotNetObject) and hasattr(value, "__iter__")


_INTERFACES: dict[str, Any] = {
    "system.collections.ienumerable": lambda v: isinstance(v, (str, list, clr.Hashtable)) or is_enumerable(v),
    "system.collections.icollection": lambda v: isinstance(v, (list, clr.Hashtable)),
    "system.collections.ilist": lambda v: isinstance(v, list),
    "system.collections.idictionary": lambda v: isinstance(v, clr.Hashtable),
    "system.array": lambda v: isinstance(v, list) and not isinstance(v, clr.ArrayList),
    "system.icomparable": lambda v: isinstance(v, (str, int, float, clr.EnumValue)) or _is_decimal(v),
    "system.iconvertible": lambda v: isinstance(v, (str, int, float, clr.EnumValue)) or _is_decimal(v),
    "system.iformattable": lambda v: (isinstance(v, (int, float, clr.EnumValue)) and not isinstance(v, bool))
    or _is_decimal(v),
    "system.enum": lambda v: isinstance(v, clr.EnumValue),
}


def _is_decimal(value: Any) -> bool:
    return isinstance(value, decimal.Decimal)


def is_type(value: Any, type_name: str, *, ps_version: int = 2) -> bool:
    """`value -is [type_name]` (lang-spec 7.8.3): the type or one it derives from; `$null` is of no type."""
    value_type = type(value)
    if value_type in _IS_BY_TYPE:
        _types_unchanged()
        key = (value_type, type_name, ps_version)
        found = _IS.get(key)
        if found is None:
            found = _IS[key] = _is_type(value, type_name, ps_version)
        return found
    return _is_type(value, type_name, ps_version)


def _is_type(value: Any, type_name: str, ps_version: int) -> bool:
    full = resolve(type_name, ps_version=ps_version)
    if value is None or value is clr.VOID:
        return False
    key = full.casefold()
    if key == "system.object":
        return True
    if key in (SMA.casefold() + "psobject", SMA.casefold() + "pscustomobject"):
        if isinstance(value, clr.PSCustomObject):
            return True
        raise NotModeled(f"-is [{type_name}] of a {value_type_name(value)} (PSObject wrapping is not modelled)")
    if key in _INTERFACES:
        return bool(_INTERFACES[key](value))
    if key.endswith("[]"):
        if isinstance(value, clr.TypedArray):
            return value.TYPE_NAME.casefold() == key
        return key == "system.object[]" and isinstance(value, list) and not isinstance(value, clr.ArrayList)
    if isinstance(value, clr.EnumValue):
        return key in (value.enum.TYPE_NAME.casefold(), "system.valuetype")
    own = getattr(value, "TYPE_NAME", None)  # ErrorRecord and other contract classes outside DotNetObject
    return key in (name.casefold() for name in clr.type_names(value)) or (isinstance(own, str)
                                                                           and own.casefold() == key)
