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

from remediate.lab.windows import clr
from remediate.lab.windows.netregex_syntax import (
    ECMASCRIPT, EXPLICIT_CAPTURE, IGNORE_CASE, IGNORE_PATTERN_WHITESPACE, MULTILINE, RIGHT_TO_LEFT, SINGLELINE,
    VALID_OPTIONS, Translator, bad,
)
from remediate.lab.windows.refusal import NotModeled

__all__ = ["ECMASCRIPT", "EXPLICIT_CAPTURE", "IGNORE_CASE", "IGNORE_PATTERN_WHITESPACE", "MULTILINE", "RIGHT_TO_LEFT",
           "SINGLELINE", "NetRegex", "compile_net", "escape"]

class NetRegex:
    """A .NET Regex compiled to Python: `python` is the `re.Pattern`, `anchored` whether it began with \\G."""

    def __init__(self, pattern: str, options: int = 0) -> None:
        if pattern is None:
            raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: pattern")
        if options & ~VALID_OPTIONS or options < 0:
            raise clr.ArgumentOutOfRangeException("Specified argument was out of the range of valid values."
                                                  "\r\nParameter name: options")
        if options & RIGHT_TO_LEFT:
            raise NotModeled("RegexOptions.RightToLeft", pattern)
        if options & ECMASCRIPT:
            raise NotModeled("RegexOptions.ECMAScript", pattern)
        self.pattern, self.options = pattern, options
        translation = Translator(pattern, options).run()
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
            raise bad(self.pattern, f"Reference to undefined group {'number' if target.isdigit() else 'name'} "
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

    def expand(self, m: re.Match[str], replacement: str) -> str:
        """Match.Result(replacement): the .NET substitution pattern expanded for one match."""
        return self._substitution(replacement, m.string)(m)

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
