"""The platforms a simulated host can be: what its `facts` op answers.

Versions are the public release builds of each product (Exchange 2003 SP2 6.5.7638, Exchange 2013 CU23
15.0.1497, Exchange 2019 CU12 15.2.1118); PowerShell as each Windows release ships it (Server 2003: WMF 2.0).
"""

from __future__ import annotations

from typing import Any

from remediate.lab.state.exchange import platform_defaults as exchange_defaults
from remediate.lab.state import defender, files, firewall, services
from remediate.lab.state.directory import platform_defaults as directory_defaults
from remediate.lab.state.metabase import platform_defaults as metabase_defaults

PLATFORMS: dict[str, dict[str, Any]] = {
    "win2003-ex2003": {
        "os_caption": "Microsoft(R) Windows(R) Server 2003, Standard Edition",
        "os_version": "5.2.3790",
        "ps_version": "2.0",
        "exchange_version": "6.5.7638.1",
    },
    "win2012r2-ex2013": {
        "os_caption": "Microsoft Windows Server 2012 R2 Standard",
        "os_version": "6.3.9600",
        "ps_version": "4.0",
        "exchange_version": "15.0.1497.2",
    },
    "win2019-ex2019": {
        "os_caption": "Microsoft Windows Server 2019 Standard",
        "os_version": "10.0.17763",
        "ps_version": "5.1.17763.1",
        "exchange_version": "15.2.1118.7",
    },
}


def is_legacy(host: Any) -> bool:
    """Exchange 2000/2003 (facts' exchange_version 5.x/6.x): the transport of IIS SMTP, which logs event 4006."""
    return str(host.facts.get("exchange_version") or "").startswith(("5.", "6."))


def has_exchange(host: Any) -> bool:
    return bool(host.facts.get("exchange_version"))


def facts_for(platform: str, hostname: str, antivirus: list[str]) -> dict[str, Any]:
    return {**PLATFORMS[platform], "hostname": hostname.upper(), "antivirus": list(antivirus)}


# What every host of a platform holds before its scenario's own state: domain -> that domain's `load` data.
# Domains add their defaults here (a 2003 host's metabase, its running services, ...).
# The volume's layout first: the domains that keep files on it (metabase, lock) find their folders by it.
PLATFORM_STATE: dict[str, dict[str, Any]] = {name: {"files": files.platform_defaults(name)} for name in PLATFORMS}
PLATFORM_STATE["win2012r2-ex2013"]["exchange"] = PLATFORM_STATE["win2019-ex2019"]["exchange"] = exchange_defaults()
for _name in PLATFORMS:  # Windows host settings: each module's DEFAULTS per platform
    PLATFORM_STATE[_name].update(services=services.DEFAULTS[_name], firewall=firewall.DEFAULTS[_name],
                                 defender=defender.DEFAULTS[_name])
PLATFORM_STATE["win2003-ex2003"].update(metabase=metabase_defaults(), directory=directory_defaults())


# Exchange as its setup records itself, so that the agent's own version check (facts.ps1 Get-ExchangeVersion) reads
# the version the facts above give: Exchange 2007 and later write their MSI product and build numbers under
# HKLM\SOFTWARE\Microsoft\ExchangeServer\v15\Setup (v14, v8.0); Exchange 2000/2003 its install folder ("Services")
# and build under HKLM\SOFTWARE\Microsoft\Exchange\Setup, and bin\store.exe carries the full file version.
EXCHANGE_2003_FOLDER = "C:\\Program Files\\Exchsrvr"


def _dword(value: int) -> dict[str, Any]:
    return {"type": "REG_DWORD", "data": value}


def exchange_install(version: str) -> dict[str, Any]:
    """`{"registry": ..., "files": ...}` load data for an Exchange of that version."""
    major, minor, build, revision = (int(p) for p in version.split("."))
    if major < 8:
        setup = {"Services": {"type": "REG_SZ", "data": EXCHANGE_2003_FOLDER}, "NewestBuild": _dword(build)}
        return {"registry": {"HKLM": {"SOFTWARE\\Microsoft\\Exchange\\Setup": setup}},
                "files": {"paths": {EXCHANGE_2003_FOLDER + "\\bin\\store.exe": {"version": version}}}}
    key = {15: "ExchangeServer\\v15", 14: "ExchangeServer\\v14"}.get(major, "Exchange\\v8.0")
    setup = {"MsiProductMajor": _dword(major), "MsiProductMinor": _dword(minor), "MsiBuildMajor": _dword(build),
             "MsiBuildMinor": _dword(revision)}
    return {"registry": {"HKLM": {f"SOFTWARE\\Microsoft\\{key}\\Setup": setup}}, "files": {}}


for _name, _facts in PLATFORMS.items():
    _install = exchange_install(_facts["exchange_version"])
    PLATFORM_STATE[_name]["registry"] = _install["registry"]
    PLATFORM_STATE[_name]["files"]["paths"].update(_install["files"].get("paths", {}))


def antivirus_registry(names: list[str]) -> dict[str, Any]:
    """Registry load data for installed products of these names: their Uninstall keys' DisplayName, which the
    agent's facts op reads on a server (no Security Center there). For the lab's integration (fleet's hosts)."""
    root = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
    return {"HKLM": {f"{root}\\LabProduct{number}": {"DisplayName": {"type": "REG_SZ", "data": name}}
                     for number, name in enumerate(names, 1) if name != "Windows Defender"}}


def platform_state(platform: str) -> dict[str, Any]:
    return PLATFORM_STATE[platform]
