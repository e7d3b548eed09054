"""System.Text.RegularExpressions: Regex (constructor, instance and static Match/Matches/IsMatch/Replace/Split,
Escape), Match, Group, GroupCollection, MatchCollection, RegexOptions; the engine is netregex (.NET syntax over
Python's re, refusing what it cannot express).

Sources (learn.microsoft.com/dotnet/api/...): system.text.regularexpressions.regex (and its Match, Matches, IsMatch,
Replace, Split, Escape pages), .match (Success, Value, Index, Length, Groups, NextMatch, Result),
.groupcollection (an index or name that is no group gives a group whose Success is false and Value ""),
.regexoptions.

Regex's statics and instance methods share names (`[regex]::Match(input, pattern)` and `$rx.Match(input)`): the
registered class `Regex` holds the statics and builds instances of its subclass `RegexInstance`, which holds the
instance methods, so both resolve by name.
"""

from __future__ import annotations

import re
from typing import Any

from remediate.lab.windows import clr, netregex
from remediate.lab.windows.dotnet_args import enum_arg, int_arg, is_null, null_arg, out_of_range, string_array
from remediate.lab.windows.refusal import NotModeled

RegexOptions = clr.register(clr.EnumType("System.Text.RegularExpressions.RegexOptions", {
    "None": 0, "IgnoreCase": 1, "Multiline": 2, "ExplicitCapture": 4, "Compiled": 8, "Singleline": 16,
    "IgnorePatternWhitespace": 32, "RightToLeft": 64, "ECMAScript": 256, "CultureInvariant": 512}, flags=True))


def _input(value: Any) -> str:
    if is_null(value):
        raise null_arg("input")
    return clr.to_str(value)


@clr.register
class Group(clr.DotNetObject):
    """One group of a match (System.Text.RegularExpressions.Group)."""

    TYPE_NAME = "System.Text.RegularExpressions.Group"

    def __init__(self, text: str, start: int, end: int, success: bool) -> None:
        self._text, self._start, self._end, self._success = text, start, end, success

    Success = property(lambda self: self._success)
    Value = property(lambda self: self._text[self._start:self._end] if self._success else "")
    Index = property(lambda self: self._start if self._success else 0)
    Length = property(lambda self: self._end - self._start if self._success else 0)

    @property
    def Captures(self) -> Any:  # noqa: N802
        raise NotModeled("Group.Captures (Python's re keeps only a group's last capture)")

    def ToString(self) -> str:  # noqa: N802
        return self.Value


_FAILED = Group("", 0, 0, False)


@clr.register
class GroupCollection(clr.DotNetObject):
    """Match.Groups: indexed by .NET group number or name."""

    TYPE_NAME = "System.Text.RegularExpressions.GroupCollection"

    def __init__(self, regex: netregex.NetRegex, m: re.Match[str] | None) -> None:
        self._regex, self._m = regex, m

    def _group(self, number: int | None) -> Group:
        if self._m is None or number is None or not 0 <= number < self._regex.group_count():
            return _FAILED
        python = self._regex.python_index(number)
        start, end = self._m.span(python)
        return Group(self._m.string, start, end, start >= 0) if start >= 0 else _FAILED

    def __getitem__(self, key: Any) -> Group:
        if isinstance(key, str) and not isinstance(key, clr.Char):
            return self._group(self._regex.number_of(key))
        return self._group(int_arg(key))

    def __iter__(self) -> Any:
        return iter([self._group(n) for n in range(self._regex.group_count())])

    @property
    def Count(self) -> int:  # noqa: N802
        return self._regex.group_count() if self._m is not None else 1

    def get_Item(self, key: Any) -> Group:  # noqa: N802
        return self[key]


@clr.register
class Match(Group):
    """A match (System.Text.RegularExpressions.Match); a failed one has Success false."""

    TYPE_NAME = "System.Text.RegularExpressions.Match"

    def __init__(self, regex: netregex.NetRegex, text: str, m: re.Match[str] | None) -> None:
        super().__init__(text, m.start() if m else 0, m.end() if m else 0, m is not None)
        self._regex, self._m = regex, m

    @property
    def Groups(self) -> GroupCollection:  # noqa: N802
        return GroupCollection(self._regex, self._m)

    def NextMatch(self) -> Match:  # noqa: N802
        if self._m is None:
            return self
        start = self._m.end() + (1 if self._m.end() == self._m.start() else 0)
        if start > len(self._text):
            return Match(self._regex, self._text, None)
        return Match(self._regex, self._text, self._regex.match(self._text, start))

    def Result(self, replacement: Any) -> str:  # noqa: N802
        if is_null(replacement):
            raise null_arg("replacement")
        if self._m is None:
            raise clr.NotSupportedException("Result cannot be called on a failed Match.")
        return self._regex.expand(self._m, clr.to_str(replacement))


