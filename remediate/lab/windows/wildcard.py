"""System.Management.Automation.WildcardPattern: what `-like`, `switch -Wildcard` and cmdlets' wildcard parameters
(`Get-Service -Name 'W3*'`) match with.

Source: about_Wildcards (5.1) (https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/
about_wildcards): `*` zero or more characters, `?` exactly one character (in strings), `[a-l]` a range, `[bc]` a set,
a backtick makes the next character literal; matching is of the whole string, case-insensitive unless asked.
An unclosed `[` is WildcardPatternException ("The specified wildcard character pattern is not valid: ...").
Unlike Python's fnmatch, `[!a]` is not a negation (the `!` is a member of the set).
"""

from __future__ import annotations

import re

from remediate.lab.windows.psexceptions import WildcardPatternException


def has_wildcard(text: str) -> bool:
    """WildcardPattern.ContainsWildcardCharacters: an unescaped `*`, `?` or `[`."""
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "`":
            escaped = True
        elif ch in "*?[":
            return True
    return False


_WILDCARD_CACHE: dict[tuple[str, bool], re.Pattern[str]] = {}


def wildcard(pattern: str, case_sensitive: bool = False) -> re.Pattern[str]:
    """WildcardPattern as a Python pattern: `*` any run, `?` one character, `[abc]`/`[a-z]` one of a set (a `-`
    first or last is literal), a backtick makes the next character literal; the whole string must match."""
    key = (pattern, case_sensitive)
    cached = _WILDCARD_CACHE.get(key)
    if cached is not None:
        return cached
    out, i, n = [], 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "`" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif ch == "*":
            out.append(".*")
            i += 1
        elif ch == "?":
            out.append(".")
            i += 1
        elif ch == "[":
            end, members = i + 1, []
            while end < n and pattern[end] != "]":
                if pattern[end] == "`" and end + 1 < n:
                    end += 1
                members.append(pattern[end])
                end += 1
            if end >= n:
                raise WildcardPatternException(f"The specified wildcard character pattern is not valid: {pattern}",
                                               error_id="RuntimeException")
            out.append(_wildcard_set(pattern[i + 1:end]))
            i = end + 1
        else:
            out.append(re.escape(ch))
            i += 1
    compiled = re.compile("".join(out), re.S | (0 if case_sensitive else re.I))
    if len(_WILDCARD_CACHE) > 512:
        _WILDCARD_CACHE.clear()
    _WILDCARD_CACHE[key] = compiled
    return compiled


def _wildcard_set(body: str) -> str:
    """The inside of a wildcard `[...]`: single characters and `x-y` ranges (backtick-escaped characters literal)."""
    items, i = [], 0
    chars: list[tuple[str, bool]] = []  # (character, escaped)
    while i < len(body):
        if body[i] == "`" and i + 1 < len(body):
            chars.append((body[i + 1], True))
            i += 2
        else:
            chars.append((body[i], False))
            i += 1
    j = 0
    while j < len(chars):
        ch, _ = chars[j]
        if j + 2 < len(chars) and chars[j + 1] == ("-", False):
            items.append(f"{re.escape(ch)}-{re.escape(chars[j + 2][0])}")
            j += 3
        else:
            items.append(re.escape(ch))
            j += 1
    return "[" + "".join(items) + "]" if items else "(?!)"
