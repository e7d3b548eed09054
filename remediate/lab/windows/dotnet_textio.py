"""System.IO.StreamReader and StreamWriter over any clr.Stream (MemoryStream, GZipStream, a file's or a socket's).

Sources (learn.microsoft.com/dotnet/api/...): system.io.streamreader (the (Stream) and (Stream, Encoding)
constructors detect byte order marks; ReadLine ends a line at "\n", "\r" or "\r\n" and returns null at the end),
system.io.streamwriter (the (Stream) constructor writes UTF-8 without a BOM; an explicit encoding's preamble is
written first unless the stream is seekable and not at position 0; NewLine, AutoFlush),
system.io.textreader/textwriter ("Cannot read from a closed TextReader.").
"""

from __future__ import annotations

from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_args import is_null, null_arg
from remediate.lab.windows.dotnet_encoding import (
    UTF8, UTF8_NO_BOM, Encoding, decoder, detect_bom, encode, encoding_arg,
)
from remediate.lab.windows.dotnet_io import ObjectDisposedException
from remediate.lab.windows.refusal import NotModeled


@clr.register
class StreamReader(clr.DotNetObject):
    """System.IO.StreamReader over a clr.Stream (a path argument is win-a's file system: refused here)."""

    TYPE_NAME = "System.IO.StreamReader"

    def __init__(self, stream: clr.Stream, encoding: Encoding, detect: bool) -> None:
        self._stream, self._encoding, self._detect = stream, encoding, detect
        self._decoder: Any = None
        self._text = ""
        self._eof = False
        self._open = True

    @classmethod
    def new(cls, rt: Any, stream: Any, encoding: Any = None, detect: Any = True, *rest: Any) -> StreamReader:
        """StreamReader(Stream), (Stream, Encoding), (Stream, bool), (Stream, Encoding, bool[, int])."""
        if is_null(stream):
            raise null_arg("stream")
        if isinstance(encoding, bool):
            encoding, detect = None, encoding
        if not isinstance(stream, clr.Stream):
            raise NotModeled("StreamReader over a path (System.IO.File's simulation opens files)")
        return cls(stream, UTF8 if encoding is None else encoding_arg(encoding), clr.to_bool(detect))

    def _fill(self) -> bool:
        """Reads one more chunk from the stream; False at its end."""
        if self._eof:
            return False
        data = self._stream.read_bytes(4096)
        if self._decoder is None:
            if self._detect and data:
                self._encoding, skip = detect_bom(data, self._encoding)
                data = data[skip:]
            self._decoder = decoder(self._encoding)
        if not data:
            self._eof = True
            self._text += self._decoder.decode(b"", True)
            return False
        self._text += self._decoder.decode(data, False)
        return True

    def _check(self) -> None:
        if not self._open:
            raise ObjectDisposedException("Cannot read from a closed TextReader.")

    @property
    def BaseStream(self) -> Any:  # noqa: N802
        return self._stream if self._open else None

    @property
    def CurrentEncoding(self) -> Encoding:  # noqa: N802
        return self._encoding

    @property
    def EndOfStream(self) -> bool:  # noqa: N802
        self._check()
        while not self._text and self._fill():
            pass
        return not self._text

    def ReadToEnd(self) -> str:  # noqa: N802
        self._check()
        while self._fill():
            pass
        text, self._text = self._text, ""
        return text

    def ReadLine(self) -> str | None:  # noqa: N802
        """The next line without its terminator ("\\n", "\\r" or "\\r\\n"); null at the end of the stream."""
        self._check()
        while True:
            cut = min((i for i in (self._text.find("\r"), self._text.find("\n")) if i >= 0), default=-1)
            if cut >= 0 and (self._text[cut] == "\n" or cut + 1 < len(self._text) or self._eof):
                line = self._text[:cut]
                skip = 2 if self._text.startswith("\r\n", cut) else 1
                self._text = self._text[cut + skip:]
                return line
            if not self._fill():
                if cut >= 0:
                    continue
                if not self._text:
                    return None
                line, self._text = self._text, ""
                return line

    def Read(self) -> int:  # noqa: N802
        self._check()
        while not self._text and self._fill():
            pass
        if not self._text:
            return -1
        c, self._text = self._text[0], self._text[1:]
        return ord(c)

    def Peek(self) -> int:  # noqa: N802
        self._check()
        while not self._text and self._fill():
            pass
        return ord(self._text[0]) if self._text else -1

    def Close(self) -> Any:  # noqa: N802
        if self._open:
            self._open = False
            self._stream.Close()
        return clr.VOID

    def Dispose(self) -> Any:  # noqa: N802
        return self.Close()


@clr.register
class StreamWriter(clr.DotNetObject):
    """System.IO.StreamWriter over a clr.Stream. Text is buffered until Flush, Close or (AutoFlush) each write."""

    TYPE_NAME = "System.IO.StreamWriter"

    def __init__(self, stream: clr.Stream, encoding: Encoding) -> None:
        self._stream, self._encoding = stream, encoding
        self._buffer: list[str] = []
        self._preamble_done = bool(getattr(stream, "CanSeek", False)) and int(getattr(stream, "Position", 0)) != 0
        self._newline = "\r\n"
        self._autoflush = False
        self._open = True

    @classmethod
    def new(cls, rt: Any, stream: Any, encoding: Any = None, *rest: Any) -> StreamWriter:
        if is_null(stream):
            raise null_arg("stream")
        if not isinstance(stream, clr.Stream):
            raise NotModeled("StreamWriter over a path (System.IO.File's simulation opens files)")
        return cls(stream, UTF8_NO_BOM if encoding is None else encoding_arg(encoding))

    @property
    def NewLine(self) -> str:  # noqa: N802
        return self._newline

    @NewLine.setter
    def NewLine(self, value: Any) -> None:  # noqa: N802
        self._newline = "\r\n" if is_null(value) else clr.to_str(value)

    @property
    def AutoFlush(self) -> bool:  # noqa: N802
        return self._autoflush

    @AutoFlush.setter
    def AutoFlush(self, value: Any) -> None:  # noqa: N802
        self._autoflush = clr.to_bool(value)
        if self._autoflush:
            self.Flush()

    @property
    def BaseStream(self) -> Any:  # noqa: N802
        return self._stream if self._open else None

    @property
    def Encoding(self) -> Encoding:  # noqa: N802
        return self._encoding

    def _write(self, text: str) -> Any:
        if not self._open:
            raise ObjectDisposedException("Cannot write to a closed TextWriter.")
        self._buffer.append(text)
        if self._autoflush:
            self.Flush()
        return clr.VOID

    def Write(self, value: Any = None) -> Any:  # noqa: N802
        return self._write("".join(value) if isinstance(value, clr.TypedArray) and value.element_type
                           == "System.Char" else clr.to_str(value))

    def WriteLine(self, value: Any = None) -> Any:  # noqa: N802
        return self._write(("" if value is None else clr.to_str(value)) + self._newline)

    def Flush(self) -> Any:  # noqa: N802
        if not self._open:
            raise ObjectDisposedException("Cannot write to a closed TextWriter.")
        data = encode(self._encoding, "".join(self._buffer))
        self._buffer.clear()
        if not self._preamble_done:
            self._preamble_done = True
            data = self._encoding.preamble + data
        if data:
            self._stream.write_bytes(data)
        self._stream.Flush()
        return clr.VOID

    def Close(self) -> Any:  # noqa: N802
        if self._open:
            self.Flush()
            self._open = False
            self._stream.Close()
        return clr.VOID

    def Dispose(self) -> Any:  # noqa: N802
        return self.Close()
