"""System.String's members (ADAPTERS[str]) and statics, System.Char's members, StringComparison and
StringSplitOptions, as .NET Framework 2.0-4.8 documents them.

Sources (learn.microsoft.com/dotnet/api/...): system.string (Substring, IndexOf, IndexOfAny, LastIndexOf,
StartsWith, EndsWith, Contains, Replace, Split, Trim/TrimStart/TrimEnd, PadLeft/PadRight, Insert, Remove,
ToLower/ToUpper/ToLowerInvariant/ToUpperInvariant, ToCharArray, Equals, Compare, CompareOrdinal, IsNullOrEmpty,
Join, Concat, Format, Empty), system.stringcomparison, system.stringsplitoptions, system.char.iswhitespace, and
"Best practices for comparing strings in .NET" (the overloads without a StringComparison compare with the current
culture: characters with no sort weight, such as NUL and the soft hyphen, are ignored).

Culture-sensitive comparison is modelled for the lab's en-US hosts as ordinal comparison after removing the
characters that have no weight; text with combining marks (where canonical equivalence matters) is refused, and
culture-sensitive ordering (CompareTo, Compare without Ordinal) is refused: it is not ordinal on Windows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_args import (
    arg_error, chars_arg, enum_arg, int_arg, is_null, null_arg, out_of_range, string_array, text_arg,
)
from remediate.lab.windows.refusal import NotModeled

StringComparison = clr.register(clr.EnumType("System.StringComparison", {
    "CurrentCulture": 0, "CurrentCultureIgnoreCase": 1, "InvariantCulture": 2, "InvariantCultureIgnoreCase": 3,
    "Ordinal": 4, "OrdinalIgnoreCase": 5}))
StringSplitOptions = clr.register(clr.EnumType("System.StringSplitOptions", {"None": 0, "RemoveEmptyEntries": 1},
                                               flags=True))

# Char.IsWhiteSpace: Unicode Zs/Zl/Zp plus U+0009-U+000D, U+0085 (Trim() with no arguments trims these).
WHITE = {chr(c) for c in (*range(9, 14), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F,
                           0x205F, 0x3000)}
# Characters with no weight in Windows' (NLS) culture-sensitive comparison.
_IGNORABLE = {chr(c) for c in (*range(0, 9), *range(14, 32), 0x7F, 0xAD, *range(0x200B, 0x2010), 0xFEFF)}


def upper_char(c: str) -> str:
    """Simple (one-to-one) invariant upper-casing, as Char.ToUpperInvariant; Python's full mapping ('ß' -> 'SS')
    is not .NET's."""
    up = c.upper()
    return up if len(up) == 1 else c


def lower_char(c: str) -> str:
    low = c.lower()
    return low if len(low) == 1 else c


def upper(text: str) -> str:
    if text.isascii():
        return text.upper()  # one-to-one for ASCII: the same as the per-character mapping
    return "".join(upper_char(c) for c in text)


def lower(text: str) -> str:
    if text.isascii():
        return text.lower()
    return "".join(lower_char(c) for c in text)


_WEIGHTLESS = re.compile("[" + "".join(re.escape(c) for c in sorted(_IGNORABLE)) + "]")


def _culture_view(text: str) -> tuple[str, Sequence[int]]:
    """The text without weightless characters, and each kept character's index in the original."""
    if not text.isascii() and any(unicodedata.category(c) == "Mn" for c in text):  # no combining mark is ASCII
        raise NotModeled("culture-sensitive string comparison of text with combining marks", repr(text))
    if _WEIGHTLESS.search(text) is None:
        return text, range(len(text))  # nothing to drop: every character stays where it is
    kept = [(i, c) for i, c in enumerate(text) if c not in _IGNORABLE]
    return "".join(c for _, c in kept), [i for i, _ in kept]


def comparison_rules(value: Any) -> tuple[bool, bool]:
    """(culture-sensitive, ignore case) for a StringComparison argument."""
    number = enum_arg(value, StringComparison)
    if number not in range(6):
        raise arg_error(clr.ArgumentException, "The string comparison type passed in is currently not supported.",
                        "comparisonType")
    return number < 4, number % 2 == 1


