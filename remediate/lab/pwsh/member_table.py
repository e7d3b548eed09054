"""Which .NET members a simulated class (or a builtin's clr.ADAPTERS class) has, as `members` looks them up.

A member is found by its folded name; it exists on a host unless `@clr.since` marks it newer than the host's .NET
Framework. The simulations' classes do not change once imported, so what is read from a class is remembered per
class: a script calls the same few members thousands of times (a JSON reader's `$s.T.Length`, `Substring`).
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from remediate.lab.windows import clr

_HIDDEN = {"TYPE_NAME", "TYPE_ALIASES", "SINCE", "args", "with_traceback", "add_note", "new", "error_id",
           "DEFAULT_ERROR_ID", "default_message"}
_ACCESSOR = re.compile(r"(get|set|add|remove)_[A-Z]")
_MAPS: dict[type, dict[str, tuple[str, str]]] = {}
_STATIC: dict[tuple[type, str], Any] = {}
_ENTRIES: dict[tuple[type, str], tuple[tuple[str, str] | None, Any]] = {}
_ADAPTERS: dict[type, type | None] = {}
_ADAPTERS_WITH = [0]


def hidden(name: str) -> bool:
    """Python names of .NET objects that are no .NET members."""
    return name in _HIDDEN


def member_map(cls: type) -> dict[str, tuple[str, str]]:
    """Folded member name -> (kind, Python attribute name) for a class; kinds: property, method, static, sproperty,
    field."""
    found = _MAPS.get(cls)
    if found is not None:
        return found
    members: dict[str, tuple[str, str]] = {}
    for name in dir(cls):
        # .NET members are PascalCase or accessor methods (get_Keys); Python helpers of the simulations
        # (read_bytes, ...) are not members.
        if name.startswith("_") or name in _HIDDEN or not (name[0].isupper() or _ACCESSOR.match(name)):
            continue
        attribute = inspect.getattr_static(cls, name)
        if isinstance(attribute, staticmethod):
            kind = getattr(attribute.__func__, "__clr_static__", None)
            members[name.casefold()] = ("sproperty" if kind == "property" else "static", name)
        elif isinstance(attribute, property):
            members[name.casefold()] = ("property", name)
        elif isinstance(attribute, classmethod):
            continue
        elif callable(attribute) and getattr(attribute, "__clr_property__", False):
            members[name.casefold()] = ("aproperty", name)  # clr.adapter_property: Name(value)
        elif callable(attribute):
            members[name.casefold()] = ("method", name)
        else:
            members[name.casefold()] = ("field", name)
    _MAPS[cls] = members
    return members


def static_attr(owner: type, name: str) -> Any:
    """inspect.getattr_static(owner, name), remembered."""
    key = (owner, name)
    try:
        return _STATIC[key]
    except KeyError:
        found = _STATIC[key] = inspect.getattr_static(owner, name)
        return found


def framework(rt: Any) -> str:
    return str(getattr(rt.machine, "framework", "4.7.2"))


def entry(owner: type, key: str, rt: Any) -> tuple[str, str] | None:
    """member_map(owner)[key] if the member exists on the host's .NET Framework (clr.since), else None."""
    lookup = (owner, key)
    found = _ENTRIES.get(lookup)
    if found is None:
        found = _ENTRIES[lookup] = _entry(owner, key)
    member, versioned = found
    if versioned is not None and not clr.available(versioned, framework(rt)):
        return None
    return member


def _entry(owner: type, key: str) -> tuple[tuple[str, str] | None, Any]:
    """(the member_map entry or None, the function behind it if clr.since marks it, else None)."""
    member = member_map(owner).get(key)
    if member is None:
        return None, None
    function = static_attr(owner, member[1])
    if isinstance(function, staticmethod):
        function = function.__func__
    elif isinstance(function, property):
        function = function.fget
    return member, (function if getattr(function, "__clr_since__", None) else None)


def adapter(value: Any) -> type | None:
    """clr.adapter_for(value), remembered per Python type while clr.ADAPTERS does not grow."""
    if _ADAPTERS_WITH[0] != len(clr.ADAPTERS):
        _ADAPTERS.clear()
        _ADAPTERS_WITH[0] = len(clr.ADAPTERS)
    python_type = type(value)
    try:
        return _ADAPTERS[python_type]
    except KeyError:
        found = _ADAPTERS[python_type] = clr.adapter_for(value)
        return found
