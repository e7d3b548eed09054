""".NET regular-expression syntax, translated to Python `re` syntax (see netregex.py for the sources and the API).

One left-to-right pass over the .NET pattern: .NET escapes (\\e, \\cX, \\0oo, \\x hh, \\z/\\Z, \\G at the start),
character classes (`[`, `&`, `~`, `|` literal), named groups `(?<n>...)`/`(?'n'...)`, inline options scoped to their
group, `{,n}` literal. The result keeps each Python group's .NET name, so netregex.py can number groups as .NET does.
Invalid .NET syntax raises ArgumentException with .NET's message; what `re` cannot express raises NotModeled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from remediate.lab.windows import clr
from remediate.lab.windows.refusal import NotModeled

# RegexOptions values (https://learn.microsoft.com/dotnet/api/system.text.regularexpressions.regexoptions).
IGNORE_CASE, MULTILINE, EXPLICIT_CAPTURE, COMPILED, SINGLELINE = 1, 2, 4, 8, 16
IGNORE_PATTERN_WHITESPACE, RIGHT_TO_LEFT, ECMASCRIPT, CULTURE_INVARIANT = 32, 64, 256, 512
VALID_OPTIONS = 1 | 2 | 4 | 8 | 16 | 32 | 64 | 256 | 512

_QUANTIFIER = re.compile(r"\{\d+(?:,\d*)?\}")
_INLINE = re.compile(r"\(\?([imnsx]*)(?:-([imnsx]*))?([:)])")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPE_CLASSES = "dDwWsS"
_SIMPLE_ESCAPES = {"a": r"\a", "f": r"\f", "n": r"\n", "r": r"\r", "t": r"\t", "v": r"\v", "e": r"\x1b"}


def bad(pattern: str, reason: str) -> clr.DotNetException:
    return clr.ArgumentException(f'parsing "{pattern}" - {reason}')


@dataclass
class _Frame:
    """An open group while translating: extra `)` owed for scoped inline options, and whether they are active."""

    closes: int = 0
    saw_option: bool = False
    reopen: list[str] = field(default_factory=list)  # the scoped option groups to reopen after a `|`


@dataclass
class _Translation:
    pieces: list[str | tuple[str, str]] = field(default_factory=list)  # text, or ("ref", net name/number)
    python_groups: list[str | None] = field(default_factory=list)  # per Python group: its .NET name or None
    anchored: bool = False  # the pattern starts with \G


class Translator:
    """One left-to-right pass over a .NET pattern, writing the equivalent Python pattern."""

    def __init__(self, pattern: str, options: int) -> None:
        self.pattern, self.options, self.i = pattern, options, 0
        self.out = _Translation()
        self.frames: list[_Frame] = [_Frame()]
        # What a quantifier would follow: "atom", "quantifier", "anchor" or "nothing" (group start, `|`, start).
        self.last = "nothing"
        self.top_alternation = False
        self.verbose = bool(options & IGNORE_PATTERN_WHITESPACE)

    def emit(self, text: str, last: str = "atom") -> None:
        self.out.pieces.append(text)
        self.last = last

    def run(self) -> _Translation:
        p = self.pattern
        while self.i < len(p):
            c = p[self.i]
            if self.verbose and c in " \t\n\r\f\v":
                self.i += 1
            elif self.verbose and c == "#":
                end = p.find("\n", self.i)
                self.i = len(p) if end < 0 else end + 1
            elif c == "\\":
                self.escape()
            elif c == "[":
                self.char_class()
            elif c == "(":
                self.open_group()
            elif c == ")":
                self.close_group()
            elif c in "*+?":
                self.quantifier(c)
            elif c == "{" and _QUANTIFIER.match(p, self.i):
                self.quantifier(_QUANTIFIER.match(p, self.i).group())
            elif c == "|":
                # .NET: an inline option holds to the end of its group, later alternatives included, so the scoped
                # groups close before the `|` and open again after it (`a(?i)b|c` is `a(?i:b)|(?i:c)`).
                frame = self.frames[-1]
                self.top_alternation = self.top_alternation or len(self.frames) == 1
                self.out.pieces.append(")" * frame.closes)
                self.emit("|", "nothing")
                self.out.pieces.extend(frame.reopen)
                self.i += 1
            elif c in "^$.":
                self.emit(c, "atom" if c == "." else "anchor")
                self.i += 1
            else:
                self.emit(re.escape(c))
                self.i += 1
        if len(self.frames) > 1:
            raise bad(p, "Not enough )'s.")
        self.emit(")" * self.frames[0].closes, "anchor")
        if self.out.anchored and self.top_alternation:
            raise NotModeled("regex \\G in a pattern with top-level alternation", p)
        return self.out

    def quantifier(self, text: str) -> None:
        if self.last == "nothing":
            raise bad(self.pattern, "Quantifier {x,y} following nothing.")
        if self.last == "quantifier":
            raise bad(self.pattern, f"Nested quantifier '{text[0]}'.")
        if self.last == "anchor":
            raise NotModeled("regex quantifier after an anchor", self.pattern)
        self.i += len(text)
        if self.i < len(self.pattern) and self.pattern[self.i] == "?":  # lazy
            text += "?"
            self.i += 1
        self.emit(text, "quantifier")

    # ---- escapes ---------------------------------------------------------------------------------------------

    def escape(self) -> None:
        p = self.pattern
        if self.i + 1 >= len(p):
            raise bad(p, "Illegal \\ at end of pattern.")
        c = p[self.i + 1]
        self.i += 2
        if c == "G":
            if self.out.pieces or len(self.frames) > 1:
                raise NotModeled("regex \\G other than at the start of a pattern without alternation", p)
            self.out.anchored = True
        elif c == "A":
            self.emit(r"\A", "anchor")
        elif c == "z":
            self.emit(r"\Z", "anchor")
        elif c == "Z":
            self.emit(r"(?=\n?\Z)", "anchor")
        elif c in "bB":
            self.emit("\\" + c, "anchor")
        elif c == "k":
            self.named_reference()
        elif c.isdigit():
            self.numbered_reference_or_octal(c)
        elif c in "pP":
            raise NotModeled("regex Unicode category \\" + c, p)
        else:
            self.emit(self.char_escape(c))

    def char_escape(self, c: str) -> str:
        """An escape that stands for characters (also valid inside a class); self.i is past `\\c`."""
        p = self.pattern
        if c in _ESCAPE_CLASSES:
            return "\\" + c
        if c in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[c]
        if c == "x":
            digits = p[self.i:self.i + 2]
            if len(digits) < 2 or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise bad(p, "Insufficient hex digits.")
            self.i += 2
            return re.escape(chr(int(digits, 16)))
        if c == "u":
            digits = p[self.i:self.i + 4]
            if len(digits) < 4 or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise bad(p, "Insufficient hex digits.")
            self.i += 4
            return re.escape(chr(int(digits, 16)))
        if c == "c":
            if self.i >= len(p) or not p[self.i].isascii() or not p[self.i].isalpha():
                raise bad(p, "Unrecognized control character.")
            self.i += 1
            return re.escape(chr(ord(p[self.i - 1].upper()) - 64))
        if c == "0":
            digits = c
            while len(digits) < 3 and self.i < len(p) and p[self.i] in "01234567":
                digits += p[self.i]
                self.i += 1
            return re.escape(chr(int(digits, 8)))
        if c.isalnum() or c == "_":
            raise bad(p, f"Unrecognized escape sequence \\{c}.")
        return re.escape(c)

    def numbered_reference_or_octal(self, first: str) -> None:
        if first == "0":
            self.emit(self.char_escape(first))
            return
        start = self.i - 1
        while self.i < len(self.pattern) and self.pattern[self.i].isdigit():
            self.i += 1
        number = self.pattern[start:self.i]
        if len(number) > 1:
            raise NotModeled("regex multi-digit backreference or octal escape \\" + number, self.pattern)
        self.out.pieces.append(("ref", number))
        self.last = "atom"

    def named_reference(self) -> None:
        p = self.pattern
        if self.i < len(p) and p[self.i] in "<'":
            close = ">" if p[self.i] == "<" else "'"
            end = p.find(close, self.i + 1)
            name = p[self.i + 1:end] if end > 0 else ""
            if name and (name.isdigit() or _NAME.fullmatch(name)):
                self.i = end + 1
                self.out.pieces.append(("ref", name))
                self.last = "atom"
                return
        raise bad(p, "Malformed \\k<...> named back reference.")

    # ---- character classes -----------------------------------------------------------------------------------

    def char_class(self) -> None:
        p, parts = self.pattern, ["["]
        self.i += 1
        if self.i < len(p) and p[self.i] == "^":
            parts.append("^")
            self.i += 1
        first = True
        while True:
            if self.i >= len(p):
                raise bad(p, "Unterminated [] set.")
            c = p[self.i]
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            if c == "\\":
                if self.i + 1 >= len(p):
                    raise bad(p, "Illegal \\ at end of pattern.")
                e = p[self.i + 1]
                self.i += 2
                if e in "pP":
                    raise NotModeled("regex Unicode category \\" + e, p)
                parts.append(r"\x08" if e == "b" else self.char_escape(e))
            elif c == "-" and self.i + 1 < len(p) and p[self.i + 1] == "[":
                raise NotModeled("regex character class subtraction", p)
            elif c == "-":
                parts.append("-")
                self.i += 1
            else:
                # `[`, `&`, `~`, `|` are literal in .NET classes; Python warns about (future) set operations.
                parts.append(re.escape(c) if c in "[&~|^" else c)
                self.i += 1
        parts.append("]")
        self.emit("".join(parts))

    # ---- groups ----------------------------------------------------------------------------------------------

    def open_group(self) -> None:
        p, rest = self.pattern, self.pattern[self.i:]
        if not rest.startswith("(?"):
            if self.options & EXPLICIT_CAPTURE:
                raise NotModeled("RegexOptions.ExplicitCapture", p)
            self.push("(", None)
            self.i += 1
            return
        for prefix in ("(?:", "(?=", "(?!", "(?<=", "(?<!", "(?>"):
            if rest.startswith(prefix):
                self.push(prefix, False)
                self.i += len(prefix)
                return
        if rest.startswith("(?#"):
            end = p.find(")", self.i)
            if end < 0:
                raise bad(p, "Unterminated (?#...) comment.")
            self.i = end + 1
            return
        if rest.startswith("(?("):
            raise NotModeled("regex conditional (?(...)...)", p)
        if rest[2:3] in ("<", "'"):
            close = ">" if rest[2] == "<" else "'"
            end = rest.find(close, 3)
            name = rest[3:end] if end > 0 else ""
            if "-" in name:
                raise NotModeled("regex balancing group", p)
            if name.isdigit():
                raise NotModeled("regex numbered group (?<N>...)", p)
            if not _NAME.fullmatch(name):
                raise bad(p, "Invalid group name: Group names must begin with a word character.")
            self.push(f"(?P<{name}>", name)
            self.i += end + 1
            return
        inline = _INLINE.match(p, self.i)
        if inline:
            self.inline_options(inline)
            return
        raise bad(p, "Unrecognized grouping construct.")

    def push(self, text: str, group: str | None | bool) -> None:
        if group is not False:
            self.out.python_groups.append(group)  # type: ignore[arg-type]
        self.out.pieces.append(text)
        self.frames.append(_Frame())
        self.last = "nothing"

    def inline_options(self, inline: re.Match[str]) -> None:
        on, off, end = inline.group(1), inline.group(2) or "", inline.group(3)
        if "n" in on + off:
            raise NotModeled("regex inline option n (ExplicitCapture)", self.pattern)
        if "x" in on + off:
            raise NotModeled("regex inline option x", self.pattern)
        flags = on + ("-" + off if off else "")
        self.i = inline.end()
        if end == ":":
            self.push(f"(?{flags}:" if flags else "(?:", False)
        elif flags:
            # .NET: the options hold to the end of the enclosing group; Python's scoped form says the same.
            self.out.pieces.append(f"(?{flags}:")
            self.frames[-1].closes += 1
            self.frames[-1].saw_option = True
            self.frames[-1].reopen.append(f"(?{flags}:")
            self.last = "nothing"

    def close_group(self) -> None:
        if len(self.frames) == 1:
            raise bad(self.pattern, "Too many )'s.")
        frame = self.frames.pop()
        self.i += 1
        self.emit(")" * frame.closes + ")")
