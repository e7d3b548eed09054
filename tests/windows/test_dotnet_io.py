"""MemoryStream, GZipStream, StreamReader/StreamWriter and Encoding as .NET Framework documents them."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from dotnet_helpers import raises, runtime

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_encoding import ASCII, UNICODE, UTF8, Encoding
from remediate.lab.windows.dotnet_io import (
    CompressionMode, GZipStream, InvalidDataException, MemoryStream, ObjectDisposedException, SeekOrigin,
)
from remediate.lab.windows.dotnet_textio import StreamReader, StreamWriter

RT = runtime()


def byte_list(data: bytes) -> clr.TypedArray:
    return clr.TypedArray("System.Byte", [clr.Byte(b) for b in data])


def test_gzip_of_non_gzip_data() -> None:
    unzip = GZipStream.new(RT, MemoryStream.new(RT, byte_list(b"not gzip at all")), "Decompress")
    raises(InvalidDataException, "The magic number in GZip header is not correct. Make sure you are passing in a "
           "GZip stream.", lambda: StreamReader.new(RT, unzip).ReadToEnd())


def test_gzip_compress_round_trip() -> None:
    memory = MemoryStream.new(RT)
    zipped = GZipStream.new(RT, memory, CompressionMode.member("Compress"), True)
    data = byte_list(b"hello " * 100)
    zipped.Write(data, 0, len(data))
    zipped.Close()
    assert gzip.decompress(bytes(memory.ToArray())) == b"hello " * 100


def test_memory_stream_over_bytes_is_not_expandable() -> None:
    stream = MemoryStream.new(RT, byte_list(b"abc"))
    assert stream.Length == 3 and isinstance(stream.Length, clr.Int64)
    stream.Seek(0, SeekOrigin.member("End"))
    raises(clr.NotSupportedException, "Memory stream is not expandable.", lambda: stream.Write(byte_list(b"d"), 0, 1))
    raises(clr.IOException, "An attempt was made to move the position before the beginning of the stream.",
           lambda: stream.Seek(-5, "Current"))


def test_memory_stream_lock_file_cycle() -> None:
    """Read-LockStream / Write-LockStream: read all, Seek(0, Begin), SetLength(0), Write, Flush."""
    stream = MemoryStream.new(RT)
    old = ASCII.GetBytes("old contents")
    stream.Write(old, 0, len(old))
    stream.Seek(0, SeekOrigin.member("Begin"))
    buffer = clr.TypedArray("System.Byte", [clr.Byte(0)] * int(stream.Length))
    assert stream.Read(buffer, 0, len(buffer)) == 12
    assert ASCII.GetString(buffer, 0, 12) == "old contents"
    stream.Seek(0, "Begin")
    stream.SetLength(0)
    new = ASCII.GetBytes("new")
    stream.Write(new, 0, len(new))
    assert bytes(stream.ToArray()) == b"new"
    stream.Close()
    raises(ObjectDisposedException, "Cannot access a closed Stream.", lambda: stream.Length)
    assert bytes(stream.ToArray()) == b"new"


def test_memory_stream_null_buffer() -> None:
    raises(clr.ArgumentNullException, "Buffer cannot be null.\r\nParameter name: buffer",
           lambda: MemoryStream.new(RT, None))


READ_LINES = [
    (b"220 hello\r\n250-a\r\n250 b\r\n", ["220 hello", "250-a", "250 b", None]),
    (b"a\rb\nc", ["a", "b", "c", None]),
    (b"\xef\xbb\xbfbom", ["bom", None]),
    (b"", [None]),
]


@pytest.mark.parametrize("data, lines", READ_LINES)
def test_read_line(data: bytes, lines: list[Any]) -> None:
    reader = StreamReader.new(RT, MemoryStream.new(RT, byte_list(data)))
    assert [reader.ReadLine() for _ in lines] == lines


def test_reader_detects_bom_over_given_encoding() -> None:
    reader = StreamReader.new(RT, MemoryStream.new(RT, byte_list(b"\xff\xfeh\x00i\x00")), ASCII)
    assert reader.ReadToEnd() == "hi"
    assert reader.CurrentEncoding is UNICODE


def test_writer_default_is_utf8_without_bom_and_autoflush() -> None:
    memory = MemoryStream.new(RT)
    writer = StreamWriter.new(RT, memory)
    writer.NewLine = "\r\n"
    writer.AutoFlush = True
    writer.WriteLine("EHLO probe.invalid")
    assert bytes(memory.ToArray()) == b"EHLO probe.invalid\r\n"
    writer.Write("é")
    assert bytes(memory.ToArray())[-2:] == "é".encode()


def test_writer_with_utf8_writes_the_preamble() -> None:
    memory = MemoryStream.new(RT)
    writer = StreamWriter.new(RT, memory, UTF8)
    writer.Write("x")
    writer.Close()
    assert bytes(memory.ToArray()) == b"\xef\xbb\xbfx"


ENCODINGS = [
    (ASCII, "héllo", b"h?llo", "h?llo"),
    (UTF8, "héllo", "héllo".encode(), "héllo"),
    (UNICODE, "hi", b"h\x00i\x00", "hi"),
]


@pytest.mark.parametrize("encoding, text, data, back", ENCODINGS)
def test_encoding_round_trip(encoding: Encoding, text: str, data: bytes, back: str) -> None:
    encoded = encoding.GetBytes(text)
    assert isinstance(encoded, clr.TypedArray) and encoded.element_type == "System.Byte"
    assert bytes(encoded) == data
    assert encoding.GetString(encoded) == back


def test_encoding_decode_errors() -> None:
    assert ASCII.GetString(byte_list(b"a\xffb")) == "a?b"
    assert UTF8.GetString(byte_list(b"a\xffb")) == "a\ufffdb"
    raises(clr.ArgumentNullException, "Value cannot be null.\r\nParameter name: s", lambda: ASCII.GetBytes(None))
    raises(clr.ArgumentOutOfRangeException, None, lambda: ASCII.GetString(byte_list(b"ab"), 1, 5))
    assert bytes(UTF8.GetPreamble()) == b"\xef\xbb\xbf" and bytes(ASCII.GetPreamble()) == b""
