"""PowerShell's text operators: `-like`/`-notlike`, `-match`/`-notmatch`, `-replace`, `-split`, `-join`.

Sources: lang-spec 7.8.4 "Pattern matching and text manipulation operators" and 7.2.7-7.2.8 (unary -join and
-split) (https://learn.microsoft.com/powershell/scripting/lang-spec/chapter-07); about_Comparison_Operators (5.1)
("the -like and -notlike operators return the members as strings", "$Matches ... the -match result is True, or the
-notmatch result is False"), about_Wildcards and about_Split (5.1).

The regular expressions are .NET's, through `remediate.lab.windows.netregex` (translated to Python's `re` or
refused). The case-insensitive forms pass RegexOptions.IgnoreCase, as PowerShell does.
"""

from __future__ import annotations

import re
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.netregex import (EXPLICIT_CAPTURE, IGNORE_CASE, IGNORE_PATTERN_WHITESPACE, MULTILINE,
                                            SINGLELINE, NetRegex, compile_net, escape)
from remediate.lab.windows.psexceptions import PSArgumentException, RuntimeException
from remediate.lab.windows.wildcard import wildcard
from remediate.lab.windows.refusal import NotModeled

from remediate.lab.pwsh import typenames
from remediate.lab.pwsh.convert import convert
from remediate.lab.pwsh.values import to_string

def _strings(value: Any) -> list[Any] | None:
    """The elements of a collection on the left of a text operator, or None for a scalar."""
    return list(value) if typenames.is_enumerable(value) else None


def like(value: Any, pattern: Any, *, case_sensitive: bool = False, negate: bool = False, ofs: str = " ") -> Any:
    """`value -like pattern` (7.8.4.1): a bool, or for a collection the matching elements as strings."""
    compiled = wildcard(to_string(pattern, ofs), case_sensitive)
    items = _strings(value)
    if items is None:
        return (compiled.fullmatch(to_string(value, ofs)) is not None) != negate
    texts = [to_string(item, ofs) for item in items]
    return [text for text in texts if (compiled.fullmatch(text) is not None) != negate]


# ---- regular expressions -------------------------------------------------------------------------------------

def regex(pattern: Any, case_sensitive: bool = False, extra: int = 0, ofs: str = " ") -> NetRegex:
    if isinstance(pattern, NetRegex):
        return pattern
    return compile_net(to_string(pattern, ofs), (0 if case_sensitive else IGNORE_CASE) | extra)


def matches_table(compiled: NetRegex, found: re.Match[str]) -> clr.Hashtable:
    """`$Matches`: key 0 the whole match, then each group that took part, numbered groups by Int32 number and named
    groups by name (PowerShell adds only the groups whose Success is true)."""
    table = clr.Hashtable()
    for number, name in enumerate(compiled.names):
        text = compiled.group_value(found, number)
        if text is not None:
            table[int(name) if name.isdigit() else name] = text
    return table


def match(value: Any, pattern: Any, *, case_sensitive: bool = False, negate: bool = False,
          ofs: str = " ") -> tuple[Any, clr.Hashtable | None]:
    """`value -match pattern` (7.8.4.2) -> (result, matches). For a scalar: (bool, the `$Matches` table when the
    string matched, else None: the caller leaves `$Matches` alone then). For a collection: (the elements that
    match, or do not for -notmatch, None): `$Matches` is not set."""
    compiled = regex(pattern, case_sensitive, ofs=ofs)
    items = _strings(value)
    if items is None:
        found = compiled.match(to_string(value, ofs))
        table = matches_table(compiled, found) if found is not None else None
        return (found is not None) != negate, table
    return [item for item in items if (compiled.match(to_string(item, ofs)) is not None) != negate], None


def _operands(right: Any, operator: str) -> list[Any]:
    if typenames.is_enumerable(right):
        return list(right)
    return [right]


