"""System.Collections.Hashtable and ArrayList (constructors and members), StringComparer, DictionaryEntry.

Sources (learn.microsoft.com/dotnet/api/...): system.collections.hashtable (the parameterless constructor uses
each key's Equals: string keys are case-sensitive; Add of an existing key is an ArgumentException; a null key is
an ArgumentNullException), system.collections.arraylist (Add returns the index, ToArray(Type), Sort(IComparer),
RemoveAt's ArgumentOutOfRangeException), system.stringcomparer (Ordinal, OrdinalIgnoreCase; Compare orders null
first), system.collections.dictionaryentry.

Sorting: .NET's Array.Sort and ArrayList.Sort are unstable introsorts; the lab sorts stably, which agrees with
.NET whenever the comparer tells all elements apart. Culture-sensitive comparers' orders are refused (NotModeled).
"""

from __future__ import annotations

import functools
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_args import arg_error, int_arg, is_null, out_of_range
from remediate.lab.windows.dotnet_text import upper
from remediate.lab.windows.psexceptions import InvalidCastException
from remediate.lab.windows.refusal import NotModeled

INDEX_RANGE = "Index was out of range. Must be non-negative and less than the size of the collection."


@clr.register
class StringComparer(clr.DotNetObject):
    """System.StringComparer: the ordinal comparers are modelled; the culture ones compare equality like the
    lab's culture rules (dotnet_text) and refuse to order."""

    TYPE_NAME = "System.StringComparer"

    def __init__(self, name: str, ignore_case: bool, culture: bool) -> None:
        self._name, self._ignore_case, self._culture = name, ignore_case, culture

    def _fold(self, text: str) -> str:
        return upper(text) if self._ignore_case else text

    def _compare(self, x: Any, y: Any) -> int:
        if is_null(x) or is_null(y):
            return 0 if is_null(x) and is_null(y) else (-1 if is_null(x) else 1)
        if not isinstance(x, str) or not isinstance(y, str):
            raise clr.ArgumentException("At least one object must implement IComparable.")
        if self._culture:
            raise NotModeled(f"StringComparer.{self._name} ordering (culture-sensitive)")
        a, b = self._fold(x), self._fold(y)
        return (a > b) - (a < b)

    def Compare(self, x: Any, y: Any) -> int:  # noqa: N802 - .NET names
        return self._compare(x, y)

    def Equals(self, x: Any, y: Any = clr.VOID) -> bool:  # noqa: N802
        if y is clr.VOID:  # Object.Equals(obj)
            return x is self
        if is_null(x) or is_null(y):
            return is_null(x) and is_null(y)
        if isinstance(x, str) and isinstance(y, str):
            return self._fold(x) == self._fold(y)
        return bool(x == y)

    def ToString(self) -> str:  # noqa: N802
        return "System.OrdinalComparer" if not self._culture else "System.CultureAwareComparer"

    Ordinal = clr.static_property(lambda rt: ORDINAL)
    OrdinalIgnoreCase = clr.static_property(lambda rt: ORDINAL_IGNORE_CASE)
    InvariantCulture = clr.static_property(lambda rt: StringComparer("InvariantCulture", False, True))
    InvariantCultureIgnoreCase = clr.static_property(lambda rt: StringComparer("InvariantCultureIgnoreCase", True,
                                                                               True))
    CurrentCulture = clr.static_property(lambda rt: StringComparer("CurrentCulture", False, True))
    CurrentCultureIgnoreCase = clr.static_property(lambda rt: StringComparer("CurrentCultureIgnoreCase", True,
                                                                             True))


ORDINAL = StringComparer("Ordinal", False, False)
ORDINAL_IGNORE_CASE = StringComparer("OrdinalIgnoreCase", True, False)


def default_compare(x: Any, y: Any) -> int:
    """Comparer.Default: null first; strings compare by the current culture (refused: not ordinal); numbers and
    other IComparables of one type by value."""
    if is_null(x) or is_null(y):
        return 0 if is_null(x) and is_null(y) else (-1 if is_null(x) else 1)
    if isinstance(x, str) and isinstance(y, str):
        raise NotModeled("sorting strings with the default (culture-sensitive) comparer")
    try:
        return (x > y) - (x < y)
    except TypeError:
        raise clr.InvalidOperationException("Failed to compare two elements in the array.") from None


def sort_key(comparer: Any) -> Any:
    """A Python sort key for an IComparer argument (None or missing: Comparer.Default)."""
    if is_null(comparer):
        compare = default_compare
    elif isinstance(comparer, StringComparer):
        compare = comparer._compare
    else:
        raise NotModeled(f"sorting with a comparer of type {clr.type_names(comparer)[0]}")
    return functools.cmp_to_key(compare)


def _comparer_of(value: Any) -> bool | None:
    """Case sensitivity a Hashtable gets from an IEqualityComparer argument (None if it is not one)."""
    if isinstance(value, StringComparer):
        return not value._ignore_case
    return None


