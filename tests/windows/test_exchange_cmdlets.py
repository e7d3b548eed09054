"""Snap-ins and the Exchange Management Shell cmdlets over lab state, without the interpreter."""

from __future__ import annotations

from typing import Any

import pytest

from remediate.lab.state.exchange import SNAPIN_2010, SNAPIN_2013
from remediate.lab.windows import clr, exchange_cmdlets, snapins
from winb_hosts import Rt, rt_for


def run(rt: Rt, name: str, **bound: Any) -> list[Any]:
    return list(clr.CMDLETS[name.casefold()].run(rt, **bound) or [])


def available(rt: Rt, name: str) -> bool:
    return clr.CMDLETS[name.casefold()].available(rt.machine)


def shell(platform: str = "win2019-ex2019", **state: Any) -> Rt:
    rt = rt_for(platform, **state)
    run(rt, "Add-PSSnapin", Name=[SNAPIN_2013])
    return rt


# ---- snap-ins --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("platform, bound, names, error_ids", [
    ("win2019-ex2019", {"Registered": True}, [SNAPIN_2013], []),
    ("win2019-ex2019", {"Registered": True, "Name": [SNAPIN_2013.upper()]}, [SNAPIN_2013], []),
    ("win2019-ex2019", {"Registered": True, "Name": [SNAPIN_2010]}, [], ["NoPSSnapInsFound"]),
    ("win2019-ex2019", {"Registered": True, "Name": ["Microsoft.Exchange.*"]}, [SNAPIN_2013], []),
    ("win2019-ex2019", {"Registered": True, "Name": ["Nothing.*"]}, [], []),  # a wildcard matching nothing
    ("win2003-ex2003", {"Registered": True, "Name": [SNAPIN_2013]}, [], ["NoPSSnapInsFound"]),
    ("win2019-ex2019", {}, ["Microsoft.PowerShell.Core"], []),
    ("win2003-ex2003", {"Name": ["Microsoft.PowerShell.*"]}, ["Microsoft.PowerShell.Diagnostics",
                                                             "Microsoft.PowerShell.Core",
                                                             "Microsoft.PowerShell.Utility", "Microsoft.PowerShell.Host",
                                                             "Microsoft.PowerShell.Management",
                                                             "Microsoft.PowerShell.Security"], []),
    ("win2019-ex2019", {"Name": [SNAPIN_2013]}, [], ["NoPSSnapInsFound"]),  # registered, not loaded
])
def test_get_pssnapin(platform: str, bound: dict[str, Any], names: list[str], error_ids: list[str]) -> None:
    rt = rt_for(platform)
    assert [i.Name for i in run(rt, "Get-PSSnapin", **bound)] == names
    assert [e.error_id for e in rt.errors] == error_ids
    for error in rt.errors:
        assert error.category == "InvalidArgument"
        assert "No Windows PowerShell snap-ins matching the pattern" in error.exception.Message


def test_add_pssnapin_loads_the_exchange_cmdlets_once() -> None:
    rt = rt_for("win2019-ex2019")
    assert not available(rt, "Get-SendConnector")
    assert run(rt, "Add-PSSnapin", Name=[SNAPIN_2013]) == []
    assert available(rt, "Get-SendConnector") and available(rt, "Get-Queue")
    assert [i.Name for i in run(rt, "Get-PSSnapin", Name=[SNAPIN_2013])] == [SNAPIN_2013]
    run(rt, "Add-PSSnapin", Name=[SNAPIN_2013])
    assert [e.error_id for e in rt.errors] == ["AddPSSnapInRead"]
    assert "because it is already added" in rt.errors[0].exception.Message


def test_add_pssnapin_of_an_unregistered_snapin() -> None:
    rt = rt_for("win2003-ex2003")
    assert run(rt, "Add-PSSnapin", Name=[SNAPIN_2010], PassThru=True) == []
    assert rt.errors[0].exception.Message == (f"The Windows PowerShell snap-in '{SNAPIN_2010}' is not installed on "
                                              "this machine.")
    assert not available(rt, "Get-SendConnector")


def test_snapin_cmdlets_exist_only_in_windows_powershell() -> None:
    rt = rt_for("win2019-ex2019")
    assert available(rt, "Get-PSSnapin") and available(rt, "Add-PSSnapin")
    rt.machine.ps_version = 7  # PowerShell 7 removed snap-ins (defect 10)
    assert not available(rt, "Get-PSSnapin") and not available(rt, "Add-PSSnapin")
    assert snapins.windows_powershell(rt.machine) is False


# ---- send connectors -------------------------------------------------------------------------------------------

INTERNET = {"send_connectors": {"Internet": {"dns_routing_enabled": False,
                                             "smart_hosts": ["relay.contoso.com", "10.0.0.25"], "port": 25}}}


def test_get_send_connector_objects() -> None:
    rt = shell(exchange=INTERNET)
    [connector] = run(rt, "Get-SendConnector")
    assert (connector.Name, clr.to_str(connector.Identity), connector.DNSRoutingEnabled, connector.Port) == \
        ("Internet", "Internet", False, 25)
    assert connector.SmartHosts.Count == 2
    assert [clr.to_str(h) for h in connector.SmartHosts] == ["relay.contoso.com", "[10.0.0.25]"]
    assert run(rt, "Get-SendConnector", Identity="internet")[0].Name == "Internet"
    with pytest.raises(clr.CmdletTerminatingError) as caught:
        run(rt, "Get-SendConnector", Identity="Outbound")
    assert caught.value.record.error_id == "ManagementObjectNotFoundException"


