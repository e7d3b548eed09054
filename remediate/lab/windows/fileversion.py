"""System.Diagnostics.FileVersionInfo and the Remove-Item cmdlet over the lab host's volume (`machine.files`).

FileVersionInfo (learn.microsoft.com/dotnet/api/system.diagnostics.fileversioninfo): GetVersionInfo of a missing
file throws FileNotFoundException whose message is the path; a file without a version resource gives 0 parts and a
null FileVersion. Remove-Item (learn.microsoft.com/powershell/module/microsoft.powershell.management/remove-item) on
FileSystem paths: a missing path is the non-terminating ItemNotFoundException "Cannot find path '...' because it does
not exist." (PathNotFound, ObjectNotFound); a folder with content needs -Recurse. Other providers' paths (HKLM:,
Cert:, ...) and wildcards in -Path are not modelled here and are refused.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.state import StateError
from remediate.lab.windows import clr, psexceptions
from remediate.lab.windows.clr import DotNetObject, ErrorRecord, Param, cmdlet, register, static
from remediate.lab.windows.filesystem import full_path, io_error
from remediate.lab.windows.refusal import NotModeled


@register
class FileVersionInfo(DotNetObject):
    TYPE_NAME = "System.Diagnostics.FileVersionInfo"

    def __init__(self, path: str, version: str | None) -> None:
        self.FileName = path
        self.FileVersion = version
        self.ProductVersion = version
        numbers = [int(p) for p in (version or "").split(".")[:4] if p.isdigit()]
        numbers += [0] * (4 - len(numbers))
        self.FileMajorPart, self.FileMinorPart, self.FileBuildPart, self.FilePrivatePart = numbers
        self.ProductMajorPart, self.ProductMinorPart, self.ProductBuildPart, self.ProductPrivatePart = numbers

    @static
    def GetVersionInfo(rt: Any, path: Any) -> FileVersionInfo:  # noqa: N802,N805
        target = full_path(path, "fileName")
        node = rt.machine.files.node(target)
        if node is None or node.folder:
            raise clr.FileNotFoundException(target)
        return FileVersionInfo(target, node.version)

    def ToString(self) -> str:  # noqa: N802
        return f"File:             {self.FileName}\r\nFileVersion:      {self.FileVersion or ''}"


def _provider_path(text: str) -> str:
    if text.casefold().startswith("filesystem::"):
        text = text[len("filesystem::"):]
    if len(text) < 2 or text[1] != ":" or not text[0].isalpha():
        raise NotModeled("Remove-Item on a path that is not an absolute FileSystem drive path", text)
    return full_path(text)


@cmdlet("Remove-Item", Param("Path", "System.String[]", position=0, pipeline=True),
        Param("LiteralPath", "System.String[]", aliases=("PSPath",)), Param("Filter", "System.String"),
        Param("Include", "System.String[]"), Param("Exclude", "System.String[]"),
        Param("Recurse", "System.Management.Automation.SwitchParameter"),
        Param("Force", "System.Management.Automation.SwitchParameter"),
        Param("Credential", "System.Management.Automation.PSCredential"), aliases=("rm", "del", "erase", "rd", "ri",
                                                                                      "rmdir"))
def remove_item(ctx: Any, **bound: Any) -> list[Any]:
    for name in ("Filter", "Include", "Exclude", "Credential"):
        if name in bound:
            raise NotModeled(f"Remove-Item -{name}")
    literal = "LiteralPath" in bound
    paths = bound.get("LiteralPath" if literal else "Path") or []
    files = ctx.machine.files
    for raw in paths if isinstance(paths, list) else [paths]:
        text = clr.to_str(raw)
        if not literal and any(c in text for c in "*?["):
            raise NotModeled("Remove-Item -Path with wildcards", text)
        target = _provider_path(text)
        node = files.node(target)
        if node is None:
            error = psexceptions.ItemNotFoundException(f"Cannot find path '{target}' because it does not exist.")
            ctx.write_error(ErrorRecord(error, "PathNotFound", "ObjectNotFound", target))
            continue
        try:
            if node.folder:
                if files.children(target) and not bound.get("Recurse"):
                    raise NotModeled("Remove-Item of a folder with content without -Recurse (it prompts)", target)
                files.remove_folder(target, True)
            else:
                if node.read_only and not bound.get("Force"):
                    raise clr.IOException("Not Enough permission to perform operation.")
                if node.read_only:
                    node.read_only = False
                files.delete(target)
        except StateError as exc:
            failure = io_error(exc, target)
            ctx.write_error(ErrorRecord(failure, "RemoveFileSystemItemIOError" if isinstance(failure, clr.IOException)
                                        else "RemoveFileSystemItemUnAuthorizedAccess", "WriteError", target))
        except clr.IOException as exc:
            ctx.write_error(ErrorRecord(exc, "RemoveFileSystemItemIOError", "WriteError", target))
    return []
