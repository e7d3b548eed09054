"""System.IO streams that need no file system: MemoryStream and GZipStream; SeekOrigin and CompressionMode
(StreamReader/StreamWriter over any stream are in dotnet_textio.py).

Sources (learn.microsoft.com/dotnet/api/...): system.io.memorystream (a stream made over a byte[] is not
expandable: "Memory stream is not expandable."), system.io.compression.gzipstream (InvalidDataException for data
that is not gzip), system.objectdisposedexception ("Cannot access a closed Stream.").
"""

from __future__ import annotations

import zlib
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_args import (
    arg_error, bytes_arg, byte_array, enum_arg, int_arg, is_null, null_arg, out_of_range,
)

SeekOrigin = clr.register(clr.EnumType("System.IO.SeekOrigin", {"Begin": 0, "Current": 1, "End": 2}))
CompressionMode = clr.register(clr.EnumType("System.IO.Compression.CompressionMode",
                                            {"Decompress": 0, "Compress": 1}))
ObjectDisposedException = clr.TYPES.get("system.objectdisposedexception") or clr.exception_type(
    "System.ObjectDisposedException", clr.InvalidOperationException, "Cannot access a disposed object.")
InvalidDataException = clr.TYPES.get("system.io.invaliddataexception") or clr.exception_type(
    "System.IO.InvalidDataException", clr.SystemException, "Found invalid data while decoding.")
CLOSED = "Cannot access a closed Stream."


@clr.register
class MemoryStream(clr.Stream):
    """System.IO.MemoryStream: expandable when made empty or with a capacity, fixed-size over a given byte[]."""

    TYPE_NAME = "System.IO.MemoryStream"

    def __init__(self, data: bytes = b"", expandable: bool = True, writable: bool = True) -> None:
        self._data = bytearray(data)
        self._expandable, self._writable = expandable, writable
        self._capacity = len(data)
        self._position = 0
        self._open = True

    @classmethod
    def new(cls, rt: Any, *args: Any) -> MemoryStream:
        """MemoryStream(), MemoryStream(int capacity), MemoryStream(byte[] [, bool writable])."""
        if not args:
            return cls()
        first = args[0]
        if is_null(first):
            raise arg_error(clr.ArgumentNullException, "Buffer cannot be null.", "buffer")
        if isinstance(first, list):
            writable = True if len(args) < 2 else clr.to_bool(args[1])
            return cls(bytes_arg(first, "buffer"), expandable=False, writable=writable)
        capacity = int_arg(first)
        if capacity < 0:
            raise out_of_range("Capacity must be positive.", "capacity")
        stream = cls()
        stream._capacity = capacity
        return stream

    def _check(self) -> None:
        if not self._open:
            raise ObjectDisposedException(CLOSED)

    def read_bytes(self, count: int) -> bytes:
        self._check()
        chunk = bytes(self._data[self._position:self._position + count])
        self._position += len(chunk)
        return chunk

    def write_bytes(self, data: bytes) -> None:
        self._check()
        if not self._writable:
            raise clr.NotSupportedException("Stream does not support writing.")
        end = self._position + len(data)
        if end > len(self._data):
            if end > self._capacity and not self._expandable:
                raise clr.NotSupportedException("Memory stream is not expandable.")
            self._data.extend(b"\0" * (end - len(self._data)))
            self._capacity = max(self._capacity, end)
        self._data[self._position:end] = data
        self._position = end

    @property
    def CanRead(self) -> bool:  # noqa: N802 - .NET names
        return self._open

    @property
    def CanSeek(self) -> bool:  # noqa: N802
        return self._open

    @property
    def CanWrite(self) -> bool:  # noqa: N802
        return self._open and self._writable

    @property
    def Length(self) -> clr.Int64:  # noqa: N802
        self._check()
        return clr.Int64(len(self._data))

    @property
    def Capacity(self) -> int:  # noqa: N802
        self._check()
        return self._capacity

    @property
    def Position(self) -> clr.Int64:  # noqa: N802
        self._check()
        return clr.Int64(self._position)

    @Position.setter
    def Position(self, value: Any) -> None:  # noqa: N802
        self._check()
        where = clr.to_int(value, clr.Int64)
        if where < 0:
            raise out_of_range("Non-negative number required.", "value")
        self._position = where

    def Seek(self, offset: Any, origin: Any) -> clr.Int64:  # noqa: N802
        self._check()
        base = {0: 0, 1: self._position, 2: len(self._data)}.get(enum_arg(origin, SeekOrigin))
        if base is None:
            raise arg_error(clr.ArgumentException, "Invalid seek origin.", "loc")
        where = base + clr.to_int(offset, clr.Int64)
        if where < 0:
            raise clr.IOException("An attempt was made to move the position before the beginning of the stream.")
        self._position = where
        return clr.Int64(where)

    def SetLength(self, value: Any) -> Any:  # noqa: N802
        self._check()
        size = clr.to_int(value, clr.Int64)
        if size < 0:
            raise out_of_range("Stream length must be non-negative and less than 2^31 - 1 - origin.", "value")
        if not self._writable:
            raise clr.NotSupportedException("Stream does not support writing.")
        if size > self._capacity and not self._expandable:
            raise clr.NotSupportedException("Memory stream is not expandable.")
        del self._data[size:]
        self._data.extend(b"\0" * (size - len(self._data)))
        self._position = min(self._position, size)
        return clr.VOID

    def ToArray(self) -> clr.TypedArray:  # noqa: N802 - works on a closed stream too, as documented
        return byte_array(bytes(self._data))

    def WriteTo(self, stream: Any) -> Any:  # noqa: N802
        self._check()
        if is_null(stream):
            raise null_arg("stream")
        stream.write_bytes(bytes(self._data))
        return clr.VOID

    def Close(self) -> Any:  # noqa: N802
        self._open = False
        return clr.VOID


