"""System.Text.Encoding: ASCII, UTF8, Unicode (UTF-16LE), BigEndianUnicode, UTF32, Default (Windows-1252 on en-US).

Sources: https://learn.microsoft.com/dotnet/api/system.text.encoding (GetBytes, GetString, GetByteCount, GetPreamble,
the static properties), https://learn.microsoft.com/dotnet/standard/base-types/character-encoding ("replacement
fallback": ASCIIEncoding writes '?' for a character above U+007F and reads '?' for a byte above 0x7F; UTF8Encoding
and UnicodeEncoding replace invalid data with U+FFFD). `Encoding.UTF8` has a byte order mark preamble, which
GetBytes never writes (StreamWriter does).
"""

from __future__ import annotations

import codecs
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_args import (
    bytes_arg, byte_array, chars_arg, int_arg, is_null, null_arg, out_of_range,
)
from remediate.lab.windows.refusal import NotModeled


# ASCIIEncoding's replacement fallback: a byte above 0x7F reads as '?'.
_ASCII_READ = bytes(range(0x80)) + b"?" * 0x80


class _AsciiDecoder:
    def decode(self, data: bytes, final: bool = False) -> str:
        return bytes(data).translate(_ASCII_READ).decode("ascii")


@clr.register
class Encoding(clr.DotNetObject):
    """One encoding; `codec` is Python's name for it, `preamble` its byte order mark."""

    TYPE_NAME = "System.Text.Encoding"

    def __init__(self, name: str, codec: str, code_page: int, web_name: str, preamble: bytes = b"") -> None:
        self._name, self.codec, self._code_page, self._web_name, self.preamble = (
            name, codec, code_page, web_name, preamble)

    # ---- Python side (private: PowerShell sees only the .NET members; other modules use encode/decode below) ---

    def _encode(self, text: str) -> bytes:
        if self.codec == "ascii":
            return text.encode("ascii", errors="replace")  # '?' for each character above U+007F
        if self.codec == "cp1252":
            return text.encode("cp1252", errors="replace")
        # A lone surrogate cannot be encoded: the replacement fallback writes U+FFFD.
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text).encode(self.codec)

    def _decode(self, data: bytes) -> str:
        return self._decoder().decode(data, True)

    def _decoder(self) -> Any:
        if self.codec == "ascii":
            return _AsciiDecoder()
        return codecs.getincrementaldecoder(self.codec)(errors="replace")

    # ---- .NET members ----------------------------------------------------------------------------------------

    @property
    def EncodingName(self) -> str:  # noqa: N802 - .NET names
        return self._name

    @property
    def WebName(self) -> str:  # noqa: N802
        return self._web_name

    @property
    def CodePage(self) -> int:  # noqa: N802
        return self._code_page

    def ToString(self) -> str:  # noqa: N802
        return f"System.Text.{type(self).__name__}" if type(self) is not Encoding else _CLASS_NAMES[self.codec]

    def GetBytes(self, value: Any, index: Any = None, count: Any = None) -> clr.TypedArray:  # noqa: N802
        """GetBytes(string), GetBytes(char[]), GetBytes(char[], index, count)."""
        if is_null(value):
            raise null_arg("s" if index is None else "chars")
        text = "".join(chars_arg(value)) if isinstance(value, list) else clr.to_str(value)
        if index is not None:
            start, size = int_arg(index), int_arg(count)
            if start < 0 or size < 0:
                raise out_of_range("Non-negative number required.", "index" if start < 0 else "count")
            if start + size > len(text):
                raise out_of_range("Index and count must refer to a location within the buffer.", "chars")
            text = text[start:start + size]
        return byte_array(self._encode(text))

    def GetByteCount(self, value: Any) -> int:  # noqa: N802
        if is_null(value):
            raise null_arg("s")
        return len(self._encode("".join(chars_arg(value)) if isinstance(value, list) else clr.to_str(value)))

    def GetString(self, value: Any, index: Any = None, count: Any = None) -> str:  # noqa: N802
        """GetString(byte[]) and GetString(byte[], index, count)."""
        data = bytes_arg(value, "bytes")
        if index is not None:
            start, size = int_arg(index), int_arg(count)
            if start < 0 or size < 0:
                raise out_of_range("Non-negative number required.", "index" if start < 0 else "count")
            if start + size > len(data):
                raise out_of_range("Index and count must refer to a location within the buffer.", "bytes")
            data = data[start:start + size]
        return self._decode(data)

    def GetPreamble(self) -> clr.TypedArray:  # noqa: N802
        return byte_array(self.preamble)

    @clr.static_property
    def ASCII(rt: Any) -> Encoding:  # noqa: N802,N805
        return ASCII

    @clr.static_property
    def UTF8(rt: Any) -> Encoding:  # noqa: N802,N805
        return UTF8

    @clr.static_property
    def Unicode(rt: Any) -> Encoding:  # noqa: N802,N805
        return UNICODE

    @clr.static_property
    def BigEndianUnicode(rt: Any) -> Encoding:  # noqa: N802,N805
        return BIG_ENDIAN_UNICODE

    @clr.static_property
    def UTF32(rt: Any) -> Encoding:  # noqa: N802,N805
        return UTF32

    @clr.static_property
    def Default(rt: Any) -> Encoding:  # noqa: N802,N805
        return DEFAULT

    @clr.static
    def GetEncoding(rt: Any, name: Any) -> Encoding:  # noqa: N802,N805
        key = clr.to_str(name).casefold()
        for encoding in (ASCII, UTF8, UNICODE, BIG_ENDIAN_UNICODE, UTF32, DEFAULT):
            if key in (str(encoding.CodePage), encoding.WebName.casefold()):
                return encoding
        raise NotModeled(f"Encoding.GetEncoding({name!r})")