def fold(text: str, ignore_case: bool) -> str:
    return upper(text) if ignore_case else text


def index_of(text: str, value: str, start: int, end: int, culture: bool, ignore_case: bool) -> int:
    """IndexOf of a string in text[start:end], with the comparison's rules."""
    if not culture:
        return fold(text, ignore_case).find(fold(value, ignore_case), start, end)
    needle, _ = _culture_view(value)
    if not needle:
        return start  # an empty (or all-weightless) value is found at the start, as .NET documents
    hay, positions = _culture_view(text[start:end])
    found = fold(hay, ignore_case).find(fold(needle, ignore_case))
    return -1 if found < 0 else start + positions[found]


def equals(a: str, b: str, culture: bool, ignore_case: bool) -> bool:
    if culture:
        a, b = _culture_view(a)[0], _culture_view(b)[0]
    return fold(a, ignore_case) == fold(b, ignore_case)


def _range(text: str, start: Any, count: Any) -> tuple[int, int]:
    begin = len(text) if start is None else int_arg(start)
    if not 0 <= begin <= len(text):
        raise out_of_range("Index was out of range. Must be non-negative and less than the size of the collection.",
                           "startIndex")
    length = len(text) - begin if count is None else int_arg(count)
    if length < 0 or begin + length > len(text):
        raise out_of_range("Count must be positive and count must refer to a location within the string/array/"
                           "collection.", "count")
    return begin, begin + length


def _trim_set(chars: tuple[Any, ...]) -> set[str]:
    wanted: list[str] = []
    for item in chars:
        wanted.extend(chars_arg(item))
    return set(wanted) or WHITE


