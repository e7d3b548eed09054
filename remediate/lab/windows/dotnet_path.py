"""System.IO.Path, as .NET Framework 2.0-4.x documents it for Windows paths (pure string rules, no file system).

Sources (learn.microsoft.com/dotnet/api/...): system.io.path.combine (Combine(path1, path2) since 1.1, the 3- and
4-argument and params overloads since .NET 4.0; a rooted path2 is returned as is; a separator is added unless path1
ends with '\\', '/' or ':'), system.io.path.getfilename, .getdirectoryname (.NET Framework normalizes '/' to '\\' and
repeated separators; null for a root or null path; "The path is not of a legal form." for an empty one),
.getextension, .getfilenamewithoutextension, .ispathrooted, .getpathroot; "Illegal characters in path." for
'"', '<', '>', '|' and characters below 32 (Path.InvalidPathChars on .NET Framework).
"""

from __future__ import annotations

from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_args import arg_error, framework_at_least, is_null, null_arg

_INVALID = set('"<>|') | {chr(c) for c in range(32)}
_SEPARATORS = "\\/"


def _check(path: str) -> str:
    if any(c in _INVALID for c in path):
        raise clr.ArgumentException("Illegal characters in path.")
    return path


def _text(value: Any, param: str) -> str:
    if is_null(value):
        raise null_arg(param)
    return _check(clr.to_str(value))


def is_rooted(path: str) -> bool:
    return path[:1] in _SEPARATORS or path[1:2] == ":"


def root_length(path: str) -> int:
    """Length of the root: "C:\\" 3, "C:" 2, "\\" 1, "\\\\server\\share\\" up to the share's separator."""
    if path[:2] in ("\\\\", "//", "\\/", "/\\"):
        server = next((i for i in range(2, len(path)) if path[i] in _SEPARATORS), len(path))
        return next((i for i in range(server + 1, len(path)) if path[i] in _SEPARATORS), len(path))
    if path[1:2] == ":":
        return 3 if path[2:3] in _SEPARATORS and path[2:3] != "" else 2
    return 1 if path[:1] in _SEPARATORS else 0


def _normalize(path: str) -> str:
    """What GetDirectoryName's NormalizePath keeps: '/' as '\\', runs of separators collapsed (a UNC prefix kept)."""
    unc = path[:2] in ("\\\\", "//", "\\/", "/\\")
    body = path.replace("/", "\\")
    parts = body[2:] if unc else body
    while "\\\\" in parts:
        parts = parts.replace("\\\\", "\\")
    return ("\\\\" if unc else "") + parts


@clr.register
class Path(clr.DotNetObject):
    """Statics of System.IO.Path."""

    TYPE_NAME = "System.IO.Path"

    DirectorySeparatorChar = clr.static_property(lambda rt: clr.Char("\\"))
    AltDirectorySeparatorChar = clr.static_property(lambda rt: clr.Char("/"))
    VolumeSeparatorChar = clr.static_property(lambda rt: clr.Char(":"))
    PathSeparator = clr.static_property(lambda rt: clr.Char(";"))

    @clr.static
    def Combine(rt: Any, *paths: Any) -> str:  # noqa: N802,N805
        """Combine(path1, path2); three or more parts (or one array) from .NET 4.0."""
        if len(paths) == 1 and isinstance(paths[0], list):
            paths = tuple(paths[0])
            if not framework_at_least(rt, "4.0"):
                raise TypeError("Path.Combine(params string[]) is .NET 4.0")
        if len(paths) != 2 and not (len(paths) > 2 and framework_at_least(rt, "4.0")):
            raise TypeError(f"Path.Combine with {len(paths)} arguments")
        names = ["path1", "path2", "path3", "path4"] if len(paths) <= 4 else ["paths"] * len(paths)
        parts = [_text(p, names[i]) for i, p in enumerate(paths)]
        result = ""
        for part in parts:
            if not part:
                continue
            if not result or is_rooted(part):
                result = part
            elif result[-1] in "\\/:":
                result += part
            else:
                result += "\\" + part
        return result

    @clr.static
    def GetFileName(rt: Any, path: Any) -> str | None:  # noqa: N802,N805
        if is_null(path):
            return None
        text = _check(clr.to_str(path))
        cut = max(text.rfind("\\"), text.rfind("/"), text.rfind(":"))
        return text[cut + 1:]

    @clr.static
    def GetFileNameWithoutExtension(rt: Any, path: Any) -> str | None:  # noqa: N802,N805
        name = Path.GetFileName(rt, path)
        if name is None:
            return None
        dot = name.rfind(".")
        return name if dot < 0 else name[:dot]

    @clr.static
    def GetExtension(rt: Any, path: Any) -> str | None:  # noqa: N802,N805
        if is_null(path):
            return None
        name = Path.GetFileName(rt, path) or ""
        dot = name.rfind(".")
        return "" if dot < 0 or dot == len(name) - 1 else name[dot:]

    @clr.static
    def GetDirectoryName(rt: Any, path: Any) -> str | None:  # noqa: N802,N805
        if is_null(path):
            return None
        text = _check(clr.to_str(path))
        if text.strip() == "":
            raise clr.ArgumentException("The path is not of a legal form.")
        text = _normalize(text)
        root = root_length(text)
        cut = text.rfind("\\")
        if len(text) <= root or cut < root - 1:
            return None
        if cut < root:
            return text[:root]
        return text[:max(cut, root)]

    @clr.static
    def IsPathRooted(rt: Any, path: Any) -> bool:  # noqa: N802,N805
        return False if is_null(path) else is_rooted(_check(clr.to_str(path)))

    @clr.static
    def GetPathRoot(rt: Any, path: Any) -> str | None:  # noqa: N802,N805
        if is_null(path):
            return None
        text = _normalize(_check(clr.to_str(path)))
        if text.strip() == "":
            raise arg_error(clr.ArgumentException, "The path is not of a legal form.", None)
        return text[:root_length(text)]