@clr.register
class HashtableType(clr.DotNetObject):
    """`New-Object System.Collections.Hashtable [capacity] [comparer] | [dictionary [, comparer]]`."""

    TYPE_NAME = "System.Collections.Hashtable"

    @classmethod
    def new(cls, rt: Any, *args: Any) -> clr.Hashtable:
        case_sensitive, items = True, []
        for arg in args:
            if _comparer_of(arg) is not None:
                case_sensitive = bool(_comparer_of(arg))
            elif isinstance(arg, clr.Hashtable):
                items = arg.items()
            elif isinstance(arg, (int, float)) and not isinstance(arg, bool):
                if int_arg(arg) < 0:
                    raise out_of_range("Non-negative number required.", "capacity")
            elif is_null(arg):
                raise arg_error(clr.ArgumentNullException, "Dictionary cannot be null.", "d")
            else:
                raise NotModeled(f"Hashtable constructor argument of type {clr.type_names(arg)[0]}")
        table = clr.Hashtable(case_sensitive=case_sensitive)
        for key, value in items:
            table.add(key, value)
        return table


@clr.register
class DictionaryEntry(clr.DotNetObject):
    """System.Collections.DictionaryEntry: what enumerating a Hashtable yields."""

    TYPE_NAME = "System.Collections.DictionaryEntry"

    def __init__(self, key: Any, value: Any) -> None:
        self._key, self._value = key, value

    Key = property(lambda self: self._key)
    Value = property(lambda self: self._value)


def _key_arg(key: Any) -> Any:
    if is_null(key):
        raise arg_error(clr.ArgumentNullException, "Key cannot be null.", "key")
    return key


class HashtableMembers:
    """Instance members of System.Collections.Hashtable."""

    @clr.adapter_property
    def Count(table: clr.Hashtable) -> int:  # noqa: N802,N805
        return len(table)

    @clr.adapter_property
    def Keys(table: clr.Hashtable) -> list:  # noqa: N802,N805
        return table.keys()

    @clr.adapter_property
    def Values(table: clr.Hashtable) -> list:  # noqa: N802,N805
        return table.values()

    @clr.adapter_property
    def IsReadOnly(table: clr.Hashtable) -> bool:  # noqa: N802,N805
        return False

    @clr.adapter_property
    def IsFixedSize(table: clr.Hashtable) -> bool:  # noqa: N802,N805
        return False

    def get_Keys(table: clr.Hashtable) -> list:  # noqa: N802,N805
        return table.keys()

    def get_Values(table: clr.Hashtable) -> list:  # noqa: N802,N805
        return table.values()

    def get_Count(table: clr.Hashtable) -> int:  # noqa: N802,N805
        return len(table)

    def get_Item(table: clr.Hashtable, key: Any) -> Any:  # noqa: N802,N805
        return table[_key_arg(key)]

    def set_Item(table: clr.Hashtable, key: Any, value: Any) -> Any:  # noqa: N802,N805
        table[_key_arg(key)] = value
        return clr.VOID

    def ContainsKey(table: clr.Hashtable, key: Any) -> bool:  # noqa: N802,N805
        return _key_arg(key) in table

    def Contains(table: clr.Hashtable, key: Any) -> bool:  # noqa: N802,N805
        return _key_arg(key) in table

    def ContainsValue(table: clr.Hashtable, value: Any) -> bool:  # noqa: N802,N805
        return any(v == value and type(v) is type(value) for v in table.values())

    def Add(table: clr.Hashtable, key: Any, value: Any) -> Any:  # noqa: N802,N805
        table.add(_key_arg(key), value)
        return clr.VOID

    def Remove(table: clr.Hashtable, key: Any) -> Any:  # noqa: N802,N805
        table.remove(_key_arg(key))
        return clr.VOID

    def Clear(table: clr.Hashtable) -> Any:  # noqa: N802,N805
        for key in table.keys():
            table.remove(key)
        return clr.VOID

    def Clone(table: clr.Hashtable) -> clr.Hashtable:  # noqa: N802,N805
        return table.copy()

    def GetEnumerator(table: clr.Hashtable) -> list:  # noqa: N802,N805
        return [DictionaryEntry(key, value) for key, value in table.items()]

    def ToString(table: clr.Hashtable) -> str:  # noqa: N802,N805
        return "System.Collections.Hashtable"


@clr.register
class ArrayListType(clr.DotNetObject):
    """`New-Object System.Collections.ArrayList [capacity | collection]`."""

    TYPE_NAME = "System.Collections.ArrayList"

    @classmethod
    def new(cls, rt: Any, *args: Any) -> clr.ArrayList:
        if not args:
            return clr.ArrayList()
        (arg,) = args
        if isinstance(arg, list):
            return clr.ArrayList(arg)
        if is_null(arg):
            raise arg_error(clr.ArgumentNullException, "Collection cannot be null.", "c")
        if int_arg(arg) < 0:
            raise out_of_range("Non-negative number required.", "capacity")
        return clr.ArrayList()


