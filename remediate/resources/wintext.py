"""How Windows compares the names the Windows-host kinds manage, shared by the kinds and the lab.

- `fold(text)`: the case-insensitive comparison key, as .NET's `ToUpperInvariant()` makes it: each UTF-16 character
  takes its simple upper-case mapping, a character whose upper case is several characters (German sharp s) stays
  as it is, and characters outside the Basic Multilingual Plane are left alone (.NET Framework does not map
  surrogate pairs). The agent compares `$a.ToUpperInvariant() -ceq $b.ToUpperInvariant()`: the same key.
- `normalize_path(text)`: the one spelling of a folder path that remediate writes and compares. A leading `\\\\`
  (UNC) is kept, every other run of backslashes becomes one, and a trailing backslash is dropped unless the path
  is a drive root (`C:\\`). Windows resolves `C:\\Foo\\`, `C:\\Foo` and `C:\\\\Foo` to the same folder, so they are one
  exclusion here; a template such as `'{{ exchange_install_path }}\\TransportRoles'` gives the same path whether
  the variable ends with a backslash (Microsoft writes %ExchangeInstallPath% with one) or not. The agent applies
  the identical rules (templates/agent/defender.ps1, ConvertTo-DefenderPath).
"""

from __future__ import annotations

import re

_DRIVE_ROOT = re.compile(r"[A-Za-z]:\\")
_SEPARATORS = re.compile(r"\\+")
# Characters no Windows path or file name may hold, and control characters (a line break is never part of a path).
INVALID_PATH_CHARS = re.compile(r'[\x00-\x1f\x7f"<>|]')


def _upper(char: str) -> str:
    if ord(char) > 0xFFFF:
        return char
    upper = char.upper()
    return upper if len(upper) == 1 else char


def fold(text: str) -> str:
    """The case-insensitive comparison key of `text` (see the module docstring)."""
    return "".join(_upper(char) for char in text)


def normalize_path(text: str) -> str:
    """The canonical spelling of a folder path (see the module docstring); case is kept as written."""
    prefix, body = ("\\\\", text[2:]) if text.startswith("\\\\") else ("", text)
    body = _SEPARATORS.sub(lambda _: "\\", body)
    if body.endswith("\\") and not _DRIVE_ROOT.fullmatch(body):
        body = body[:-1]
    return prefix + body