_CLASS_NAMES = {"ascii": "System.Text.ASCIIEncoding", "utf-8": "System.Text.UTF8Encoding",
                "utf-16-le": "System.Text.UnicodeEncoding", "utf-16-be": "System.Text.UnicodeEncoding",
                "utf-32-le": "System.Text.UTF32Encoding", "cp1252": "System.Text.SBCSCodePageEncoding"}

ASCII = Encoding("US-ASCII", "ascii", 20127, "us-ascii")
UTF8 = Encoding("Unicode (UTF-8)", "utf-8", 65001, "utf-8", codecs.BOM_UTF8)
UTF8_NO_BOM = Encoding("Unicode (UTF-8)", "utf-8", 65001, "utf-8")  # StreamWriter's default
UNICODE = Encoding("Unicode", "utf-16-le", 1200, "utf-16", codecs.BOM_UTF16_LE)
BIG_ENDIAN_UNICODE = Encoding("Unicode (Big-Endian)", "utf-16-be", 1201, "utf-16BE", codecs.BOM_UTF16_BE)
UTF32 = Encoding("Unicode (UTF-32)", "utf-32-le", 12000, "utf-32", codecs.BOM_UTF32_LE)
DEFAULT = Encoding("Western European (Windows)", "cp1252", 1252, "Windows-1252")


def detect_bom(data: bytes, fallback: Encoding) -> tuple[Encoding, int]:
    """StreamReader's detectEncodingFromByteOrderMarks: the encoding a leading BOM names and the BOM's length."""
    for encoding, mark in ((UTF32, codecs.BOM_UTF32_LE), (UTF8, codecs.BOM_UTF8), (UNICODE, codecs.BOM_UTF16_LE),
                           (BIG_ENDIAN_UNICODE, codecs.BOM_UTF16_BE)):
        if data.startswith(mark):
            return encoding, len(mark)
    return fallback, 0


def encoding_arg(value: Any, param: str = "encoding") -> Encoding:
    if is_null(value):
        raise null_arg(param)
    if not isinstance(value, Encoding):
        raise clr.ArgumentException(f"Cannot convert argument \"{param}\" to System.Text.Encoding.")
    return value


def encode(encoding: Encoding, text: str) -> bytes:
    """Encoding.GetBytes for Python callers (StreamWriter, File.WriteAllText)."""
    return encoding._encode(text)


def decode(encoding: Encoding, data: bytes) -> str:
    """Encoding.GetString for Python callers (File.ReadAllText)."""
    return encoding._decode(data)


def decoder(encoding: Encoding) -> Any:
    """An incremental decoder (`decode(data, final)`) for readers over streams."""
    return encoding._decoder()
