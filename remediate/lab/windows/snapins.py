"""Windows PowerShell snap-ins: Get-PSSnapin and Add-PSSnapin (Microsoft.PowerShell.Core), and which are loaded.

learn.microsoft.com/powershell/module/microsoft.powershell.core/get-pssnapin?view=powershell-5.1 and
.../add-pssnapin?view=powershell-5.1. Both cmdlets exist in Windows PowerShell 1.0-5.1 only: PowerShell 6 and later
removed snap-ins, so there the commands are not recognized (the agent's defect 10): `available` says so, and the
interpreter reports the missing command as for any other.

- `Get-PSSnapin [-Name <string[]>] [-Registered]`: without -Registered, the snap-ins loaded in this session (in
  2.0 the seven core snap-ins of PowerShell itself, in 3.0 and later only Microsoft.PowerShell.Core); with it, the
  snap-ins registered on the computer that are not PowerShell's own. -Name takes wildcards; a name without
  wildcards that matches nothing is the non-terminating error "No Windows PowerShell snap-ins matching the pattern
  '<name>' were found. Check the pattern and then try the command again." (NoPSSnapInsFound, InvalidArgument).
- `Add-PSSnapin -Name <string[]> [-PassThru]`: loads registered snap-ins into the session (their cmdlets become
  available); a name that is not registered is "The Windows PowerShell snap-in '<name>' is not installed on this
  machine." (AddPSSnapInRead, InvalidArgument); one that is loaded already is "Cannot add Windows PowerShell
  snap-in <name> because it is already added. Verify the name of the snap-in, and then try the command again."
  (AddPSSnapInRead, InvalidArgument). The error ids' wording is PowerShell's resource text as commonly reported;
  the lab could not read the resource file itself (UNCONFIRMED).

What is registered comes from the host's state: the Exchange snap-in named by `machine.exchange.shell`. Which
snap-ins are loaded is session state; the lab's `Machine` is one PowerShell session, so it is kept there.
"""

from __future__ import annotations

import fnmatch
from typing import Any, ClassVar

from remediate.lab.windows import clr

CORE_SNAPINS_2 = ("Microsoft.PowerShell.Diagnostics", "Microsoft.WSMan.Management", "Microsoft.PowerShell.Core",
                  "Microsoft.PowerShell.Utility", "Microsoft.PowerShell.Host", "Microsoft.PowerShell.Management",
                  "Microsoft.PowerShell.Security")
CORE_SNAPINS_3 = ("Microsoft.PowerShell.Core",)


def windows_powershell(machine: Any) -> bool:
    """Snap-ins exist in Windows PowerShell (2.0 .. 5.1), the only shells the lab's Machine models today."""
    return machine.ps_version in (2, 5)


def loaded(machine: Any) -> set[str]:
    """The session's loaded snap-ins other than PowerShell's own (casefolded names)."""
    return machine.__dict__.setdefault("loaded_snapins", set())


def registered(machine: Any) -> list[str]:
    shell = machine.exchange.shell
    return [shell] if shell else []


def is_loaded(machine: Any, name: str | None) -> bool:
    return bool(name) and name.casefold() in loaded(machine)


@clr.register
class PSSnapInInfo(clr.DotNetObject):
    """System.Management.Automation.PSSnapInInfo (the objects Get-PSSnapin writes)."""

    TYPE_NAME: ClassVar[str] = "System.Management.Automation.PSSnapInInfo"

    def __init__(self, name: str, machine: Any, is_default: bool) -> None:
        self.Name = name
        self.IsDefault = is_default
        self.PSVersion = "2.0" if machine.ps_version == 2 or not is_default else "5.1"
        self.Description = name
        self.Vendor = "Microsoft Corporation"

    def ToString(self) -> str:  # noqa: N802
        return self.Name


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    return [clr.to_str(v) for v in (value if isinstance(value, list) else [value])]


def _wildcard(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


@clr.cmdlet("Get-PSSnapin", clr.Param("Name", "System.String[]", position=0), clr.Param(
    "Registered", "System.Management.Automation.SwitchParameter"), module="Microsoft.PowerShell.Core",
    available=windows_powershell)
def get_pssnapin(ctx: Any, Name: Any = None, Registered: bool = False) -> list[Any]:  # noqa: N803
    machine = ctx.machine
    if Registered:
        candidates = [(name, False) for name in registered(machine)]
    else:
        core = CORE_SNAPINS_2 if ctx.ps_version == 2 else CORE_SNAPINS_3
        candidates = [(name, True) for name in core]
        candidates += [(name, False) for name in registered(machine) if is_loaded(machine, name)]
    patterns = _names(Name)
    found = []
    for name, is_default in candidates:
        if not patterns or any(fnmatch.fnmatchcase(name.casefold(), p.casefold()) for p in patterns):
            found.append(PSSnapInInfo(name, machine, is_default))
    for pattern in patterns:
        if not _wildcard(pattern) and not any(fnmatch.fnmatchcase(i.Name.casefold(), pattern.casefold())
                                              for i in found):
            ctx.write_error(clr.ErrorRecord(
                clr.ArgumentException(f"No Windows PowerShell snap-ins matching the pattern '{pattern}' were found. "
                                      "Check the pattern and then try the command again."),
                "NoPSSnapInsFound", "InvalidArgument", pattern))
    return found


@clr.cmdlet("Add-PSSnapin", clr.Param("Name", "System.String[]", position=0, mandatory=True), clr.Param(
    "PassThru", "System.Management.Automation.SwitchParameter"), module="Microsoft.PowerShell.Core",
    available=windows_powershell)
def add_pssnapin(ctx: Any, Name: Any, PassThru: bool = False) -> list[Any]:  # noqa: N803
    machine = ctx.machine
    out = []
    for name in _names(Name):
        match = next((r for r in registered(machine) if r.casefold() == name.casefold()), None)
        if match is None:
            ctx.write_error(clr.ErrorRecord(
                clr.ArgumentException(f"The Windows PowerShell snap-in '{name}' is not installed on this machine."),
                "AddPSSnapInRead", "InvalidArgument", name))
            continue
        if is_loaded(machine, match):
            ctx.write_error(clr.ErrorRecord(
                clr.ArgumentException(f"Cannot add Windows PowerShell snap-in {name} because it is already added. "
                                      "Verify the name of the snap-in, and then try the command again."),
                "AddPSSnapInRead", "InvalidArgument", name))
            continue
        loaded(machine).add(match.casefold())
        if PassThru:
            out.append(PSSnapInInfo(match, machine, False))
    return out
