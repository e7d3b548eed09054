"""What each lab platform's Windows shows agrees with its facts (remediate/lab/platforms.py): Exchange's setup
keys and store.exe's version, the OS through WMI, the known folders."""

from __future__ import annotations

import pytest
from lab_hosts import ALL_PLATFORMS, ctx_for

from remediate.lab.platforms import PLATFORMS, antivirus_registry
from remediate.lab.windows.fileversion import FileVersionInfo
from remediate.lab.windows.registry import Registry
from remediate.lab.windows.wmi import get_wmi_object


@pytest.mark.parametrize("platform", ALL_PLATFORMS)
def test_exchange_version_readable_as_setup_records_it(platform):
    ctx = ctx_for(platform)
    hklm = Registry.LocalMachine(ctx)
    want = PLATFORMS[platform]["exchange_version"]
    modern = hklm.OpenSubKey("SOFTWARE\\Microsoft\\ExchangeServer\\v15\\Setup", False)
    if modern is not None:
        parts = [modern.GetValue(n) for n in ("MsiProductMajor", "MsiProductMinor", "MsiBuildMajor", "MsiBuildMinor")]
        assert ".".join(map(str, parts)) == want
        return
    setup = hklm.OpenSubKey("SOFTWARE\\Microsoft\\Exchange\\Setup", False)
    info = FileVersionInfo.GetVersionInfo(ctx, setup.GetValue("Services") + "\\bin\\store.exe")
    assert f"{info.FileMajorPart}.{info.FileMinorPart}.{info.FileBuildPart}.{info.FilePrivatePart}" == want
    assert setup.GetValue("NewestBuild") == info.FileBuildPart


@pytest.mark.parametrize("platform", ALL_PLATFORMS)
def test_os_and_folders(platform):
    ctx = ctx_for(platform)
    (os_,) = get_wmi_object(ctx, Class="Win32_OperatingSystem")
    assert os_.Caption.strip() == PLATFORMS[platform]["os_caption"] and os_.Version == PLATFORMS[platform]["os_version"]
    system = ctx.machine.files.folder("System")
    assert ctx.machine.files.is_folder(system)
    assert system == ("C:\\WINDOWS\\system32" if platform.startswith("win2003") else "C:\\Windows\\system32")


def test_antivirus_products_as_uninstall_entries():
    ctx = ctx_for("win2003-ex2003", registry=antivirus_registry(["Symantec AntiVirus", "Windows Defender"]))
    root = Registry.LocalMachine(ctx).OpenSubKey("SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall")
    names = [root.OpenSubKey(n).GetValue("DisplayName") for n in root.GetSubKeyNames()]
    assert names == ["Symantec AntiVirus"]