def replace(value: Any, right: Any, *, case_sensitive: bool = False, ofs: str = " ") -> Any:
    """`value -replace pattern[, replacement]` (7.8.4.3): .NET substitutions in the replacement ($1, ${name}, $$,
    $&, ...); a collection on the left gives an object[] of each element's result."""
    operands = _operands(right, "replace")
    if len(operands) > 2:
        name = "-creplace" if case_sensitive else "-replace"
        raise RuntimeException(f"The {name} operator allows only two elements to follow it, not {len(operands)}.",
                               error_id="BadReplaceArgument")
    pattern = operands[0] if operands else ""
    replacement = to_string(operands[1], ofs) if len(operands) == 2 else ""
    compiled = regex(pattern, case_sensitive, ofs=ofs)
    items = _strings(value)
    if items is None:
        return compiled.replace(to_string(value, ofs), replacement)
    return [compiled.replace(to_string(item, ofs), replacement) for item in items]


_SPLIT_OPTIONS = {"SimpleMatch": 0, "RegexMatch": 0, "CultureInvariant": 0, "IgnorePatternWhitespace":
                  IGNORE_PATTERN_WHITESPACE, "Multiline": MULTILINE, "Singleline": SINGLELINE,
                  "IgnoreCase": IGNORE_CASE, "ExplicitCapture": EXPLICIT_CAPTURE}


def _split_options(text: str) -> tuple[set[str], int]:
    names = {part.strip() for part in text.split(",") if part.strip()}
    unknown = [name for name in names if name not in _SPLIT_OPTIONS]
    if unknown:
        raise PSArgumentException(f'Cannot convert value "{text}" to type '
                                  f'"System.Management.Automation.SplitOptions".', error_id="InvalidCastFromString")
    if "SimpleMatch" in names and names - {"SimpleMatch", "IgnoreCase"}:
        raise PSArgumentException("Cannot use SimpleMatch with options other than IgnoreCase.",
                                  error_id="InvalidSplitOptionCombination")
    if {"Multiline", "Singleline"} <= names:
        raise PSArgumentException("Cannot use both Multiline and Singleline.",
                                  error_id="InvalidSplitOptionCombination")
    flags = 0
    for name in names:
        flags |= _SPLIT_OPTIONS[name]
    return names, flags


def split(value: Any, right: Any = None, *, case_sensitive: bool = False, unary: bool = False,
          ofs: str = " ") -> clr.TypedArray:
    """`-split value` (7.2.8: runs of white space, leading/trailing ignored) or `value -split right` (7.8.4.5:
    right is a delimiter regex, or (delimiter, max count[, options])). The result is a string[]."""
    items = _strings(value)
    texts = [to_string(item, ofs) for item in (items if items is not None else [value])]
    if unary:
        whitespace = compile_net(r"\s+")
        result: list[str] = []
        for text in texts:
            result.extend(whitespace.split(text.strip(" \t\n\r\f\v\x85\xa0")))
        return clr.TypedArray("System.String", result)
    operands = _operands(right, "split")
    if operands and not isinstance(operands[0], (str, NetRegex)) and getattr(operands[0], "TYPE_NAME", "") \
            == typenames.SMA + "ScriptBlock":
        raise NotModeled("-split with a script block delimiter")
    if len(operands) > 3:
        raise RuntimeException(f"The -split operator allows only three elements to follow it, not {len(operands)}.",
                               error_id="BadSplitArgument")
    delimiter = to_string(operands[0], ofs) if operands else ""
    count = convert(operands[1], "System.Int32") if len(operands) > 1 else 0
    names, flags = _split_options(to_string(operands[2], ofs)) if len(operands) > 2 else (set(), 0)
    if "SimpleMatch" in names:
        delimiter = escape(delimiter)  # Regex.Escape: the delimiter is literal text
    if not case_sensitive:
        flags |= IGNORE_CASE
    compiled = compile_net(delimiter, flags)
    result = []
    for text in texts:
        result.extend(compiled.split(text, count if count > 0 else 0))
    return clr.TypedArray("System.String", result)


def join(value: Any, separator: Any = None, *, ofs: str = " ") -> str:
    """`value -join separator` (7.8.4.4) and unary `-join value` (7.2.7, separator None): each element's string
    form ($null as ''), a scalar as a one-element collection."""
    items = _strings(value)
    texts = [to_string(item, ofs) for item in (items if items is not None else [value])]
    return ("" if separator is None else to_string(separator, ofs)).join(texts)
