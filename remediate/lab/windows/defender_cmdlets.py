"""Microsoft Defender Antivirus preferences: Get-MpPreference, Add-MpPreference, Remove-MpPreference.

learn.microsoft.com/powershell/module/defender/get-mppreference, .../add-mppreference, .../remove-mppreference.
The Defender module exists where Defender is installed (Windows Server 2016 and later; `machine.defender.installed`
in the lab); elsewhere the cmdlets are not recognized.

- Get-MpPreference writes one MSFT_MpPreference CIM instance; its ExclusionPath / ExclusionProcess /
  ExclusionExtension are string arrays, or $null when the list is empty (CIM gives no empty arrays).
- Add-MpPreference -ExclusionPath/-ExclusionProcess <string[]> adds each entry. Defender keeps its exclusions as
  registry value names (HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Exclusions\\Paths, ...\\Processes), and the
  lab reads that as: an entry equal to one already there without regard to case is not added again (the first
  spelling stays), a differently written path of the same folder (a trailing backslash, doubled separators) is a
  separate entry. The cmdlet pages do not say; UNCONFIRMED on a real server.
- Remove-MpPreference removes the entries equal to each value, without regard to case; a value that is not there
  is no error.
ExclusionExtension is not in the lab's state: any use of it is refused as not modelled. The "N/A: Must be an
administrator to view exclusions" placeholder of non-administrator sessions is not modelled either (the lab's
sessions are administrators').
"""

from __future__ import annotations

from typing import Any, ClassVar

from remediate.lab.windows import clr
from remediate.lab.windows.refusal import NotModeled

_LISTS = {"ExclusionPath": "path", "ExclusionProcess": "process"}


def _installed(machine: Any) -> bool:
    return bool(machine.defender.installed)


_OPTIONS: dict[str, Any] = {"module": "Defender", "since": "5.0", "available": _installed}


@clr.register
class MpPreference(clr.DotNetObject):
    TYPE_NAME: ClassVar[str] = "Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/Defender/" \
                               "MSFT_MpPreference"

    def __init__(self, lists: dict[str, list[str]]) -> None:
        self._lists = lists

    def _list(self, kind: str) -> Any:
        entries = self._lists.get(kind) or []
        return clr.TypedArray("System.String", entries) if entries else None

    @property
    def ExclusionPath(self) -> Any:  # noqa: N802
        return self._list("path")

    @property
    def ExclusionProcess(self) -> Any:  # noqa: N802
        return self._list("process")

    @property
    def ExclusionExtension(self) -> Any:  # noqa: N802
        raise NotModeled("MSFT_MpPreference.ExclusionExtension", "the lab's Defender state has paths and processes")


@clr.cmdlet("Get-MpPreference", **_OPTIONS)
def get_mp_preference(ctx: Any) -> list[Any]:
    defender = ctx.machine.defender
    with defender.lock:
        return [MpPreference({kind: list(entries) for kind, entries in defender.exclusions.items()})]


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [clr.to_str(item) for item in items]


def _change(ctx: Any, bound: dict[str, Any], add: bool) -> list[Any]:
    if "ExclusionExtension" in bound:
        raise NotModeled("Add/Remove-MpPreference -ExclusionExtension")
    defender = ctx.machine.defender
    with defender.lock:
        for parameter, kind in _LISTS.items():
            if parameter not in bound:
                continue
            entries = defender.exclusions[kind]
            for value in _values(bound[parameter]):
                present = [e for e in entries if e.casefold() == value.casefold()]
                if add and not present:
                    entries.append(value)
                elif not add:
                    for entry in present:
                        entries.remove(entry)
            defender.writes += 1
    return []


_CHANGE_PARAMS = (clr.Param("ExclusionPath", "System.String[]"), clr.Param("ExclusionProcess", "System.String[]"),
                  clr.Param("ExclusionExtension", "System.String[]"),
                  clr.Param("Force", "System.Management.Automation.SwitchParameter"))


@clr.cmdlet("Add-MpPreference", *_CHANGE_PARAMS, **_OPTIONS)
def add_mp_preference(ctx: Any, **bound: Any) -> list[Any]:
    return _change(ctx, bound, add=True)


@clr.cmdlet("Remove-MpPreference", *_CHANGE_PARAMS, **_OPTIONS)
def remove_mp_preference(ctx: Any, **bound: Any) -> list[Any]:
    return _change(ctx, bound, add=False)
