"""Windows' own rules for names and paths, as Microsoft documents them, for the lab's simulated state.

The lab models these from the documents below and shares no code with the product's normalisation
(remediate/resources/wintext.py): a rule the product gets wrong must show up as a disagreement with the lab, not
be agreed with by it. Where the two differ today, tests/unit/test_lab_wintext.py names the difference.

Case-insensitive names (service names, firewall rule names, Exchange object names, paths):
  .NET's `StringComparer.OrdinalIgnoreCase` / `String.Equals(a, b, StringComparison.OrdinalIgnoreCase)`.
  "Best practices for comparing strings in .NET" (learn.microsoft.com/dotnet/standard/base-types/
  best-practices-strings): OrdinalIgnoreCase comparisons "are equivalent to converting the strings to uppercase
  using the invariant culture and then performing an ordinal comparison on the result". The invariant upper case
  is a *simple* (one UTF-16 unit to one unit) mapping, so:
  - a character whose full upper case is several characters keeps its simple mapping, or itself when it has none:
    'ß' stays 'ß' (Python's casefold gives 'ss' and upper() 'SS'; neither is Windows'); 'ᾳ' U+1FB3 becomes 'ᾼ'
    U+1FBC (UnicodeData.txt's simple uppercase);
  - LATIN SMALL LETTER DOTLESS I U+0131 stays itself: "On Windows with InvariantCulture, the LATIN SMALL LETTER
    DOTLESS I (U+0131) capitalizes to itself" (dotnet/runtime, src/native/libs/System.Globalization.Native/
    pal_casing.c, ChangeCaseInvariant, which special-cases it to match Windows);
  - .NET Framework (the CLR of PowerShell 2.0 and 5.1) maps UTF-16 code units one at a time, so a character outside
    the Basic Multilingual Plane (a surrogate pair) is never changed.
  Limit: the mapping of other characters is Python's Unicode database (unicodedata.unidata_version), newer than the
  tables of Windows Server 2003; characters whose case mapping Unicode added later may compare differently there.

Paths (`same_path`): "File path formats on Windows systems" (learn.microsoft.com/dotnet/standard/io/
  file-path-formats) and "Naming Files, Paths, and Namespaces" (learn.microsoft.com/windows/win32/fileio/
  naming-a-file). Every path given to a Windows API is normalised as GetFullPathName does, except one that begins
  exactly with `\\\\?\\`: forward slashes become backslashes; a run of separators after the first two collapses to
  one; `.` segments are removed and `..` removes the segment before it, never past the root (`C:\\`,
  `\\\\server\\share`, `\\\\.\\` / `\\\\?\\`); a segment ending in a single period loses it; and when the path does not end in
  a separator, trailing periods and spaces are removed. Names compare case-insensitively ("directory and file
  name comparisons are case-insensitive", same page). A trailing separator names the same directory (the lab
  compares folders, not the strings GetFullPathName returns). The lab has no current directory: a relative path
  is normalised as written and never equals a fully qualified one.
"""

from __future__ import annotations

import re

DOTLESS_I = "\u0131"


def _upper_unit(char: str) -> str:
    """The invariant simple upper case of one character (see the module docstring)."""
    if ord(char) > 0xFFFF or char == DOTLESS_I:
        return char
    upper = char.upper()
    if len(upper) == 1:
        return upper
    # Full mapping expands (SpecialCasing.txt); the simple one is UnicodeData's, which for these characters is the
    # single-character title case when there is one (U+1F80-U+1FFC with ypogegrammeni), else none: itself.
    title = char.title()
    return title if len(title) == 1 else char


def upper_invariant(text: str) -> str:
    """`text.ToUpperInvariant()` as .NET Framework computes it: the key OrdinalIgnoreCase compares."""
    return "".join(_upper_unit(char) for char in text)


def same_name(left: str, right: str) -> bool:
    """`String.Equals(left, right, StringComparison.OrdinalIgnoreCase)`."""
    return upper_invariant(left) == upper_invariant(right)


_DRIVE = re.compile(r"[A-Za-z]:")


def _root_length(parts: list[str], unc: bool, device: bool) -> int:
    """How many leading segments form the root, which `..` never removes."""
    if device:
        return 1  # `\\.\` followed by the device's name (`\\.\C:`): .. stops at the prefix and that name
    if unc:
        return 2  # server and share
    return 1 if parts and _DRIVE.fullmatch(parts[0]) else 0


def normalize_path(text: str) -> str:
    """GetFullPathName's normalisation without a current directory (see the module docstring); case kept."""
    if text.startswith("\\\\?\\"):
        return text  # the one form Windows passes through unchanged
    text = text.replace("/", "\\")
    lead = "\\\\" if text.startswith("\\\\") else ("\\" if text.startswith("\\") else "")
    body = text[len(lead):]
    device = lead == "\\\\" and (body.startswith(".\\") or body.startswith("?\\") or body in (".", "?"))
    unc = lead == "\\\\" and not device
    ends_in_separator = body.endswith("\\")
    parts = [p for p in body.split("\\") if p != ""]
    root = _root_length(parts, unc, device) + (1 if device else 0)
    out: list[str] = []
    for index, part in enumerate(parts):
        if index < root:
            out.append(part)
        elif part == ".":
            continue
        elif part == "..":
            if len(out) > root:
                out.pop()
        else:
            if part.endswith(".") and not part.endswith(".."):
                part = part[:-1]  # a segment ending in a single period loses it
            out.append(part)
    if not ends_in_separator and out and len(out) > root:
        last = out[-1].rstrip(". ")
        out[-1] = last
        if not last:
            out.pop()
    path = lead + "\\".join(out)
    if ends_in_separator and out:
        path += "\\"
    return path


def folder_key(text: str) -> str:
    """The key two spellings of one folder share: normalised, without a trailing separator unless at a drive root
    (`C:\\`), in upper invariant case."""
    path = normalize_path(text)
    if path.endswith("\\") and not re.fullmatch(r"[A-Za-z]:\\", path) and path.strip("\\"):
        path = path.rstrip("\\") if not path.startswith("\\\\?\\") else path[:-1]
    return upper_invariant(path)


def same_path(left: str, right: str) -> bool:
    """Whether Windows resolves both spellings to the same file or folder (as far as text decides it)."""
    return folder_key(left) == folder_key(right)
