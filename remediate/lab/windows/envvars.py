"""The environment variables of the agent's process on a lab host (`$env:NAME`, Environment.GetEnvironmentVariable,
ExpandEnvironmentVariables), from the host's volume layout and facts.

Names as "Recognized environment variables" (learn.microsoft.com/windows/deployment/usmt/usmt-recognized-environment-
variables) lists them for each release: Windows Server 2003 has ALLUSERSPROFILE under C:\\Documents and Settings and
no ProgramData; later releases have both at C:\\ProgramData. Names are case-insensitive (`lookup`).
"""

from __future__ import annotations

from typing import Any


def variables(machine: Any) -> dict[str, str]:
    files = machine.files
    windows = files.folder("Windows")
    common = files.folder("CommonApplicationData")
    out = {
        "ComputerName": machine.computer_name,
        "SystemDrive": windows[:2], "SystemRoot": windows, "windir": windows,
        "ProgramFiles": files.folder("ProgramFiles"),
        "CommonProgramFiles": files.folder("ProgramFiles") + "\\Common Files",
        "OS": "Windows_NT", "PATHEXT": ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC",
        "ComSpec": files.folder("System") + "\\cmd.exe",
    }
    if files.layout == "win2003":
        out["ALLUSERSPROFILE"] = common.rsplit("\\", 1)[0]  # C:\Documents and Settings\All Users
    else:
        out["ALLUSERSPROFILE"] = common
        out["ProgramData"] = common
    return out


def lookup(machine: Any, name: str) -> str | None:
    wanted = name.casefold()
    return next((value for key, value in variables(machine).items() if key.casefold() == wanted), None)


def expand(machine: Any, text: str) -> str:
    """Environment.ExpandEnvironmentVariables: %NAME% replaced where NAME is set, left as written where not."""
    out, rest = [], text
    while True:
        start = rest.find("%")
        end = rest.find("%", start + 1) if start >= 0 else -1
        if start < 0 or end < 0:
            out.append(rest)
            return "".join(out)
        value = lookup(machine, rest[start + 1:end])
        if value is None:
            out.append(rest[:end])  # the second % may open the next name
            rest = rest[end:]
        else:
            out.append(rest[:start] + value)
            rest = rest[end + 1:]
