"""System.IO over the lab host's volume (`machine.files`, remediate/lab/state/files.py): paths, the exceptions of
the file system, FileMode/FileAccess/FileShare and FileStream. File is in file_statics.py, Directory, DirectoryInfo
and FileInfo in directories.py.

Documents (learn.microsoft.com/dotnet/api/...): "FileStream Class" (system.io.filestream), "FileMode", "FileAccess",
"FileShare" and "SeekOrigin" enums, "Path.GetFullPath". Exceptions and their messages are those the .NET Framework's
__Error.WinIOError gives for the Win32 errors the volume reports: FileNotFoundException "Could not find file '...'.",
DirectoryNotFoundException "Could not find a part of the path '...'.", UnauthorizedAccessException "Access to the
path '...' is denied.", IOException for a sharing violation and an existing target.

Paths are taken as Path.GetFullPath would give them for an absolute drive path; a relative path needs a current
directory, which the lab does not model: it is refused (NotModeled), never guessed.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.state import AccessDenied, InvalidArgument, StateError
from remediate.lab.state import files as volume
from remediate.lab.windows import clr
from remediate.lab.windows.clr import VOID, EnumType, EnumValue, TypedArray, register
from remediate.lab.windows.refusal import NotModeled

FileMode = register(EnumType("System.IO.FileMode", {"CreateNew": 1, "Create": 2, "Open": 3, "OpenOrCreate": 4,
                                                    "Truncate": 5, "Append": 6}))
FileAccess = register(EnumType("System.IO.FileAccess", {"Read": 1, "Write": 2, "ReadWrite": 3}, flags=True))
FileShare = register(EnumType("System.IO.FileShare", {"None": 0, "Read": 1, "Write": 2, "ReadWrite": 3,
                                                      "Delete": 4, "Inheritable": 16}, flags=True))
_MODES = {1: "create_new", 2: "create", 3: "open", 4: "open_or_create", 5: "truncate", 6: "append"}
_INVALID = set('"<>|') | {chr(c) for c in range(32)}


def enum_arg(value: Any, enum: EnumType) -> int:
    """An enum argument as .NET receives it: an EnumValue, its name (PowerShell converts strings) or a number."""
    if isinstance(value, EnumValue):
        return value.value
    if isinstance(value, str):
        total = 0
        for part in value.split(","):
            member = enum.member(part.strip())
            if member is None:
                raise clr.ArgumentException(f"Requested value '{part.strip()}' was not found.")
            total |= member.value
        return total
    return clr.to_int(value)


def full_path(path: Any, name: str = "path") -> str:
    """Path.GetFullPath for the paths the lab models: absolute drive paths, `/` read as `\\`."""
    if path is None:
        raise clr.ArgumentNullException(f"Value cannot be null.\r\nParameter name: {name}")
    text = clr.to_str(path)
    if not text.strip():
        raise clr.ArgumentException("The path is not of a legal form." if text else "Empty path name is not legal.")
    if any(c in _INVALID for c in text):
        raise clr.ArgumentException("Illegal characters in path.")
    text = text.replace("/", "\\")
    if len(text) < 3 or text[1:3] != ":\\" or not text[0].isalpha():
        raise NotModeled("a relative path or a UNC path in System.IO", text)
    parts = [p for p in text.split("\\") if p not in ("", ".")]
    out: list[str] = []
    for part in parts:
        if part == "..":
            if len(out) > 1:
                out.pop()
        else:
            out.append(part.rstrip(" .") if len(out) else part)  # Windows drops trailing dots and spaces
    return "\\".join(out) if len(out) > 1 else out[0] + "\\"


def io_error(error: StateError, path: str) -> clr.DotNetException:
    """The .NET exception for a failure of the volume."""
    if isinstance(error, volume.NotFound):
        if error.folder:
            return clr.DirectoryNotFoundException(f"Could not find a part of the path '{path}'.")
        found = clr.FileNotFoundException(f"Could not find file '{path}'.")
        found.FileName = path  # type: ignore[attr-defined]
        return found
    if isinstance(error, AccessDenied):
        return clr.UnauthorizedAccessException(f"Access to the path '{path}' is denied.")
    if isinstance(error, volume.SharingViolation):
        return clr.IOException(f"The process cannot access the file '{path}' because it is being used by another "
                               "process.")
    if isinstance(error, volume.Exists):
        return clr.IOException(f"The file '{path}' already exists.")
    if isinstance(error, InvalidArgument):
        return clr.ArgumentException(str(error))
    return clr.IOException(str(error))


class IoCall:
    """`with IoCall(path):` turns the volume's errors into the .NET exception for `path`."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: Any, tb: Any) -> bool:
        if isinstance(error, StateError):
            raise io_error(error, self.path) from None
        return False


def byte_array(value: bytes) -> TypedArray:
    return TypedArray("System.Byte", map(clr.BYTE_VALUES.__getitem__, value))


def raw_bytes(value: Any) -> bytes:
    if value is None:
        raise clr.ArgumentNullException("Value cannot be null.\r\nParameter name: bytes")
    return bytes(int(b) for b in value)


