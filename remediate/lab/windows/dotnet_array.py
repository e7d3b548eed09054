"""System.Array: its statics ([System.Array]::Sort, Reverse, CreateInstance, IndexOf, Copy, Clear) and the members
of arrays (object[] is a Python list, typed arrays clr.TypedArray; Length/Count are the interpreter's).

Sources (learn.microsoft.com/dotnet/api/...): system.array.sort (Sort(Array, IComparer), Sort(keys, items,
IComparer): the items follow their keys), system.array.reverse, system.array.createinstance (elements are the
type's zero value), system.array.indexof, system.array.copy, system.array.clear, system.array.clone.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_args import arg_error, int_arg, is_null, null_arg, out_of_range
from remediate.lab.windows.dotnet_collections import element_default, sort_key, type_arg


IndexOutOfRangeException = clr.TYPES.get("system.indexoutofrangeexception") or clr.exception_type(
    "System.IndexOutOfRangeException", clr.SystemException, "Index was outside the bounds of the array.")


def _array(value: Any, param: str = "array") -> list:
    if is_null(value):
        raise null_arg(param)
    if not isinstance(value, list) or isinstance(value, clr.ArrayList):
        raise clr.ArgumentException(f"Cannot convert argument \"{param}\" to System.Array.")
    return value


def _equal(a: Any, b: Any) -> bool:
    return (a is None and b is None) or (a == b and type(a) is type(b))


@clr.register
class Array(clr.DotNetObject):
    """Statics of System.Array."""

    TYPE_NAME = "System.Array"

    @clr.static
    def Sort(rt: Any, array: Any, *rest: Any) -> Any:  # noqa: N802,N805
        """Sort(array), Sort(array, comparer), Sort(keys, items), Sort(keys, items, comparer)."""
        keys = _array(array, "keys" if rest and isinstance(rest[0], list) else "array")
        if rest and (isinstance(rest[0], list) or (is_null(rest[0]) and len(rest) == 2)):
            items = None if is_null(rest[0]) else _array(rest[0], "items")
            key = sort_key(rest[1] if len(rest) > 1 else None)
            if items is None:
                keys.sort(key=key)
                return clr.VOID
            if len(keys) > len(items):
                raise clr.ArgumentException("Offset and length were out of bounds for the array or count is greater "
                                            "than the number of elements from index to the end of the source "
                                            "collection.")
            order = sorted(range(len(keys)), key=lambda i: key(keys[i]))
            head = [items[i] for i in order]
            keys[:] = [keys[i] for i in order]
            items[:len(order)] = head
            return clr.VOID
        keys.sort(key=sort_key(rest[0] if rest else None))
        return clr.VOID

    @clr.static
    def Reverse(rt: Any, array: Any, index: Any = None, length: Any = None) -> Any:  # noqa: N802,N805
        items = _array(array)
        start = 0 if index is None else int_arg(index)
        size = len(items) - start if length is None else int_arg(length)
        if start < 0 or size < 0:
            raise out_of_range("Non-negative number required.", "index" if start < 0 else "length")
        if len(items) - start < size:
            raise clr.ArgumentException("Offset and length were out of bounds for the array or count is greater "
                                        "than the number of elements from index to the end of the source "
                                        "collection.")
        items[start:start + size] = items[start:start + size][::-1]
        return clr.VOID

    @clr.static
    def CreateInstance(rt: Any, element_type: Any, length: Any) -> list:  # noqa: N802,N805
        if is_null(element_type):
            raise null_arg("elementType")
        name = type_arg(element_type)
        size = int_arg(length)
        if size < 0:
            raise out_of_range("Non-negative number required.", "length")
        if name == "System.Object":
            return [None] * size
        return clr.TypedArray(name, [element_default(name)] * size)

    @clr.static
    def IndexOf(rt: Any, array: Any, value: Any, start: Any = None) -> int:  # noqa: N802,N805
        items = _array(array)
        begin = 0 if start is None else int_arg(start)
        if not 0 <= begin <= len(items):
            raise out_of_range("Index was out of range. Must be non-negative and less than the size of the "
                               "collection.", "startIndex")
        return next((i for i in range(begin, len(items)) if _equal(items[i], value)), -1)

    @clr.static
    def Copy(rt: Any, source: Any, *rest: Any) -> Any:  # noqa: N802,N805
        """Copy(source, destination, length) and Copy(source, sourceIndex, destination, destinationIndex, length)."""
        if len(rest) == 2:
            destination, src_index, dst_index, length = rest[0], 0, 0, rest[1]
        elif len(rest) == 4:
            src_index, destination, dst_index, length = rest
        else:
            raise TypeError("Array.Copy takes 3 or 5 arguments")
        src = _array(source, "sourceArray")
        dst = _array(destination, "destinationArray")
        a, b, n = int_arg(src_index), int_arg(dst_index), int_arg(length)
        if n < 0:
            raise out_of_range("Non-negative number required.", "length")
        if a < 0 or b < 0:
            raise out_of_range("Number must be either non-negative and less than or equal to Int32.MaxValue or -1.",
                               "srcIndex" if a < 0 else "dstIndex")
        if len(src) - a < n:
            raise arg_error(clr.ArgumentException, "Source array was not long enough. Check srcIndex and length, "
                            "and the array's lower bounds.", None)
        if len(dst) - b < n:
            raise arg_error(clr.ArgumentException, "Destination array was not long enough. Check destIndex and "
                            "length, and the array's lower bounds.", None)
        dst[b:b + n] = src[a:a + n]
        return clr.VOID

    @clr.static
    def Clear(rt: Any, array: Any, index: Any, length: Any) -> Any:  # noqa: N802,N805
        items = _array(array)
        start, size = int_arg(index), int_arg(length)
        if start < 0 or size < 0 or start + size > len(items):
            raise IndexOutOfRangeException("Index was outside the bounds of the array.")
        zero = element_default(items.element_type) if isinstance(items, clr.TypedArray) else None
        items[start:start + size] = [zero] * size
        return clr.VOID


class ArrayMembers:
    """Instance members of arrays (System.Array)."""

    @clr.adapter_property
    def Rank(items: list) -> int:  # noqa: N802,N805
        return 1

    @clr.adapter_property
    def IsFixedSize(items: list) -> bool:  # noqa: N802,N805
        return True

    @clr.adapter_property
    def LongLength(items: list) -> clr.Int64:  # noqa: N802,N805
        return clr.Int64(len(items))

    def Clone(items: list) -> list:  # noqa: N802,N805
        return clr.TypedArray(items.element_type, items) if isinstance(items, clr.TypedArray) else list(items)

    def GetLength(items: list, dimension: Any) -> int:  # noqa: N802,N805
        if int_arg(dimension) != 0:
            raise IndexOutOfRangeException("Index was outside the bounds of the array.")
        return len(items)

    def GetUpperBound(items: list, dimension: Any) -> int:  # noqa: N802,N805
        return ArrayMembers.GetLength(items, dimension) - 1

    def GetLowerBound(items: list, dimension: Any) -> int:  # noqa: N802,N805
        ArrayMembers.GetLength(items, dimension)
        return 0

    def GetValue(items: list, index: Any) -> Any:  # noqa: N802,N805
        where = int_arg(index)
        if not 0 <= where < len(items):
            raise IndexOutOfRangeException("Index was outside the bounds of the array.")
        return items[where]

    def CopyTo(items: list, destination: Any, index: Any) -> Any:  # noqa: N802,N805
        Array.Copy(None, items, 0, destination, index, len(items))
        return clr.VOID

    def ToString(items: list) -> str:  # noqa: N802,N805
        return clr.type_names(items)[0]


clr.ADAPTERS[list] = ArrayMembers
