"""System.Console's standard streams: what `[Console]::Out.Write(...)` and `[Console]::Error.WriteLine(...)` reach.

Documents: https://learn.microsoft.com/dotnet/api/system.console (Out, Error) and
https://learn.microsoft.com/dotnet/api/system.io.textwriter (Write, WriteLine: WriteLine ends with
Environment.NewLine, "\\r\\n" on Windows). The streams are the process's stdout/stderr as the interpreter's session
gives them (`rt.stdout`, `rt.stderr`): bytes written here bypass PowerShell's formatter, as on Windows.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.windows import clr


@clr.register
class TextWriter(clr.DotNetObject):
    TYPE_NAME = "System.IO.TextWriter"

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def Write(self, value: Any = None) -> Any:  # noqa: N802 - .NET names
        self._stream.write(clr.to_str(value))
        return clr.VOID

    def WriteLine(self, value: Any = None) -> Any:  # noqa: N802
        self._stream.write(clr.to_str(value) + "\r\n")
        return clr.VOID

    def Flush(self) -> Any:  # noqa: N802
        return clr.VOID


@clr.register
class Console(clr.DotNetObject):
    TYPE_NAME = "System.Console"

    @clr.static_property
    def Out(rt: Any) -> TextWriter:  # noqa: N802,N805
        return TextWriter(rt.stdout)

    @clr.static_property
    def Error(rt: Any) -> TextWriter:  # noqa: N802,N805
        return TextWriter(rt.stderr)

    @clr.static
    def WriteLine(rt: Any, value: Any = None) -> Any:  # noqa: N802,N805
        rt.stdout.write(clr.to_str(value) + "\r\n")
        return clr.VOID

    @clr.static
    def Write(rt: Any, value: Any = None) -> Any:  # noqa: N802,N805
        rt.stdout.write(clr.to_str(value))
        return clr.VOID
