"""System.IO.Directory, DirectoryInfo and FileInfo over the lab host's volume (`machine.files`).

Documents: "Directory Class" (learn.microsoft.com/dotnet/api/system.io.directory: CreateDirectory creates every
missing folder; GetFiles/GetDirectories with a search pattern, whose remarks give the three-character extension
rule), "DirectoryInfo Class", "FileInfo Class".
"""

from __future__ import annotations

import re
from typing import Any

from remediate.lab.state import InvalidArgument
from remediate.lab.windows import clr
from remediate.lab.windows.clr import VOID, DotNetObject, TypedArray, register, static
from remediate.lab.windows.filesystem import IoCall, full_path
from remediate.lab.windows.refusal import NotModeled


@register
class DirectoryInfo(DotNetObject):
    """System.IO.DirectoryInfo (the parts CreateDirectory's result is used for)."""

    TYPE_NAME = "System.IO.DirectoryInfo"

    def __init__(self, machine: Any, path: str) -> None:
        self._machine = machine
        self.FullName = path
        self.Name = path.rstrip("\\").rsplit("\\", 1)[-1] if path.count("\\") > 1 or not path.endswith("\\") \
            else path

    @classmethod
    def new(cls, rt: Any, path: Any) -> DirectoryInfo:
        return cls(rt.machine, full_path(path))

    @property
    def Exists(self) -> bool:  # noqa: N802
        return self._machine.files.is_folder(self.FullName)

    def ToString(self) -> str:  # noqa: N802
        return self.FullName


@register
class FileInfo(DotNetObject):
    """System.IO.FileInfo (learn.microsoft.com/dotnet/api/system.io.fileinfo)."""

    TYPE_NAME = "System.IO.FileInfo"

    def __init__(self, machine: Any, path: str) -> None:
        self._machine = machine
        self.FullName = path

    @classmethod
    def new(cls, rt: Any, path: Any) -> FileInfo:
        return cls(rt.machine, full_path(path, "fileName"))

    @property
    def Name(self) -> str:  # noqa: N802
        return self.FullName.rsplit("\\", 1)[-1]

    @property
    def DirectoryName(self) -> str:  # noqa: N802
        head = self.FullName.rsplit("\\", 1)[0]
        return head + "\\" if head.endswith(":") else head

    @property
    def Exists(self) -> bool:  # noqa: N802
        return self._machine.files.is_file(self.FullName)

    @property
    def Length(self) -> clr.Int64:  # noqa: N802
        with IoCall(self.FullName):
            return clr.Int64(len(self._machine.files.read(self.FullName)))

    def Delete(self) -> Any:  # noqa: N802
        with IoCall(self.FullName):
            self._machine.files.delete(self.FullName)
        return VOID

    def ToString(self) -> str:  # noqa: N802
        return self.FullName


@register
class Directory(DotNetObject):
    """System.IO.Directory (learn.microsoft.com/dotnet/api/system.io.directory)."""

    TYPE_NAME = "System.IO.Directory"

    @static
    def Exists(rt: Any, path: Any) -> bool:  # noqa: N802,N805
        try:
            return rt.machine.files.is_folder(full_path(path))
        except (clr.DotNetException, NotModeled, InvalidArgument):
            return False

    @static
    def CreateDirectory(rt: Any, path: Any) -> DirectoryInfo:  # noqa: N802,N805
        target = full_path(path)
        with IoCall(target):
            rt.machine.files.create_folder(target)
        return DirectoryInfo(rt.machine, target)

    @static
    def GetFiles(rt: Any, path: Any, pattern: Any = "*", *option: Any) -> TypedArray:  # noqa: N802,N805
        return TypedArray("System.String", _entries(rt, path, pattern, option, folders=False))

    @static
    def GetDirectories(rt: Any, path: Any, pattern: Any = "*", *option: Any) -> TypedArray:  # noqa: N802,N805
        return TypedArray("System.String", _entries(rt, path, pattern, option, folders=True))

    @static
    def Delete(rt: Any, path: Any, recursive: Any = False) -> Any:  # noqa: N802,N805
        target = full_path(path)
        with IoCall(target):
            rt.machine.files.remove_folder(target, clr.to_bool(recursive))
        return VOID


def _entries(rt: Any, path: Any, pattern: Any, option: tuple[Any, ...], folders: bool) -> list[str]:
    """The folder's files (or folders) matching a search pattern (* and ?, case-insensitive), as full paths in the
    order the volume lists them. The pattern's 8.3 short-name matching is not modelled: the lab has no short names."""
    if option and clr.to_int(option[0]) != 0:
        raise NotModeled("SearchOption.AllDirectories")
    text = clr.to_str(pattern)
    if "\\" in text or "/" in text or ".." in text:
        raise NotModeled("a search pattern with a folder in it", text)
    target = full_path(path)
    with IoCall(target):
        children = rt.machine.files.children(target)
    matcher = search_pattern(text)
    prefix = target.rstrip("\\")
    return [prefix + "\\" + n.names[-1] for n in children if n.folder == folders and matcher.fullmatch(n.names[-1])]


def search_pattern(pattern: str) -> re.Pattern[str]:
    """A search pattern: `*` any characters, `?` one, everything else literal, case-insensitive. As Directory.GetFiles
    documents, `*.xyz` with an extension of exactly three characters also matches longer extensions that start with
    it (`*.xml` finds `a.xmlx`): the file's 8.3 short name matches."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    stem, dot, extension = pattern.rpartition(".")
    if dot and "*" in stem and len(extension) == 3 and not set(extension) & set("*?"):
        body += "[^.]*"
    return re.compile(body, re.IGNORECASE | re.DOTALL)