@clr.register
class GZipStream(clr.Stream):
    """System.IO.Compression.GZipStream over another stream: decompresses what it reads or compresses what it
    writes (the gzip trailer is written on Close)."""

    TYPE_NAME = "System.IO.Compression.GZipStream"

    def __init__(self, inner: clr.Stream, mode: int, leave_open: bool) -> None:
        self._inner, self._mode, self._leave_open = inner, mode, leave_open
        self._open = True
        self._pending = b""
        self._finished = False
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS) if mode == 0 else zlib.compressobj(
            6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    @classmethod
    def new(cls, rt: Any, stream: Any, mode: Any, leave_open: Any = False) -> GZipStream:
        if is_null(stream):
            raise null_arg("stream")
        number = enum_arg(mode, CompressionMode)
        if number not in (0, 1):
            raise arg_error(clr.ArgumentException, "Enum value was out of legal range.", "mode")
        if not isinstance(stream, clr.Stream):
            raise clr.ArgumentException("Cannot convert argument \"stream\" to System.IO.Stream.")
        return cls(stream, number, clr.to_bool(leave_open))

    @property
    def BaseStream(self) -> clr.Stream:  # noqa: N802
        return self._inner

    @property
    def CanRead(self) -> bool:  # noqa: N802
        return self._open and self._mode == 0

    @property
    def CanWrite(self) -> bool:  # noqa: N802
        return self._open and self._mode == 1

    @property
    def CanSeek(self) -> bool:  # noqa: N802
        return False

    def read_bytes(self, count: int) -> bytes:
        if not self._open:
            raise ObjectDisposedException(CLOSED)
        if self._mode != 0:
            raise clr.InvalidOperationException("Reading from the compression stream is not supported.")
        while len(self._pending) < count and not self._finished:
            chunk = self._inner.read_bytes(4096)
            try:
                if not chunk:  # a truncated stream ends with what could be decompressed, as .NET's does
                    self._finished = True
                    self._pending += self._z.flush()
                    break
                self._pending += self._z.decompress(chunk)
                if self._z.eof:
                    self._finished = True
            except zlib.error as error:
                raise _invalid(error) from None
        data, self._pending = self._pending[:count], self._pending[count:]
        return data

    def write_bytes(self, data: bytes) -> None:
        if not self._open:
            raise ObjectDisposedException(CLOSED)
        if self._mode != 1:
            raise clr.InvalidOperationException("Writing to the compression stream is not supported.")
        self._inner.write_bytes(self._z.compress(data))

    def Close(self) -> Any:  # noqa: N802
        if self._open and self._mode == 1:
            self._inner.write_bytes(self._z.flush())
        self._open = False
        if not self._leave_open:
            self._inner.Close()
        return clr.VOID


def _invalid(error: zlib.error) -> clr.DotNetException:
    text = str(error)
    if "header" in text:
        return InvalidDataException("The magic number in GZip header is not correct. Make sure you are passing in "
                                    "a GZip stream.")
    if "check" in text:
        return InvalidDataException("The CRC in GZip footer does not match the CRC calculated from the "
                                    "decompressed data.")
    return InvalidDataException("Block length does not match with its complement.")
