"""The one sanitising function for text that reaches a terminal from a host, a file or a playbook.

A registry value name, a banner, a lock owner planted on a server, a variable in an inventory: any of them can
hold `ESC ] 0 ; title BEL` (retitles the window), `ESC [ 2 J` (clears it), a C1 CSI (U+009B, read as ESC [ by
many terminals) or U+202E (right-to-left override: `exe.txt` reads as `txt.exe`). Printed raw they act on the
operator's terminal instead of being read. The contract:

- `clean(text)` MUST be applied to every such string before it is written as text (terminal, progress lines,
  error lines). It returns the text with every C0 control (U+0000-U+001F, newlines and tabs included: a value
  must not forge a line of output), DEL, every C1 control (U+0080-U+009F), the bidirectional marks, embeddings,
  overrides and isolates (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and the Unicode line and
  paragraph separators (U+2028, U+2029) shown escaped as `\\n`, `\\r`, `\\t`, `\\xNN` or `\\uNNNN`. Everything else
  (accents, CJK, emoji, backslashes) is left as written. `keep_newlines=True` keeps `\\n` (for text that is
  several lines on purpose; `SafeConsole` uses it under rich's own line breaks).
- `markup(text)` is `clean` then rich's markup escape: for a value inside a rich console string.
- `json_text(text)` makes serialized JSON safe to print: C1, DEL, bidi and separators inside strings become
  `\\uNNNN` escapes (the same JSON value; JSON writers already escape C0).
- `SafeConsole` is a rich Console that applies `clean(..., keep_newlines=True)` to every text segment it writes
  (never to its own control sequences: styles, cursor moves of a live display). It is the net under `markup`:
  a writer that forgot `markup` still cannot emit an escape sequence, only mislaid line breaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.segment import Segment

_BIDI_AND_SEPARATORS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
_UNSAFE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI_AND_SEPARATORS}]")
_UNSAFE_BUT_NEWLINE = re.compile(f"[\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f{_BIDI_AND_SEPARATORS}]")
_JSON_UNSAFE = re.compile(f"[\\x7f-\\x9f{_BIDI_AND_SEPARATORS}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def clean(text: Any, *, keep_newlines: bool = False) -> str:
    """`text` (made a str) with controls, bidi overrides and separators shown escaped (module docstring)."""
    value = text if isinstance(text, str) else str(text)
    pattern = _UNSAFE_BUT_NEWLINE if keep_newlines else _UNSAFE
    return pattern.sub(_escaped, value) if pattern.search(value) else value


def markup(text: Any) -> str:
    """A value to put inside a rich console string: cleaned, then its `[` escaped so it is never read as markup."""
    return escape(clean(text))


def json_text(document: str) -> str:
    """Serialized JSON, safe to print: the characters `clean` escapes, as JSON `\\uNNNN` escapes of themselves."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", document) if _JSON_UNSAFE.search(document) \
        else document


class SafeConsole(Console):
    """A rich Console whose written text never holds a control sequence that did not come from rich itself."""

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            segment if segment.control or not segment.text else
            Segment(clean(segment.text, keep_newlines=True), segment.style, segment.control)
            for segment in buffer)