class StringMembers:
    """Instance members of System.String (https://learn.microsoft.com/dotnet/api/system.string)."""

    @clr.adapter_property
    def Length(value: str) -> int:  # noqa: N802,N805 - .NET names; the value comes first
        return len(value)

    def Substring(value: str, start: Any, length: Any = None) -> str:  # noqa: N802,N805
        begin = int_arg(start)
        if begin < 0:
            raise out_of_range("StartIndex cannot be less than zero.", "startIndex")
        if begin > len(value):
            raise out_of_range("startIndex cannot be larger than length of string.", "startIndex")
        if length is None:
            return value[begin:]
        count = int_arg(length)
        if count < 0:
            raise out_of_range("Length cannot be less than zero.", "length")
        if begin > len(value) - count:
            raise out_of_range("Index and length must refer to a location within the string.", "length")
        return value[begin:begin + count]

    def IndexOf(value: str, needle: Any, *rest: Any) -> int:  # noqa: N802,N805
        """IndexOf(char|string [, startIndex [, count]] [, StringComparison]): a char is found ordinally, a string
        with the current culture unless a StringComparison says otherwise."""
        culture, ignore_case = False, False
        if rest and isinstance(rest[-1], (clr.EnumValue, str)) and not isinstance(rest[-1], clr.Char):
            culture, ignore_case = comparison_rules(rest[-1])
            rest = rest[:-1]
            if isinstance(needle, clr.Char):
                needle = str(needle)
        elif isinstance(needle, str) and not isinstance(needle, clr.Char):
            culture = True
        elif isinstance(needle, int) and not isinstance(needle, bool):
            needle = clr.Char(chr(needle))
        if is_null(needle):
            raise null_arg("value")
        begin, end = _range(value, *(list(rest) + [None, None])[:2]) if rest else (0, len(value))
        return index_of(value, str(needle), begin, end, culture, ignore_case)

    def IndexOfAny(value: str, any_of: Any, start: Any = None, count: Any = None) -> int:  # noqa: N802,N805
        if is_null(any_of):
            raise null_arg("anyOf")
        wanted = set(chars_arg(any_of))
        begin, end = _range(value, 0 if start is None else start, count)
        return next((i for i in range(begin, end) if value[i] in wanted), -1)

    def LastIndexOf(value: str, needle: Any, *rest: Any) -> int:  # noqa: N802,N805
        if rest:
            raise NotModeled("String.LastIndexOf with a start index, count or comparison")
        if is_null(needle):
            raise null_arg("value")
        if isinstance(needle, clr.Char):
            return value.rfind(needle)
        view, positions = _culture_view(value)
        needle_view, _ = _culture_view(clr.to_str(needle))
        if not needle_view:
            return max(len(value) - 1, 0)
        found = view.rfind(needle_view)
        return -1 if found < 0 else positions[found]

    def StartsWith(value: str, prefix: Any, comparison: Any = None) -> bool:  # noqa: N802,N805
        text = text_arg(prefix, "value")
        culture, ignore_case = (True, False) if comparison is None else comparison_rules(comparison)
        if culture:
            value, text = _culture_view(value)[0], _culture_view(text)[0]
        return fold(value, ignore_case).startswith(fold(text, ignore_case))

    def EndsWith(value: str, suffix: Any, comparison: Any = None) -> bool:  # noqa: N802,N805
        text = text_arg(suffix, "value")
        culture, ignore_case = (True, False) if comparison is None else comparison_rules(comparison)
        if culture:
            value, text = _culture_view(value)[0], _culture_view(text)[0]
        return fold(value, ignore_case).endswith(fold(text, ignore_case))

    def Contains(value: str, needle: Any) -> bool:  # noqa: N802,N805
        return text_arg(needle, "value") in value  # ordinal, as documented

    def Replace(value: str, old: Any, new: Any) -> str:  # noqa: N802,N805
        """Replace(string, string) is ordinal; a null new value removes; an empty old value is an error."""
        old_text = text_arg(old, "oldValue")
        if old_text == "":
            raise arg_error(clr.ArgumentException, "String cannot be of zero length.", "oldValue")
        return value.replace(old_text, "" if is_null(new) else clr.to_str(new))

    def Split(value: str, *args: Any) -> clr.TypedArray:  # noqa: N802,N805
        """Split(params char[]), Split(char[], count[, options]), Split(char[]|string[], options),
        Split(string[], count, options). A string[] separator is a TypedArray of System.String; a PowerShell string
        argument is converted to char[] (.NET Framework has no Split(string) overload)."""
        args_list = list(args)
        options = 0
        count = 2**31 - 1
        if args_list and isinstance(args_list[-1], clr.EnumValue) and args_list[-1].enum is StringSplitOptions:
            options = args_list.pop().value
            if options not in (0, 1):
                raise arg_error(clr.ArgumentException, f"Illegal enum value: {options}.", "options")
        if len(args_list) == 2 and isinstance(args_list[1], int) and not isinstance(args_list[1], (bool, clr.Char)):
            count = int_arg(args_list.pop())
            if count < 0:
                raise out_of_range("Count cannot be less than zero.", "count")
        first = args_list[0] if len(args_list) == 1 else args_list
        if isinstance(first, clr.TypedArray) and first.element_type == "System.String":
            separators = [s for s in first if s]
        else:
            separators = []
            for item in (first if isinstance(first, list) else [first]):
                separators.extend(chars_arg(item))
        return string_array(_split(value, separators, count, bool(options & 1)))

    def Trim(value: str, *chars: Any) -> str:  # noqa: N802,N805
        return value.strip("".join(_trim_set(chars)))

    def TrimStart(value: str, *chars: Any) -> str:  # noqa: N802,N805
        return value.lstrip("".join(_trim_set(chars)))

    def TrimEnd(value: str, *chars: Any) -> str:  # noqa: N802,N805
        return value.rstrip("".join(_trim_set(chars)))

    def PadLeft(value: str, width: Any, char: Any = " ") -> str:  # noqa: N802,N805
        total = int_arg(width)
        if total < 0:
            raise out_of_range("Non-negative number required.", "totalWidth")
        return value.rjust(total, chars_arg(char)[0])

    def PadRight(value: str, width: Any, char: Any = " ") -> str:  # noqa: N802,N805
        total = int_arg(width)
        if total < 0:
            raise out_of_range("Non-negative number required.", "totalWidth")
        return value.ljust(total, chars_arg(char)[0])

    def Insert(value: str, start: Any, text: Any) -> str:  # noqa: N802,N805
        where, inserted = int_arg(start), text_arg(text, "value")
        if not 0 <= where <= len(value):
            raise out_of_range("Specified argument was out of the range of valid values.", "startIndex")
        return value[:where] + inserted + value[where:]

    def Remove(value: str, start: Any, count: Any = None) -> str:  # noqa: N802,N805
        begin = int_arg(start)
        if count is None:
            if begin < 0:
                raise out_of_range("StartIndex cannot be less than zero.", "startIndex")
            if begin >= len(value):
                raise out_of_range("startIndex must be less than length of string.", "startIndex")
            return value[:begin]
        length = int_arg(count)
        if length < 0:
            raise out_of_range("Count cannot be less than zero.", "count")
        if begin < 0:
            raise out_of_range("StartIndex cannot be less than zero.", "startIndex")
        if length > len(value) - begin:
            raise out_of_range("Index and count must refer to a location within the string.", "count")
        return value[:begin] + value[begin + length:]

    def ToLower(value: str, culture: Any = None) -> str:  # noqa: N802,N805
        return lower(value)  # en-US and the invariant culture agree (no Turkish i)

    def ToUpper(value: str, culture: Any = None) -> str:  # noqa: N802,N805
        return upper(value)

    def ToLowerInvariant(value: str) -> str:  # noqa: N802,N805
        return lower(value)

    def ToUpperInvariant(value: str) -> str:  # noqa: N802,N805
        return upper(value)

    def ToCharArray(value: str, start: Any = None, length: Any = None) -> clr.TypedArray:  # noqa: N802,N805
        begin, end = (0, len(value)) if start is None else _range(value, start, length)
        return clr.TypedArray("System.Char", (clr.Char(c) for c in value[begin:end]))

    def ToString(value: str, provider: Any = None) -> str:  # noqa: N802,N805
        return str(value)

    def Equals(value: str, other: Any, comparison: Any = None) -> bool:  # noqa: N802,N805
        if not isinstance(other, str) or isinstance(other, clr.Char):
            return False
        culture, ignore_case = (False, False) if comparison is None else comparison_rules(comparison)
        return equals(value, other, culture, ignore_case)

    def CompareTo(value: str, other: Any) -> int:  # noqa: N802,N805
        raise NotModeled("String.CompareTo (culture-sensitive ordering)")

    def GetHashCode(value: str) -> int:  # noqa: N802,N805
        raise NotModeled("String.GetHashCode (not stable across .NET versions)")


