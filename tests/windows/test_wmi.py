"""Get-WmiObject / Get-CimInstance over the lab host (remediate/lab/windows/wmi.py)."""

from __future__ import annotations

import pytest
from lab_hosts import ctx_for

from remediate.lab.windows import clr
from remediate.lab.windows.wmi import get_cim_instance, get_wmi_object


@pytest.mark.parametrize("platform, caption, version, arch", [
    ("win2003-ex2003", "Microsoft(R) Windows(R) Server 2003, Standard Edition ", "5.2.3790", False),
    ("win2019-ex2019", "Microsoft Windows Server 2019 Standard", "10.0.17763", True),
])
def test_operating_system(platform, caption, version, arch):
    ctx = ctx_for(platform)
    (os_,) = get_wmi_object(ctx, Class="Win32_OperatingSystem")
    assert (os_.Caption, os_.Version, os_.__CLASS) == (caption, version, "Win32_OperatingSystem")
    assert hasattr(os_, "OSArchitecture") is arch
    assert clr.type_names(os_)[0] == "System.Management.ManagementObject"


def test_services_with_a_filter():
    ctx = ctx_for("win2003-ex2003", services={"W3SVC": {"state": "stopped", "start_mode": "disabled"}})
    (w3,) = get_wmi_object(ctx, Class="Win32_Service", Filter="Name='w3svc'")
    assert (w3.Name, w3.State, w3.StartMode, w3.Started) == ("W3SVC", "Stopped", "Disabled", False)
    assert len(get_wmi_object(ctx, Class="win32_service")) == 6


@pytest.mark.parametrize("platform, message", [("win2003-ex2003", "Invalid namespace "),
                                               ("win2019-ex2019", 'Invalid namespace "root\\SecurityCenter2"')])
def test_security_center_is_absent_on_servers(platform, message):
    ctx = ctx_for(platform)
    assert get_wmi_object(ctx, Namespace="root\\SecurityCenter2", Class="AntiVirusProduct") == []
    ((record),) = ctx.errors
    assert (record.error_id, record.category, str(record.exception)) == ("GetWMIManagementException",
                                                                        "InvalidOperation", message)
    assert record.exception.ErrorCode == 0x8004100E


def test_invalid_class():
    ctx = ctx_for("win2003-ex2003")
    assert get_wmi_object(ctx, Class="Win32_Nope") == []
    assert str(ctx.errors[0].exception) == "Invalid class "


def test_exchange_links_on_exchange_2003_only():
    ctx = ctx_for("win2003-ex2003", mail={"messages": 12})
    links = get_wmi_object(ctx, Namespace="root\\MicrosoftExchangeV2", Class="Exchange_Link")
    assert [link.LinkName for link in links][:2] == ["Messages awaiting directory lookup", "Local delivery"]
    assert links[2].StateRetry and links[2].MessageCount == 12
    ctx = ctx_for("win2019-ex2019")
    assert get_wmi_object(ctx, Namespace="root\\MicrosoftExchangeV2", Class="Exchange_Link") == []
    assert ctx.errors


def test_get_cim_instance_is_powershell_3():
    from remediate.lab.windows.clr import CMDLETS

    spec = CMDLETS["get-ciminstance"]
    assert spec.since == "3.0"
    assert not spec.available(ctx_for("win2003-ex2003").machine) and spec.available(ctx_for().machine)
    (os_,) = get_cim_instance(ctx_for(), ClassName="Win32_OperatingSystem")
    assert os_.Version == "10.0.17763"