@pytest.mark.parametrize("bound, expected, error", [
    ({"SmartHosts": ["relay2.contoso.com"]}, (False, ["relay2.contoso.com"], 25), None),
    ({"SmartHosts": None, "DNSRoutingEnabled": True}, (True, [], 25), None),
    ({"Port": 587}, (False, ["relay.contoso.com", "[10.0.0.25]"], 587), None),
    ({"DNSRoutingEnabled": True}, None, "DNSRoutingEnabled $false"),  # hosts left, DNS routing on
    ({"SmartHosts": None}, None, "clearing SmartHosts needs DNSRoutingEnabled $true"),
    ({"SmartHosts": ["not a host!"]}, None, "must be a lowercase host name"),
])
def test_set_send_connector_rules(bound: dict[str, Any], expected: tuple | None, error: str | None) -> None:
    rt = shell(exchange=INTERNET)
    identity = run(rt, "Get-SendConnector")[0].Identity
    if error is None:
        assert run(rt, "Set-SendConnector", Identity=identity, Confirm=False, **bound) == []
        data = rt.machine.exchange.send_connector("Internet")
        assert (data["dns_routing_enabled"], data["smart_hosts"], data["port"]) == expected
    else:
        with pytest.raises(clr.CmdletTerminatingError) as caught:
            run(rt, "Set-SendConnector", Identity=identity, **bound)
        assert error in caught.value.record.exception.Message
        assert caught.value.record.category == "InvalidArgument"


# ---- receive connectors ----------------------------------------------------------------------------------------

def test_get_receive_connector_of_this_server() -> None:
    rt = shell()
    connectors = run(rt, "Get-ReceiveConnector", Server="LAB1")
    assert [c.Name for c in connectors][:1] == ["Default Frontend LAB1"]
    frontend = connectors[0]
    assert clr.to_str(frontend.Identity) == "LAB1\\Default Frontend LAB1" and frontend.Banner is None
    assert frontend.DistinguishedName.startswith("CN=Default Frontend LAB1,CN=SMTP Receive Connectors,")
    assert frontend.OriginatingServer == "DC01.contoso.com"
    with pytest.raises(clr.CmdletTerminatingError):
        run(rt, "Get-ReceiveConnector", Server="OTHER")


@pytest.mark.parametrize("banner, stored, error", [
    ("220 mail.contoso.com", "220 mail.contoso.com", False),
    (None, None, False),
    ("", None, False),  # a [string] $null binds as "": the default banner
    ("mail.contoso.com ready", None, True),
    ("220 two\r\nlines", None, True),
])
def test_set_receive_connector_banner_validation(banner: str | None, stored: str | None, error: bool) -> None:
    rt = shell()
    identity = run(rt, "Get-ReceiveConnector", Server="LAB1")[0].Identity
    if error:
        with pytest.raises(clr.CmdletTerminatingError) as caught:
            run(rt, "Set-ReceiveConnector", Identity=identity, Banner=banner)
        assert "220 " in caught.value.record.exception.Message
    else:
        run(rt, "Set-ReceiveConnector", Identity=identity, Banner=banner, Confirm=False)
    assert rt.machine.exchange.receive_banner(None) == stored


# ---- remote domains and queues -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [True, False, None])
def test_remote_domain_tnef(value: bool | None) -> None:
    rt = shell()
    [default] = run(rt, "Get-RemoteDomain")
    assert (default.Name, default.DomainName, default.TNEFEnabled) == ("Default", "*", None)
    run(rt, "Set-RemoteDomain", Identity=default.Identity, TNEFEnabled=value, Confirm=False)
    assert run(rt, "Get-RemoteDomain", Identity="default")[0].TNEFEnabled is value


def test_get_queue_reads_the_transport_queues() -> None:
    rt = shell(mail={"messages": 40})
    submission, delivery = run(rt, "Get-Queue")
    assert (clr.to_str(submission.Identity), submission.MessageCount) == ("LAB1\\Submission", 0)
    assert (delivery.Status, delivery.MessageCount, delivery.NextHopDomain) == ("Retry", 40, "mx1.partner.example")


def test_get_queue_fails_while_transport_is_stopped() -> None:
    rt = shell(services={"MSExchangeTransport": {"state": "stopped"}})
    with pytest.raises(clr.CmdletTerminatingError):
        run(rt, "Get-Queue")


def test_exchange_cmdlets_declare_their_snapin() -> None:
    for name in ("Get-SendConnector", "Set-SendConnector", "Get-ReceiveConnector", "Set-ReceiveConnector",
                 "Get-RemoteDomain", "Set-RemoteDomain", "Get-Queue"):
        spec = clr.CMDLETS[name.casefold()]
        assert spec.module == "Microsoft.Exchange.Management.PowerShell.SnapIn"
        assert spec.run.__module__ == exchange_cmdlets.__name__


def test_get_queue_of_another_server_is_not_modelled() -> None:
    from remediate.lab.windows.refusal import NotModeled

    with pytest.raises(NotModeled):
        run(shell(), "Get-Queue", Server="OTHER")
