r""".NET regular expressions over Python's `re`: the .NET syntax translated, or refused where `re` differs.

Sources:
- Regular expression language quick reference:
  https://learn.microsoft.com/dotnet/standard/base-types/regular-expression-language-quick-reference
- Grouping constructs (group numbering: unnamed groups first, then named groups, left to right):
  https://learn.microsoft.com/dotnet/standard/base-types/grouping-constructs-in-regular-expressions
- Substitutions (`$1`, `${name}`, `$$`, `$&`, `` $` ``, `$'`, `$+`, `$_`):
  https://learn.microsoft.com/dotnet/standard/base-types/substitutions-in-regular-expressions
- Anchors (`\G`, `\z`, `\Z`): https://learn.microsoft.com/dotnet/standard/base-types/anchors-in-regular-expressions
- RegexOptions: https://learn.microsoft.com/dotnet/api/system.text.regularexpressions.regexoptions
- Regex.Match(String, Int32), Regex.Split: the pages of those methods (an empty match moves the next attempt one
  character on; Split includes every captured group, in group-number order).

This is the .NET regex engine of the lab, used by `System.Text.RegularExpressions.Regex` (dotnet_regex.py) and by
the interpreter's `-match`/`-replace`/`-split` (which pass IgnoreCase for the case-insensitive forms).

API: `compile_net(pattern, options) -> NetRegex` (cached); `NetRegex.match(text, start)`, `.matches(text, start)`,
`.replace(text, replacement, count, start)`, `.split(text, count, start)`, `.group_number(python_index)`,
`.net_groups()`; `python_index(net_number)` maps a .NET group number to the `re.Match` group. Invalid .NET patterns
raise ArgumentException with .NET's 'parsing "..." - reason.' message; valid .NET that `re` cannot express
faithfully (\\p{..}, RightToLeft, ECMAScript, ExplicitCapture, balancing groups, conditionals, variable-width
lookbehind, \\G other than at the start) raises NotModeled.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from remediate.lab.windows import clr
from remediate.lab.windows.refusal import NotModeled

# RegexOptions values (System.Text.RegularExpressions.RegexOptions).
IGNORE_CASE, MULTILINE, EXPLICIT_CAPTURE, COMPILED, SINGLELINE = 1, 2, 4, 8, 16
IGNORE_PATTERN_WHITESPACE, RIGHT_TO_LEFT, ECMASCRIPT, CULTURE_INVARIANT = 32, 64, 256, 512
_VALID_OPTIONS = 1 | 2 | 4 | 8 | 16 | 32 | 64 | 256 | 512

_QUANTIFIER = re.compile(r"\{\d+(?:,\d*)?\}")
_INLINE = re.compile(r"\(\?([imnsx]*)(?:-([imnsx]*))?([:)])")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPE_CLASSES = "dDwWsS"
_SIMPLE_ESCAPES = {"a": r"\a", "f": r"\f", "n": r"\n", "r": r"\r", "t": r"\t", "v": r"\v", "e": r"\x1b"}


def _bad(pattern: str, reason: str) -> clr.DotNetException:
    return clr.ArgumentException(f'parsing "{pattern}" - {reason}')


@dataclass
class _Frame:
    """An open group while translating: extra `)` owed for scoped inline options, and whether they are active."""

    closes: int = 0
    saw_option: bool = False


@dataclass
class _Translation:
    pieces: list[str | tuple[str, str]] = field(default_factory=list)  # text, or ("ref", net name/number)
    python_groups: list[str | None] = field(default_factory=list)  # per Python group: its .NET name or None
    anchored: bool = False  # the pattern starts with \G


class _Translator:
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
                if self.frames[-1].saw_option:
                    raise NotModeled("regex inline option before '|' in the same group", p)
                self.top_alternation = self.top_alternation or len(self.frames) == 1
                self.emit("|", "nothing")
                self.i += 1
            elif c in "^$.":
                self.emit(c, "atom" if c == "." else "anchor")
                self.i += 1
            else:
                self.emit(re.escape(c))
                self.i += 1
        if len(self.frames) > 1:
            raise _bad(p, "Not enough )'s.")
        self.emit(")" * self.frames[0].closes, "anchor")
        if self.out.anchored and self.top_alternation:
            raise NotModeled("regex \\G in a pattern with top-level alternation", p)
        return self.out

    def quantifier(self, text: str) -> None:
        if self.last == "nothing":
            raise _bad(self.pattern, "Quantifier {x,y} following nothing.")
        if self.last == "quantifier":
            raise _bad(self.pattern, f"Nested quantifier '{text[0]}'.")
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
            raise _bad(p, "Illegal \\ at end of pattern.")
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
                raise _bad(p, "Insufficient hex digits.")
            self.i += 2
            return re.escape(chr(int(digits, 16)))
        if c == "u":
            digits = p[self.i:self.i + 4]
            if len(digits) < 4 or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise _bad(p, "Insufficient hex digits.")
            self.i += 4
            return re.escape(chr(int(digits, 16)))
        if c == "c":
            if self.i >= len(p) or not p[self.i].isascii() or not p[self.i].isalpha():
                raise _bad(p, "Unrecognized control character.")
            self.i += 1
            return re.escape(chr(ord(p[self.i - 1].upper()) - 64))
        if c == "0":
            digits = c
            while len(digits) < 3 and self.i < len(p) and p[self.i] in "01234567":
                digits += p[self.i]
                self.i += 1
            return re.escape(chr(int(digits, 8)))
        if c.isalnum() or c == "_":
            raise _bad(p, f"Unrecognized escape sequence \\{c}.")
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
        raise _bad(p, "Malformed \\k<...> named back reference.")

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
                raise _bad(p, "Unterminated [] set.")
            c = p[self.i]
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            if c == "\\":
                if self.i + 1 >= len(p):
                    raise _bad(p, "Illegal \\ at end of pattern.")
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
                raise _bad(p, "Unterminated (?#...) comment.")
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
                raise _bad(p, "Invalid group name: Group names must begin with a word character.")
            self.push(f"(?P<{name}>", name)
            self.i += end + 1
            return
        inline = _INLINE.match(p, self.i)
        if inline:
            self.inline_options(inline)
            return
        raise _bad(p, "Unrecognized grouping construct.")

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
            self.last = "nothing"

    def close_group(self) -> None:
        if len(self.frames) == 1:
            raise _bad(self.pattern, "Too many )'s.")
        frame = self.frames.pop()
        self.i += 1
        self.emit(")" * frame.closes + ")")


class NetRegex:
    """A .NET Regex compiled to Python: `python` is the `re.Pattern`, `anchored` whether it began with \\G."""

    def __init__(self, pattern: str, options: int = 0) -> None:
        if pattern is None:
            raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: pattern")
        if options & ~_VALID_OPTIONS or options < 0:
            raise clr.ArgumentOutOfRangeException("Specified argument was out of the range of valid values."
                                                  "\r\nParameter name: options")
        if options & RIGHT_TO_LEFT:
            raise NotModeled("RegexOptions.RightToLeft", pattern)
        if options & ECMASCRIPT:
            raise NotModeled("RegexOptions.ECMAScript", pattern)
        self.pattern, self.options = pattern, options
        translation = _Translator(pattern, options).run()
        self.anchored = translation.anchored
        # .NET numbers unnamed groups 1..k left to right, then each distinct name k+1.. in order of appearance.
        unnamed = [i + 1 for i, name in enumerate(translation.python_groups) if name is None]
        names: list[str] = []
        for name in translation.python_groups:
            if name is not None and name not in names:
                names.append(name)
        self._numbers: dict[str, int] = {str(n): i + 1 for i, n in enumerate(unnamed)}
        self._python: dict[int, int | str] = {0: 0, **{i + 1: py for i, py in enumerate(unnamed)}}
        for offset, name in enumerate(names):
            self._numbers[name] = len(unnamed) + offset + 1  # .NET group names are case-sensitive
            self._python[len(unnamed) + offset + 1] = name
        self.names = ["0", *[str(n) for n in range(1, len(unnamed) + 1)], *names]
        text = "".join(self._reference(piece) if isinstance(piece, tuple) else piece for piece in translation.pieces)
        flags = (re.IGNORECASE if options & IGNORE_CASE else 0) | (re.MULTILINE if options & MULTILINE else 0) \
            | (re.DOTALL if options & SINGLELINE else 0)
        try:
            self.python = re.compile(text, flags)
        except re.error as error:
            if "look-behind" in str(error):
                raise NotModeled("regex variable-width lookbehind", pattern) from None
            raise NotModeled(f"regex {pattern!r} (Python re: {error})") from None

    def _reference(self, piece: tuple[str, str]) -> str:
        target = piece[1]
        number = int(target) if target.isdigit() else self._numbers.get(target)
        if number is None or number not in self._python or number == 0:
            raise _bad(self.pattern, f"Reference to undefined group {'number' if target.isdigit() else 'name'} "
                       f"{target}.")
        python = self._python[number]
        return f"(?P={python})" if isinstance(python, str) else f"(?:\\{python})"

    # ---- groups ----------------------------------------------------------------------------------------------

    def group_count(self) -> int:
        """Number of .NET groups including group 0."""
        return len(self.names)

    def python_index(self, net_number: int) -> int | str:
        return self._python[net_number]

    def number_of(self, name: str) -> int | None:
        """The .NET group number for a group name or number string, None if there is no such group."""
        if name.isdigit():
            return int(name) if int(name) in self._python else None
        return self._numbers.get(name)

    # ---- matching --------------------------------------------------------------------------------------------

    def match(self, text: str, start: int = 0) -> re.Match[str] | None:
        """Regex.Match(input, startat): the first match at or after `start` (at `start` exactly for \\G)."""
        if text is None:
            raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: input")
        if not 0 <= start <= len(text):
            raise clr.ArgumentOutOfRangeException("Start index cannot be less than 0 or greater than input length."
                                                  "\r\nParameter name: startat")
        return self.python.match(text, start) if self.anchored else self.python.search(text, start)

    def matches(self, text: str, start: int = 0, limit: int = -1) -> list[re.Match[str]]:
        """Regex.Matches: after an empty match the next attempt starts one character later (.NET's bump)."""
        found: list[re.Match[str]] = []
        position = start
        while position <= len(text) and (limit < 0 or len(found) < limit):
            m = self.match(text, position)
            if m is None:
                break
            found.append(m)
            position = m.end() + 1 if m.end() == m.start() else m.end()
        return found

    def group_value(self, m: re.Match[str], net_number: int) -> str | None:
        return m.group(self._python[net_number])

    def replace(self, text: str, replacement: str | Callable[[re.Match[str]], str], count: int = -1,
                start: int = 0) -> str:
        """Regex.Replace with a .NET substitution string, or a MatchEvaluator-like callable."""
        if text is None:
            raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: input")
        if replacement is None:
            raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: replacement")
        substitute = replacement if callable(replacement) else self._substitution(replacement, text)
        pieces, position = [], 0
        for m in self.matches(text, start, count):
            pieces.append(text[position:m.start()])
            pieces.append(substitute(m))
            position = m.end()
        pieces.append(text[position:])
        return "".join(pieces)

    def _substitution(self, replacement: str, text: str) -> Callable[[re.Match[str]], str]:
        """Parses a .NET replacement pattern once into literal text and group references."""
        parts: list[str | int | Callable[[re.Match[str]], str]] = []
        i = 0
        while i < len(replacement):
            c = replacement[i]
            if c != "$" or i + 1 >= len(replacement):
                parts.append(c)
                i += 1
                continue
            n = replacement[i + 1]
            digits = re.match(r"\d+", replacement[i + 1:])
            braced = re.match(r"\{([^}]*)\}", replacement[i + 1:])
            if digits and int(digits.group()) in self._python:
                parts.append(int(digits.group()))
                i += 1 + len(digits.group())
            elif braced and self.number_of(braced.group(1)) is not None:
                parts.append(self.number_of(braced.group(1)))  # type: ignore[arg-type]
                i += 1 + len(braced.group())
            elif n == "$":
                parts.append("$")
                i += 2
            elif n in "&`'+_":
                last = len(self.names) - 1
                parts.append({"&": 0, "`": lambda m: m.string[:m.start()], "'": lambda m: m.string[m.end():],
                              "+": last, "_": lambda m: m.string}[n])  # type: ignore[dict-item]
                i += 2
            else:
                parts.append("$")
                i += 1

        def substitute(m: re.Match[str]) -> str:
            return "".join(part if isinstance(part, str) else part(m) if callable(part)
                           else (self.group_value(m, part) or "") for part in parts)

        return substitute

    def split(self, text: str, count: int = 0, start: int = 0) -> list[str]:
        """Regex.Split: the pieces between matches plus each captured group, in .NET group-number order."""
        if text is None:
            raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: input")
        if count < 0:
            raise clr.ArgumentOutOfRangeException("Count cannot be less than -1.\r\nParameter name: count")
        if count == 1:
            return [text]
        pieces, position = [], 0
        for m in self.matches(text, start, count - 1 if count > 0 else -1):
            pieces.append(text[position:m.start()])
            position = m.end()
            for number in range(1, len(self.names)):
                value = self.group_value(m, number)
                if value is not None:
                    pieces.append(value)
        pieces.append(text[position:])
        return pieces


@functools.lru_cache(maxsize=512)
def compile_net(pattern: str, options: int = 0) -> NetRegex:
    """A .NET pattern compiled once per process (Regex's own cache does the same for the static methods)."""
    return NetRegex(pattern, options)


def escape(text: str) -> str:
    """Regex.Escape: \\, *, +, ?, |, {, [, (, ), ^, $, ., #, and white space (as \\t \\n \\f \\r and '\\ ')."""
    out = []
    for c in text:
        if c in "\\*+?|{[()^$.#":
            out.append("\\" + c)
        else:
            out.append({"\t": r"\t", "\n": r"\n", "\f": r"\f", "\r": r"\r", " ": "\\ ", "\v": r"\v"}.get(c, c))
    return "".join(out)
