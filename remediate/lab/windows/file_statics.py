"""System.IO.File and FileSecurity over the lab host's volume (`machine.files`); see filesystem.py for paths, errors
and FileStream.

Documents: "File Class" (learn.microsoft.com/dotnet/api/system.io.file: Exists never throws, Delete of a missing file
is no error, Copy without overwrite refuses an existing target, Open's default sharing is None, ReadAllText detects
a byte-order mark), "File.GetAccessControl"/"File.SetAccessControl" (.NET Framework 2.0-4.8) and "FileSecurity"
(System.Security.AccessControl).
"""

from __future__ import annotations

from typing import Any

from remediate.lab.state import InvalidArgument
from remediate.lab.state import files as volume
from remediate.lab.windows import clr
from remediate.lab.windows.clr import VOID, DotNetObject, TypedArray, register, static
from remediate.lab.windows.filesystem import (FileAccess, FileMode, FileShare, FileStream, byte_array, IoCall, enum_arg, raw_bytes,
                                              decode, encode, full_path)
from remediate.lab.windows.refusal import NotModeled


@register
class File(DotNetObject):
    """System.IO.File (learn.microsoft.com/dotnet/api/system.io.file)."""

    TYPE_NAME = "System.IO.File"

    @static
    def Exists(rt: Any, path: Any) -> bool:  # noqa: N802,N805
        try:
            return rt.machine.files.is_file(full_path(path))
        except (clr.DotNetException, NotModeled, InvalidArgument):
            return False

    @static
    def ReadAllBytes(rt: Any, path: Any) -> TypedArray:  # noqa: N802,N805
        stream = FileStream(rt.machine, full_path(path), 3, 1, 1)
        try:
            return byte_array(stream.read_bytes(len(stream._handle.node.data)))
        finally:
            stream.Close()

    @static
    def ReadAllText(rt: Any, path: Any, encoding: Any = None) -> str:  # noqa: N802,N805
        return decode(raw_bytes(File.ReadAllBytes(rt, path)), encoding)

    @static
    def WriteAllBytes(rt: Any, path: Any, data: Any) -> Any:  # noqa: N802,N805
        stream = FileStream(rt.machine, full_path(path), 2, 2, 1)
        try:
            stream.write_bytes(raw_bytes(data))
        finally:
            stream.Close()
        return VOID

    @static
    def WriteAllText(rt: Any, path: Any, text: Any, encoding: Any = None) -> Any:  # noqa: N802,N805
        return File.WriteAllBytes(rt, path, byte_array(encode(clr.to_str(text), encoding)))

    @static
    def Open(rt: Any, path: Any, mode: Any, access: Any = None, share: Any = None) -> FileStream:  # noqa: N802,N805
        number = enum_arg(mode, FileMode)
        rights = enum_arg(access, FileAccess) if access is not None else (2 if number == 6 else 3)
        return FileStream(rt.machine, full_path(path), number, rights,
                          enum_arg(share, FileShare) if share is not None else 0)

    @static
    def OpenRead(rt: Any, path: Any) -> FileStream:  # noqa: N802,N805
        return FileStream(rt.machine, full_path(path), 3, 1, 1)

    @static
    def Create(rt: Any, path: Any) -> FileStream:  # noqa: N802,N805
        return FileStream(rt.machine, full_path(path), 2, 3, 0)

    @static
    def Delete(rt: Any, path: Any) -> Any:  # noqa: N802,N805
        target = full_path(path)
        with IoCall(target):
            rt.machine.files.delete(target)
        return VOID

    @static
    def Copy(rt: Any, source: Any, target: Any, overwrite: Any = False) -> Any:  # noqa: N802,N805
        src, dst = full_path(source, "sourceFileName"), full_path(target, "destFileName")
        files = rt.machine.files
        if not files.is_file(src):
            with IoCall(src):
                files.read(src)
        with IoCall(dst):
            files.copy(src, dst, clr.to_bool(overwrite))
        return VOID

    @static
    def GetAccessControl(rt: Any, path: Any) -> FileSecurity:  # noqa: N802,N805
        target = full_path(path)
        with IoCall(target):
            node = rt.machine.files.node(target)
            if node is None:
                raise volume.NotFound("", folder=False)
            return FileSecurity(list(node.acl), node.protected, rt.machine.files.effective_acl(target))

    @static
    def SetAccessControl(rt: Any, path: Any, security: Any) -> Any:  # noqa: N802,N805
        target = full_path(path)
        if not isinstance(security, FileSecurity):
            raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: fileSecurity")
        with IoCall(target):
            rt.machine.files.set_acl(target, security.explicit, security.protected)
        return VOID


@register
class FileSecurity(DotNetObject):
    """System.Security.AccessControl.FileSecurity, as far as the lab's ACLs go: the explicit rules, whether they are
    protected from inheritance (AreAccessRulesProtected, SetAccessRuleProtection) and, read-only, the effective
    rules (`GetAccessRules(true, true, ...)` with the inherited ones), as `IDENTITY:Rights` strings."""

    TYPE_NAME = "System.Security.AccessControl.FileSecurity"

    def __init__(self, explicit: list[str], protected: bool, effective: list[str] | None = None) -> None:
        self.explicit = explicit
        self.protected = protected
        self.effective = effective if effective is not None else list(explicit)

    @property
    def AreAccessRulesProtected(self) -> bool:  # noqa: N802
        return self.protected

    def SetAccessRuleProtection(self, protect: Any, preserve: Any) -> Any:  # noqa: N802
        if clr.to_bool(protect) and clr.to_bool(preserve):
            self.explicit = list(dict.fromkeys([*self.explicit, *self.effective]))
        self.protected = clr.to_bool(protect)
        return VOID

    def GetAccessRules(self, explicit: Any, inherited: Any, target_type: Any) -> Any:  # noqa: N802
        raise NotModeled("FileSecurity.GetAccessRules (the lab keeps rules as IDENTITY:Rights text)")