@clr.register
class MatchCollection(clr.DotNetObject):
    """Regex.Matches: the successful matches, in order."""

    TYPE_NAME = "System.Text.RegularExpressions.MatchCollection"

    def __init__(self, matches: list[Match]) -> None:
        self._matches = matches

    def __iter__(self) -> Any:
        return iter(list(self._matches))

    def __getitem__(self, index: Any) -> Match:
        where = int_arg(index)
        if not 0 <= where < len(self._matches):
            raise out_of_range("Specified argument was out of the range of valid values.", "i")
        return self._matches[where]

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._matches)


def _options(value: Any) -> int:
    return 0 if value is None else enum_arg(value, RegexOptions)


def _start(text: str, value: Any) -> int:
    where = int_arg(value)
    if not 0 <= where <= len(text):
        raise out_of_range("Start index cannot be less than 0 or greater than input length.", "startat")
    return where


@clr.register
class Regex(clr.DotNetObject):
    """System.Text.RegularExpressions.Regex: the constructor and the statics."""

    TYPE_NAME = "System.Text.RegularExpressions.Regex"

    @classmethod
    def new(cls, rt: Any, pattern: Any, options: Any = None) -> RegexInstance:
        if is_null(pattern):
            raise null_arg("pattern")
        return RegexInstance(netregex.compile_net(clr.to_str(pattern), _options(options)))

    @clr.static
    def Match(rt: Any, text: Any, pattern: Any, options: Any = None) -> Match:  # noqa: N802,N805
        return Regex.new(rt, pattern, options).Match(text)

    @clr.static
    def Matches(rt: Any, text: Any, pattern: Any, options: Any = None) -> MatchCollection:  # noqa: N802,N805
        return Regex.new(rt, pattern, options).Matches(text)

    @clr.static
    def IsMatch(rt: Any, text: Any, pattern: Any, options: Any = None) -> bool:  # noqa: N802,N805
        return Regex.new(rt, pattern, options).IsMatch(text)

    @clr.static
    def Replace(rt: Any, text: Any, pattern: Any, replacement: Any, options: Any = None) -> str:  # noqa: N802,N805
        return Regex.new(rt, pattern, options).Replace(text, replacement)

    @clr.static
    def Split(rt: Any, text: Any, pattern: Any, options: Any = None) -> clr.TypedArray:  # noqa: N802,N805
        return Regex.new(rt, pattern, options).Split(text)

    @clr.static
    def Escape(rt: Any, text: Any) -> str:  # noqa: N802,N805
        if is_null(text):
            raise null_arg("str")
        return netregex.escape(clr.to_str(text))


class RegexInstance(Regex):
    """A Regex object (`[regex]'...'`, `New-Object regex`): the instance members."""

    def __init__(self, compiled: netregex.NetRegex) -> None:
        self._regex = compiled

    @property
    def Options(self) -> clr.EnumValue:  # noqa: N802
        return clr.EnumValue(RegexOptions, ", ".join(n for n, v in RegexOptions.members.items()
                                                     if v and self._regex.options & v
                                                     and n not in ("None",)) or "None", self._regex.options)

    def Match(self, text: Any, start: Any = None, length: Any = None) -> Match:  # noqa: N802
        """Match(input), Match(input, startat), Match(input, beginning, length)."""
        value = _input(text)
        if length is not None:
            raise NotModeled("Regex.Match(input, beginning, length)")
        begin = 0 if start is None else _start(value, start)
        return Match(self._regex, value, self._regex.match(value, begin))

    def Matches(self, text: Any, start: Any = None) -> MatchCollection:  # noqa: N802
        value = _input(text)
        begin = 0 if start is None else _start(value, start)
        return MatchCollection([Match(self._regex, value, m) for m in self._regex.matches(value, begin)])

    def IsMatch(self, text: Any, start: Any = None) -> bool:  # noqa: N802
        value = _input(text)
        return self._regex.match(value, 0 if start is None else _start(value, start)) is not None

    def Replace(self, text: Any, replacement: Any, count: Any = None, start: Any = None) -> str:  # noqa: N802
        value = _input(text)
        if is_null(replacement):
            raise null_arg("replacement")
        if not isinstance(replacement, str):
            raise NotModeled("Regex.Replace with a MatchEvaluator")
        limit = -1 if count is None else int_arg(count)
        if limit < -1:
            raise out_of_range("Count cannot be less than -1.", "count")
        begin = 0 if start is None else _start(value, start)
        return self._regex.replace(value, replacement, limit, begin)

    def Split(self, text: Any, count: Any = None, start: Any = None) -> clr.TypedArray:  # noqa: N802
        value = _input(text)
        limit = 0 if count is None else int_arg(count)
        begin = 0 if start is None else _start(value, start)
        return string_array(self._regex.split(value, limit, begin))

    def GetGroupNames(self) -> clr.TypedArray:  # noqa: N802
        return string_array(list(self._regex.names))

    def GetGroupNumbers(self) -> clr.TypedArray:  # noqa: N802
        return clr.TypedArray("System.Int32", range(self._regex.group_count()))

    def ToString(self) -> str:  # noqa: N802
        return self._regex.pattern
