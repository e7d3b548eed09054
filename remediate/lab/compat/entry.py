"""One row of the curated compatibility catalog: when a thing appeared, what it needs, and Microsoft's page for it."""

from __future__ import annotations

from dataclasses import dataclass

LEARN = "https://learn.microsoft.com/"
DOTNET_API = LEARN + "dotnet/api/"


@dataclass(frozen=True)
class Entry:
    introduced: str  # as the doc shows it: "PowerShell 2.0", ".NET Framework 2.0", "Exchange 2007 (snap-in)"
    source: str  # the Microsoft page whose "applies to" / version notes say so
    ps: tuple[int, int] | None = None  # least PowerShell version, when the item is PowerShell's
    dotnet: tuple[int, int] | None = None  # least .NET Framework version, when the item is .NET's
    needs: str = ""  # a platform capability beyond PowerShell/.NET (platforms.CAPABILITIES)
    note: str = ""


def ps(version: str, source: str, needs: str = "", note: str = "") -> Entry:
    major, minor = (int(p) for p in version.split("."))
    return Entry(f"PowerShell {version}", source, ps=(major, minor), needs=needs, note=note)


def net(version: str, api: str, note: str = "") -> Entry:
    """A .NET Framework type or member; `api` is its page under learn.microsoft.com/dotnet/api/ (Applies to)."""
    major, minor = (int(p) for p in version.split("."))
    return Entry(f".NET Framework {version}", DOTNET_API + api.lower(), dotnet=(major, minor), note=note)


def other(introduced: str, source: str, needs: str = "", note: str = "") -> Entry:
    """Something neither PowerShell nor .NET provides (an Exchange object, a WMI or COM class, an agent key)."""
    return Entry(introduced, source, needs=needs, note=note)