def decode(data: bytes, encoding: Any = None) -> str:
    """StreamReader's decoding as File.ReadAllText uses it: a byte-order mark wins, else `encoding`, else UTF-8."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(codec, "replace")
    if encoding is not None:
        return clr.to_str(encoding.GetString(byte_array(data)))
    return data.decode("utf-8", "replace")


def encode(text: str, encoding: Any = None) -> bytes:
    """File.WriteAllText: UTF-8 without a byte-order mark unless an encoding is given (its preamble first)."""
    if encoding is None:
        return text.encode("utf-8", "surrogatepass")
    preamble = getattr(encoding, "GetPreamble", None)
    head = raw_bytes(preamble()) if callable(preamble) else b""
    return head + raw_bytes(encoding.GetBytes(text))


@register
class FileStream(clr.Stream):
    """System.IO.FileStream: an open handle on a file of the volume, with its position."""

    TYPE_NAME = "System.IO.FileStream"

    def __init__(self, machine: Any, path: str, mode: int, access: int, share: int) -> None:
        if mode == 6 and access & 1:
            raise clr.ArgumentException("Append access can be requested only in write-only mode.")
        if mode in (1, 2, 5) and not access & 2:
            raise clr.ArgumentException(f"Combining FileMode: {FileMode.from_value(mode).name} with FileAccess: "
                                        "Read is invalid.")
        self._files = machine.files
        self._path = path
        self._access = access
        with IoCall(path):
            self._handle = self._files.open(path, _MODES[mode], access, share & 7)
        self._position = len(self._handle.node.data) if mode == 6 else 0

    @classmethod
    def new(cls, rt: Any, path: Any, mode: Any, access: Any = None, share: Any = None, *rest: Any) -> FileStream:
        if rest:
            raise NotModeled("FileStream constructor with a buffer size or options")
        number = enum_arg(mode, FileMode)
        rights = enum_arg(access, FileAccess) if access is not None else (2 if number == 6 else 3)
        return cls(rt.machine, full_path(path), number, rights, enum_arg(share, FileShare) if share is not None else 1)

    @property
    def Name(self) -> str:  # noqa: N802 - .NET names
        return self._path

    @property
    def Length(self) -> clr.Int64:  # noqa: N802
        self._check()
        return clr.Int64(len(self._handle.node.data))

    @property
    def Position(self) -> clr.Int64:  # noqa: N802
        self._check()
        return clr.Int64(self._position)

    @Position.setter
    def Position(self, value: Any) -> None:  # noqa: N802
        self.Seek(value, 0)

    @property
    def CanRead(self) -> bool:  # noqa: N802
        return not self._handle.closed and bool(self._access & 1)

    @property
    def CanWrite(self) -> bool:  # noqa: N802
        return not self._handle.closed and bool(self._access & 2)

    @property
    def CanSeek(self) -> bool:  # noqa: N802
        return not self._handle.closed

    def read_bytes(self, count: int) -> bytes:
        self._check()
        if not self._access & 1:
            raise clr.NotSupportedException("Stream does not support reading.")
        with self._files.lock:
            data = self._handle.node.data[self._position:self._position + count]
        self._position += len(data)
        return data

    def write_bytes(self, data: bytes) -> None:
        self._check()
        if not self._access & 2:
            raise clr.NotSupportedException("Stream does not support writing.")
        with self._files.lock:
            old = self._handle.node.data
            padded = old + b"\0" * max(0, self._position - len(old))
            self._files.write_handle(self._handle, padded[:self._position] + data
                                     + padded[self._position + len(data):])
        self._position += len(data)

    def Seek(self, offset: Any, origin: Any) -> clr.Int64:  # noqa: N802
        self._check()
        base = {0: 0, 1: self._position, 2: len(self._handle.node.data)}[_origin(origin)]
        target = base + clr.to_int(offset, clr.Int64)
        if target < 0:
            raise clr.IOException("An attempt was made to move the file pointer before the beginning of the file.")
        self._position = target
        return clr.Int64(target)

    def SetLength(self, value: Any) -> Any:  # noqa: N802
        self._check()
        length = clr.to_int(value, clr.Int64)
        if length < 0:
            raise clr.ArgumentOutOfRangeException("Non-negative number required.\r\nParameter name: value")
        if not self._access & 2:
            raise clr.NotSupportedException("Stream does not support both writing and seeking.")
        with self._files.lock:
            data = self._handle.node.data
            self._files.write_handle(self._handle, data[:length] + b"\0" * max(0, length - len(data)))
        self._position = min(self._position, length)
        return VOID

    def Close(self) -> Any:  # noqa: N802
        self._files.close(self._handle)
        return VOID

    def _check(self) -> None:
        if self._handle.closed:
            raise clr.ObjectDisposedException("Cannot access a closed file.")


def _origin(value: Any) -> int:
    """SeekOrigin (Begin 0, Current 1, End 2) from any spelling of it (the enum may be declared by another module)."""
    if isinstance(value, EnumValue):
        return value.value
    if isinstance(value, str):
        return {"begin": 0, "current": 1, "end": 2}[value.strip().casefold()]
    return clr.to_int(value)