def _index(items: list, index: Any, param: str = "index", inclusive: bool = False) -> int:
    where = int_arg(index)
    if not 0 <= where < len(items) + (1 if inclusive else 0):
        raise out_of_range("Insertion index was out of range. Must be non-negative and less than or equal to size."
                           if inclusive else INDEX_RANGE, param)
    return where


def element_default(type_name: str) -> Any:
    """The zero value of an array element of `type_name` (null for reference types)."""
    if type_name in clr.INT_TYPES:
        return clr.INT_TYPES[type_name](0)
    return {"System.Int32": 0, "System.Double": 0.0, "System.Single": 0.0, "System.Boolean": False,
            "System.Char": clr.Char("\0")}.get(type_name)


def type_arg(value: Any) -> str:
    """A System.Type argument's full name: the interpreter's type literal (duck-typed by FullName) or a name."""
    name = getattr(value, "FullName", None)
    if name is None and isinstance(value, str):
        name = value
    if name is None:
        raise arg_error(clr.ArgumentNullException, "Value cannot be null.", "type")
    return str(name)


def to_typed(items: list, type_name: str) -> list:
    """A copy of `items` as an array of `type_name` (object[] is a plain list); elements must be of that type."""
    if type_name == "System.Object":
        return list(items)
    for item in items:
        if item is not None and type_name not in clr.type_names(item):
            raise InvalidCastException(
                "At least one element in the source array could not be cast down to the destination array type.")
    return clr.TypedArray(type_name, items)


class ArrayListMembers:
    """Instance members of System.Collections.ArrayList."""

    @clr.adapter_property
    def Count(items: clr.ArrayList) -> int:  # noqa: N802,N805
        return len(items)

    @clr.adapter_property
    def Capacity(items: clr.ArrayList) -> int:  # noqa: N802,N805
        return max(len(items), 4) if items else 0

    def Add(items: clr.ArrayList, value: Any) -> int:  # noqa: N802,N805
        items.append(value)
        return len(items) - 1

    def AddRange(items: clr.ArrayList, values: Any) -> Any:  # noqa: N802,N805
        if is_null(values):
            raise arg_error(clr.ArgumentNullException, "Collection cannot be null.", "c")
        items.extend(values if isinstance(values, list) else [values])
        return clr.VOID

    def Clear(items: clr.ArrayList) -> Any:  # noqa: N802,N805
        items.clear()
        return clr.VOID

    def Contains(items: clr.ArrayList, value: Any) -> bool:  # noqa: N802,N805
        return ArrayListMembers.IndexOf(items, value) >= 0

    def IndexOf(items: clr.ArrayList, value: Any) -> int:  # noqa: N802,N805
        """Object.Equals: same type and value (strings ordinal)."""
        for i, item in enumerate(items):
            if (item is None and value is None) or (item == value and type(item) is type(value)):
                return i
        return -1

    def Insert(items: clr.ArrayList, index: Any, value: Any) -> Any:  # noqa: N802,N805
        items.insert(_index(items, index, inclusive=True), value)
        return clr.VOID

    def Remove(items: clr.ArrayList, value: Any) -> Any:  # noqa: N802,N805
        where = ArrayListMembers.IndexOf(items, value)
        if where >= 0:
            del items[where]
        return clr.VOID

    def RemoveAt(items: clr.ArrayList, index: Any) -> Any:  # noqa: N802,N805
        del items[_index(items, index)]
        return clr.VOID

    def Reverse(items: clr.ArrayList) -> Any:  # noqa: N802,N805
        items.reverse()
        return clr.VOID

    def Sort(items: clr.ArrayList, comparer: Any = None) -> Any:  # noqa: N802,N805
        items.sort(key=sort_key(comparer))
        return clr.VOID

    def ToArray(items: clr.ArrayList, element_type: Any = None) -> list:  # noqa: N802,N805
        return list(items) if element_type is None else to_typed(items, type_arg(element_type))

    def get_Item(items: clr.ArrayList, index: Any) -> Any:  # noqa: N802,N805
        return items[_index(items, index)]

    def set_Item(items: clr.ArrayList, index: Any, value: Any) -> Any:  # noqa: N802,N805
        items[_index(items, index)] = value
        return clr.VOID

    def GetRange(items: clr.ArrayList, index: Any, count: Any) -> clr.ArrayList:  # noqa: N802,N805
        start, size = int_arg(index), int_arg(count)
        if start < 0 or size < 0:
            raise out_of_range("Non-negative number required.", "index" if start < 0 else "count")
        if len(items) - start < size:
            raise clr.ArgumentException("Offset and length were out of bounds for the array or count is greater "
                                        "than the number of elements from index to the end of the source "
                                        "collection.")
        return clr.ArrayList(items[start:start + size])

    def Clone(items: clr.ArrayList) -> clr.ArrayList:  # noqa: N802,N805
        return clr.ArrayList(items)

    def ToString(items: clr.ArrayList) -> str:  # noqa: N802,N805
        return "System.Collections.ArrayList"


clr.ADAPTERS[clr.Hashtable] = HashtableMembers
clr.ADAPTERS[clr.ArrayList] = ArrayListMembers
