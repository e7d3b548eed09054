"""LDAP search filters as Active Directory evaluates them: RFC 4515's string form, matched on an object's attributes.

Grammar (RFC 4515 section 3): `(&...)`, `(|...)`, `(!...)`, `(attr=value)`, `(attr=*)` presence, substrings
`(attr=ab*c*d)`, `(attr>=v)`, `(attr<=v)`; in a value, `\\XX` is the byte XX (UTF-8) and `*`, `(`, `)`, `\\` must be
escaped. Approximate (`~=`) and extensible (`:=`, `:1.2.840.113556.1.4.803:`) matches are not modelled: refused.
Matching follows the attribute's syntax as AD's schema gives it (learn.microsoft.com/windows/win32/adschema): the
string syntaxes and objectClass's OID syntax compare without regard to case; integer attributes compare as numbers.
A filter that does not parse is `None` (DirectorySearcher turns it into its ArgumentException).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from remediate.lab.windows.refusal import NotModeled

Matcher = Callable[[dict[str, list[Any]]], bool]  # casefolded attribute name -> values


class _Invalid(Exception):
    pass


def parse(text: str) -> Matcher | None:
    """The filter as a predicate over an object's attributes, or None when the text is no valid filter.

    A filter without its outer parentheses is taken, as ADSI takes it (`objectClass=*`)."""
    source = text.strip()
    if source and not source.startswith("("):
        source = f"({source})"
    try:
        matcher, end = _filter(source, 0)
    except _Invalid:
        return None
    if end != len(source):
        return None
    return matcher


def _filter(text: str, at: int) -> tuple[Matcher, int]:
    if at >= len(text) or text[at] != "(":
        raise _Invalid
    at += 1
    if at < len(text) and text[at] in "&|":
        operator = text[at]
        at += 1
        parts: list[Matcher] = []
        while at < len(text) and text[at] == "(":
            part, at = _filter(text, at)
            parts.append(part)
        if not parts:
            raise _Invalid
        combined = _all(parts) if operator == "&" else _any(parts)
        return combined, _close(text, at)
    if at < len(text) and text[at] == "!":
        inner, at = _filter(text, at + 1)
        return (lambda attrs: not inner(attrs)), _close(text, at)
    end = text.find(")", at)
    if end < 0:
        raise _Invalid
    return _item(text[at:end]), end + 1


def _close(text: str, at: int) -> int:
    if at >= len(text) or text[at] != ")":
        raise _Invalid
    return at + 1


def _all(parts: list[Matcher]) -> Matcher:
    return lambda attrs: all(part(attrs) for part in parts)


def _any(parts: list[Matcher]) -> Matcher:
    return lambda attrs: any(part(attrs) for part in parts)


def _item(item: str) -> Matcher:
    for operator in (">=", "<=", "~="):
        if operator in item:
            name, _, value = item.partition(operator)
            if operator == "~=":
                raise NotModeled("LDAP approximate match (~=)", item)
            return _ordering(_attribute(name), _unescape(value), operator)
    name, sep, value = item.partition("=")
    if not sep:
        raise _Invalid
    if ":" in name:
        raise NotModeled("LDAP extensible match", item)
    attribute = _attribute(name)
    if value == "*":
        return lambda attrs: bool(attrs.get(attribute))
    if "*" in value:
        pieces = [_unescape(p).casefold() for p in value.split("*")]
        return lambda attrs: any(_substrings(_text(v), pieces) for v in attrs.get(attribute, []))
    wanted = _unescape(value)
    return lambda attrs: any(_equal(v, wanted) for v in attrs.get(attribute, []))


def _attribute(name: str) -> str:
    name = name.strip()
    if not name or not all(c.isalnum() or c in "-;." for c in name):
        raise _Invalid
    if name.casefold() == "objectcategory":
        # AD expands a short objectCategory to its schema DN; the lab's objects carry no categories.
        raise NotModeled("LDAP filter on objectCategory", "filter on objectClass")
    return name.casefold()


def _unescape(value: str) -> str:
    """RFC 4515 value: `\\XX` escapes of UTF-8 bytes; a bare `(`, `)` or `*` here is a syntax error."""
    if "(" in value or ")" in value:
        raise _Invalid
    out = bytearray()
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\":
            pair = value[index + 1:index + 3]
            if len(pair) != 2 or not all(c in "0123456789abcdefABCDEF" for c in pair):
                raise _Invalid
            out.append(int(pair, 16))
            index += 3
        else:
            out.extend(char.encode("utf-8"))
            index += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise _Invalid from None


def _text(value: Any) -> str:
    return (str(value) if not isinstance(value, bool) else ("TRUE" if value else "FALSE")).casefold()


def _equal(value: Any, wanted: str) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return int(wanted) == value
        except ValueError:
            return False
    return _text(value) == wanted.casefold()


def _substrings(value: str, pieces: list[str]) -> bool:
    first, *middle, last = pieces
    if not value.startswith(first) or not value.endswith(last) or len(value) < len(first) + len(last):
        return False
    at = len(first)
    stop = len(value) - len(last)
    for piece in middle:
        found = value.find(piece, at, stop)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def _ordering(attribute: str, wanted: str, operator: str) -> Matcher:
    def match(attrs: dict[str, list[Any]]) -> bool:
        for value in attrs.get(attribute, []):
            if isinstance(value, int) and not isinstance(value, bool):
                try:
                    left, right = value, int(wanted)
                except ValueError:
                    continue
                if (left >= right) if operator == ">=" else (left <= right):
                    return True
            elif (_text(value) >= wanted.casefold()) if operator == ">=" else (_text(value) <= wanted.casefold()):
                return True
        return False

    return match
