"""Simulated Microsoft Defender Antivirus preferences: the ExclusionPath and ExclusionProcess lists.

`installed` False is a host without Defender (Windows Server 2003, a 2012 R2 server without the unified agent):
every op fails with the message the agent gives when Get-MpPreference is missing. The lists hold entries as they
were added (spelling kept); lookups compare as Windows resolves paths and names (remediate/lab/state/wintext.py:
two spellings of one folder are one entry; a process entry is a file name, compared the same way).
`remove` takes out every entry equal to the value, so the value reads as absent afterwards.

`load()` takes `{"installed": bool, "exclusions": {"path": [...], "process": [...]}}`; each key given replaces
that part. `snapshot()` lists each type's entries sorted (Defender's lists are sets: order carries no meaning).
Thread-safe: every public method takes `lock`.
"""

from __future__ import annotations

import threading
from typing import Any

from remediate.lab.state import InvalidArgument, StateError
from remediate.lab.state.wintext import folder_key, same_path, upper_invariant

TYPES = ("path", "process")
NOT_INSTALLED_MESSAGE = "Microsoft Defender Antivirus is not installed: Get-MpPreference is not available"


def same_entry(left: str, right: str) -> bool:
    return same_path(left, right)


class SimDefender:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.installed = False
        self.exclusions: dict[str, list[str]] = {t: [] for t in TYPES}
        self.writes = 0

    # ----------------------------------------------------------------------------------------------- protocol ops

    def get(self, type_: str, value: str) -> dict[str, bool]:
        with self.lock:
            return {"exists": bool(self._matches(type_, value))}

    def add(self, type_: str, value: str) -> None:
        """Add-MpPreference with one entry; an entry already there (any spelling) is not added twice."""
        with self.lock:
            matches = self._matches(type_, value)
            self.writes += 1
            if not matches:
                self.exclusions[type_].append(value)

    def remove(self, type_: str, value: str) -> None:
        """Remove-MpPreference with every spelling of the entry in the list; none is not an error."""
        with self.lock:
            matches = self._matches(type_, value)
            self.writes += 1
            self.exclusions[type_] = [e for e in self.exclusions[type_] if e not in matches]

    # ----------------------------------------------------------------------------------------- test/scenario API

    def excludes(self, type_: str, suffix: str) -> bool:
        """Whether an entry of that type ends with `suffix` (compared as Windows would): for `active_causes`."""
        with self.lock:
            want = folder_key(suffix)
            return self.installed and any(folder_key(e).endswith(want) for e in self.exclusions[type_])

    def load(self, data: dict[str, Any] | None) -> None:
        with self.lock:
            data = data or {}
            unknown = set(data) - {"installed", "exclusions"}
            if unknown:
                raise InvalidArgument(f"defender: unknown key(s) {', '.join(sorted(unknown))}")
            if "installed" in data:
                self.installed = bool(data["installed"])
            for type_, entries in (data.get("exclusions") or {}).items():
                if type_ not in TYPES:
                    raise InvalidArgument(f"defender: exclusion type must be one of {', '.join(TYPES)}")
                self.exclusions[type_] = [str(e) for e in entries or []]

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"installed": self.installed,
                    "exclusions": {t: sorted(self.exclusions[t], key=upper_invariant) for t in TYPES}}

    # ------------------------------------------------------------------------------------------------- internals

    def _matches(self, type_: str, value: str) -> list[str]:
        if not self.installed:
            raise StateError(NOT_INSTALLED_MESSAGE)
        return [e for e in self.exclusions[type_] if same_entry(e, value)]


# Microsoft's exclusions for Exchange 2016/2019 as the exchange-av-exclusions playbook lists them, with
# %ExchangeInstallPath% and %SystemRoot% at their usual values: a healthy 2019 host has them all. Defender is not
# part of Windows Server 2012 R2 or 2003, so those platforms start without it (a scenario host may add it).
_INSTALL = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\"
_ROOT = "C:\\Windows"
EXCHANGE_FOLDERS = [
    _INSTALL + "TransportRoles\\Data\\Queue", _INSTALL + "TransportRoles\\Data\\Temp",
    _INSTALL + "TransportRoles\\Logs", _INSTALL + "TransportRoles\\Pickup", _INSTALL + "TransportRoles\\Replay",
    _INSTALL + "Mailbox", _INSTALL + "Logging", _INSTALL + "FIP-FS", _INSTALL + "Working\\OleConverter",
    _ROOT + "\\System32\\inetsrv", _ROOT + "\\Cluster",
    _ROOT + "\\Microsoft.NET\\Framework64\\v4.0.30319\\Temporary ASP.NET Files",
]
EXCHANGE_PROCESSES = [
    "EdgeTransport.exe", "MSExchangeTransport.exe", "MSExchangeFrontendTransport.exe", "MSExchangeDelivery.exe",
    "MSExchangeSubmission.exe", "inetinfo.exe", "OleConverter.exe", "Microsoft.Exchange.Store.Worker.exe",
    "noderunner.exe",
]
DEFAULTS: dict[str, dict[str, Any]] = {
    "win2003-ex2003": {"installed": False},
    "win2012r2-ex2013": {"installed": False},
    "win2019-ex2019": {"installed": True, "exclusions": {"path": EXCHANGE_FOLDERS, "process": EXCHANGE_PROCESSES}},
}
