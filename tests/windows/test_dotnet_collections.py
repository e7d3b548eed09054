"""Hashtable, ArrayList, arrays, [System.Array] statics and StringComparer as .NET documents them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from dotnet_helpers import raises, runtime

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_array import Array, ArrayMembers
from remediate.lab.windows.dotnet_collections import (
    ArrayListMembers, ArrayListType, HashtableMembers, HashtableType, StringComparer,
)
from remediate.lab.windows.refusal import NotModeled

RT = runtime()
ORDINAL, IGNORE = StringComparer.Ordinal(RT), StringComparer.OrdinalIgnoreCase(RT)


def type_literal(name: str) -> SimpleNamespace:
    return SimpleNamespace(FullName=name)


def test_new_object_hashtable_is_case_sensitive() -> None:
    table = HashtableType.new(RT)
    table["Key"] = 1
    table["key"] = 2
    assert len(table) == 2 and HashtableMembers.ContainsKey(table, "Key")
    assert not HashtableMembers.ContainsKey(HashtableType.new(RT), "x")
    insensitive = HashtableType.new(RT, IGNORE)
    insensitive["Key"] = 1
    assert HashtableMembers.ContainsKey(insensitive, "KEY")


def test_hashtable_members() -> None:
    table = clr.Hashtable([("b", 1), ("a", 2)])
    assert HashtableMembers.Count(table) == 2
    assert sorted(HashtableMembers.get_Keys(table)) == ["a", "b"]
    assert HashtableMembers.Add(table, "c", 3) is clr.VOID
    raises(clr.ArgumentException, "Item has already been added. Key in dictionary: 'c'  Key being added: 'c'",
           lambda: HashtableMembers.Add(table, "c", 4))
    raises(clr.ArgumentNullException, "Key cannot be null.\r\nParameter name: key",
           lambda: HashtableMembers.ContainsKey(table, None))
    HashtableMembers.Remove(table, "a")
    assert [e.Key for e in HashtableMembers.GetEnumerator(table)] == ["b", "c"]
    HashtableMembers.Clear(table)
    assert len(table) == 0


def test_array_list() -> None:
    items = ArrayListType.new(RT)
    assert ArrayListMembers.Add(items, "b") == 0 and ArrayListMembers.Add(items, "A") == 1
    ArrayListMembers.Add(items, "a")
    ArrayListMembers.Sort(items, ORDINAL)
    assert items == ["A", "a", "b"]
    typed = ArrayListMembers.ToArray(items, type_literal("System.String"))
    assert isinstance(typed, clr.TypedArray) and typed.element_type == "System.String"
    plain = ArrayListMembers.ToArray(items)
    assert type(plain) is list and plain == ["A", "a", "b"]
    raises(clr.ArgumentOutOfRangeException, "Index was out of range. Must be non-negative and less than the size "
           "of the collection.\r\nParameter name: index", lambda: ArrayListMembers.RemoveAt(items, 3))
    assert ArrayListMembers.Contains(items, "a") and not ArrayListMembers.Contains(items, "B")
    with pytest.raises(NotModeled):
        ArrayListMembers.Sort(items)  # strings with the culture-sensitive default comparer


def test_array_sort_keys_and_items_then_reverse() -> None:
    """metabasefile.ps1: [Array]::Sort($sortKeys, $sorted, [StringComparer]::Ordinal); [Array]::Reverse($sorted)."""
    keys = clr.TypedArray("System.String", ["0000000002", "0000000010", "0000000001"])
    files = clr.TypedArray("System.String", ["b", "c", "a"])
    assert Array.Sort(RT, keys, files, ORDINAL) is clr.VOID
    assert keys == ["0000000001", "0000000002", "0000000010"] and files == ["a", "b", "c"]
    Array.Reverse(RT, files)
    assert files == ["c", "b", "a"]


def test_array_sort_ordinal_vs_ignore_case() -> None:
    names = clr.TypedArray("System.String", ["b", "_", "B", "a"])
    Array.Sort(RT, names, ORDINAL)
    assert names == ["B", "_", "a", "b"]
    Array.Sort(RT, names, IGNORE)
    assert names[0] == "a" and names[-1] == "_"  # upper-cased ordinal: "_" (0x5F) sorts after the letters


def test_create_instance() -> None:
    data = Array.CreateInstance(RT, type_literal("System.Byte"), 3)
    assert data == [0, 0, 0] and data.element_type == "System.Byte" and isinstance(data[0], clr.Byte)
    objects = Array.CreateInstance(RT, type_literal("System.Object"), 2)
    assert type(objects) is list and objects == [None, None]
    raises(clr.ArgumentOutOfRangeException, "Non-negative number required.\r\nParameter name: length",
           lambda: Array.CreateInstance(RT, type_literal("System.Byte"), -1))


def test_string_comparer() -> None:
    assert ORDINAL.Compare("a", "B") > 0 and IGNORE.Compare("a", "B") < 0
    assert ORDINAL.Compare(None, "a") < 0 and IGNORE.Equals("ABC", "abc")
    with pytest.raises(NotModeled):
        StringComparer.InvariantCulture(RT).Compare("a", "b")


def test_array_members() -> None:
    items = clr.TypedArray("System.String", ["x", "y"])
    copy = ArrayMembers.Clone(items)
    assert copy == items and copy is not items and copy.element_type == "System.String"
    assert ArrayMembers.ToString([1]) == "System.Object[]" and ArrayMembers.GetUpperBound(items, 0) == 1