def _split(text: str, separators: list[str], count: int, remove_empty: bool) -> list[str]:
    """String.Split's algorithm: separators tried at each position in the order given; with `count`, the last
    piece is the rest of the string."""
    if count == 0 or (remove_empty and text == ""):
        return []
    chars = all(len(s) == 1 for s in separators) if separators else True
    pieces: list[str] = []
    start = i = 0
    while i < len(text) and len(pieces) < count - 1:
        if not separators:
            hit = 1 if text[i] in WHITE else 0
        elif chars:
            hit = 1 if text[i] in separators else 0
        else:
            hit = next((len(s) for s in separators if text.startswith(s, i)), 0)
        if hit:
            piece = text[start:i]
            if piece or not remove_empty:
                pieces.append(piece)
            i += hit
            start = i
        else:
            i += 1
    rest = text[start:]
    if rest or not remove_empty:
        pieces.append(rest)
    return pieces


class CharMembers:
    """Instance members of System.Char (https://learn.microsoft.com/dotnet/api/system.char)."""

    def ToString(value: str, provider: Any = None) -> str:  # noqa: N802,N805
        return str(value)

    def Equals(value: str, other: Any) -> bool:  # noqa: N802,N805
        return isinstance(other, clr.Char) and str(other) == str(value)

    def CompareTo(value: str, other: Any) -> int:  # noqa: N802,N805
        if is_null(other):
            return 1
        if not isinstance(other, clr.Char):
            raise clr.ArgumentException("Object must be of type Char.")
        return ord(value) - ord(other)


clr.ADAPTERS[str] = StringMembers
clr.ADAPTERS[clr.Char] = CharMembers
