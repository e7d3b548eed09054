"""Symantec AntiVirus's event-4006 causes in `host.registry` (causes 3 and 8 of the write-up).

Lab conventions, not product facts: RealTimeScan\\HaveExceptionDirs REG_DWORD 0 with OnOff 1 means the SMTP folders
are scanned; a value OnOff of 1 under the Internet E-mail Auto-Protect key the playbooks' lab variables name
(UNCONFIRMED location) means the feature is on.
"""

from __future__ import annotations

from typing import Any

SAV_KEY = "SOFTWARE\\INTEL\\LANDesk\\VirusProtect6\\CurrentVersion\\Storages"
SAV_FILESYSTEM = SAV_KEY + "\\Filesystem\\RealTimeScan"
SAV_INTERNET_MAIL = SAV_KEY + "\\InternetMail\\RealTimeScan"  # the reference's lead only: UNCONFIRMED


def active_causes(host: Any) -> list[str]:
    """`sav-exclusions-off` and `sav-internet-mail`."""
    registry = host.registry
    causes = []
    scan = registry.get("HKLM", SAV_FILESYSTEM, "OnOff")
    exceptions = registry.get("HKLM", SAV_FILESYSTEM, "HaveExceptionDirs")
    if scan.get("data") == 1 and exceptions.get("exists") and exceptions.get("data") == 0:
        causes.append("sav-exclusions-off")
    if registry.get("HKLM", SAV_INTERNET_MAIL, "OnOff").get("data") == 1:
        causes.append("sav-internet-mail")
    return causes
