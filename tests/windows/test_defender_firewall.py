"""Defender preferences and NetSecurity firewall rules (and the 2003 COM path) over lab state, without the
interpreter."""

from __future__ import annotations

from typing import Any

import pytest

from remediate.lab.windows import clr, defender_cmdlets, firewall_com, netsecurity  # noqa: F401 (registers COM)
from remediate.lab.windows.refusal import NotModeled
from winb_hosts import Rt, rt_for


def run(rt: Rt, name: str, **bound: Any) -> list[Any]:
    return list(clr.CMDLETS[name.casefold()].run(rt, **bound) or [])


# ---- Defender ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("platform, available", [("win2019-ex2019", True), ("win2012r2-ex2013", False),
                                                 ("win2003-ex2003", False)])
def test_defender_module_exists_where_defender_is_installed(platform: str, available: bool) -> None:
    rt = rt_for(platform)
    for name in ("Get-MpPreference", "Add-MpPreference", "Remove-MpPreference"):
        assert clr.CMDLETS[name.casefold()].available(rt.machine) is available
        assert clr.CMDLETS[name.casefold()].module == "Defender"


def test_get_mp_preference_gives_null_for_an_empty_list() -> None:
    rt = rt_for(defender={"exclusions": {"path": [], "process": ["EdgeTransport.exe"]}})
    [preference] = run(rt, "Get-MpPreference")
    assert preference.ExclusionPath is None
    assert list(preference.ExclusionProcess) == ["EdgeTransport.exe"]
    assert preference.ExclusionProcess.element_type == "System.String"
    with pytest.raises(NotModeled):
        preference.ExclusionExtension  # noqa: B018


START = {"exclusions": {"path": ["C:\\Queue"], "process": ["a.exe"]}}


@pytest.mark.parametrize("cmdlet, bound, paths, processes", [
    ("Add-MpPreference", {"ExclusionPath": ["D:\\Logs"]}, ["C:\\Queue", "D:\\Logs"], ["a.exe"]),
    ("Add-MpPreference", {"ExclusionPath": ["c:\\queue"]}, ["C:\\Queue"], ["a.exe"]),  # same value name
    ("Add-MpPreference", {"ExclusionPath": ["C:\\Queue\\"]}, ["C:\\Queue", "C:\\Queue\\"], ["a.exe"]),
    ("Add-MpPreference", {"ExclusionProcess": ["b.exe", "B.EXE"]}, ["C:\\Queue"], ["a.exe", "b.exe"]),
    ("Remove-MpPreference", {"ExclusionPath": ["C:\\QUEUE"]}, [], ["a.exe"]),
    ("Remove-MpPreference", {"ExclusionPath": ["C:\\Other"]}, ["C:\\Queue"], ["a.exe"]),  # absent: no error
    ("Remove-MpPreference", {"ExclusionProcess": ["A.exe"], "ExclusionPath": ["C:\\Queue"]}, [], []),
])
def test_add_and_remove_exclusions(cmdlet: str, bound: dict[str, Any], paths: list[str],
                                   processes: list[str]) -> None:
    rt = rt_for(defender=START)
    assert run(rt, cmdlet, **bound) == []
    assert rt.machine.defender.exclusions == {"path": paths, "process": processes}
    assert rt.errors == []


def test_exclusion_extension_is_refused() -> None:
    with pytest.raises(NotModeled):
        run(rt_for(), "Add-MpPreference", ExclusionExtension=[".log"])
    assert defender_cmdlets.MpPreference({}).ExclusionPath is None


# ---- NetSecurity -------------------------------------------------------------------------------------------------

def rules(rt: Rt) -> list[dict[str, Any]]:
    return [dict(r) for r in rt.machine.firewall.rules]


@pytest.mark.parametrize("platform, available", [("win2019-ex2019", True), ("win2012r2-ex2013", True),
                                                 ("win2003-ex2003", False)])
def test_netsecurity_module_exists_from_2012(platform: str, available: bool) -> None:
    assert clr.CMDLETS["new-netfirewallrule"].available(rt_for(platform).machine) is available


def test_get_rules_and_their_port_filters() -> None:
    rt = rt_for(firewall={"rules": [
        {"name": "SMTP-In (remediate)", "local_port": "25,587"},
        {"name": "Block out", "direction": "out", "action": "block", "enabled": False, "protocol": "UDP",
         "local_port": "53"},
        {"name": "Any", "protocol": "Any", "local_port": "Any"}]})
    smtp, block, anything = run(rt, "Get-NetFirewallRule")
    assert (smtp.DisplayName, clr.to_str(smtp.Direction), clr.to_str(smtp.Action), clr.to_str(smtp.Enabled)) == \
        ("SMTP-In (remediate)", "Inbound", "Allow", "True")
    assert (clr.to_str(block.Direction), clr.to_str(block.Action), clr.to_str(block.Enabled)) == \
        ("Outbound", "Block", "False")
    assert smtp.Name.startswith("{") and smtp.Name != block.Name
    [smtp_filter] = run(rt, "Get-NetFirewallPortFilter", AssociatedNetFirewallRule=smtp)
    assert (smtp_filter.Protocol, list(smtp_filter.LocalPort)) == ("TCP", ["25", "587"])
    [block_filter] = run(rt, "Get-NetFirewallPortFilter", AssociatedNetFirewallRule=block)
    assert (block_filter.Protocol, block_filter.LocalPort) == ("UDP", "53")
    assert run(rt, "Get-NetFirewallPortFilter", AssociatedNetFirewallRule=anything)[0].LocalPort == "Any"


def test_new_rule_with_documented_defaults_and_explicit_fields() -> None:
    rt = rt_for(firewall={"rules": []})
    [made] = run(rt, "New-NetFirewallRule", DisplayName="Mine")
    assert rules(rt) == [{"name": "Mine", "direction": "in", "protocol": "Any", "local_port": "Any",
                          "action": "allow", "enabled": True}]
    assert made.DisplayName == "Mine"
    run(rt, "New-NetFirewallRule", DisplayName="SMTP", Direction="Inbound", Protocol="tcp", LocalPort=["25", "587"],
        Action="Block", Enabled="False")
    assert rules(rt)[1] == {"name": "SMTP", "direction": "in", "protocol": "TCP", "local_port": "25,587",
                            "action": "block", "enabled": False}
    assert rt.machine.firewall.writes == 2


@pytest.mark.parametrize("bound, error", [
    ({"LocalPort": ["25"]}, "InvalidArgument"),  # ports with protocol Any
    ({"Protocol": "TCPX"}, "InvalidArgument"),
    ({"Direction": "Sideways"}, "InvalidArgument"),
])
def test_new_rule_validation(bound: dict[str, Any], error: str) -> None:
    rt = rt_for(firewall={"rules": []})
    with pytest.raises(clr.CmdletTerminatingError) as caught:
        run(rt, "New-NetFirewallRule", DisplayName="Bad", **bound)
    assert caught.value.record.category == error
    assert rules(rt) == []


def test_set_and_remove_the_rule_given() -> None:
    rt = rt_for(firewall={"rules": [{"name": "Same"}, {"name": "same", "local_port": "25"}]})
    first, second = run(rt, "Get-NetFirewallRule")
    run(rt, "Set-NetFirewallRule", InputObject=second, Protocol="TCP", LocalPort=["2525"], Action="Block",
        Enabled="False")
    assert rules(rt)[1] == {"name": "same", "direction": "in", "protocol": "TCP", "local_port": "2525",
                            "action": "block", "enabled": False}
    assert rules(rt)[0]["local_port"] == "Any"
    run(rt, "Remove-NetFirewallRule", InputObject=first)
    assert [r["name"] for r in rules(rt)] == ["same"]
    with pytest.raises(clr.CmdletTerminatingError) as caught:
        run(rt, "Remove-NetFirewallRule", InputObject=first)
    assert caught.value.record.category == "ObjectNotFound"


def test_hnetcfg_fwpolicy2_is_not_registered_on_2003() -> None:
    factory = clr.COM_CLASSES["hnetcfg.fwpolicy2"]
    with pytest.raises(clr.COMException) as caught:
        factory(rt_for("win2003-ex2003"))
    assert caught.value.ErrorCode & 0xFFFFFFFF == 0x80040154
    assert netsecurity.Enabled.member("true").name == "True"


def test_hnetcfg_fwpolicy2_reads_the_rules_as_com_interop_gives_them() -> None:
    rt = rt_for("win2012r2-ex2013", firewall={"api": "com", "rules": [
        {"name": "SMTP In", "direction": "in", "protocol": "TCP", "local_port": "25", "action": "allow",
         "enabled": True},
        {"name": "Block all out", "direction": "out", "protocol": "Any", "local_port": "Any", "action": "block",
         "enabled": False}]})
    rules = clr.COM_CLASSES["hnetcfg.fwpolicy2"](rt).Rules
    assert rules.Count == 2
    seen = [(r.Name, r.Direction, r.Protocol, r.LocalPorts, r.Action, r.Enabled) for r in rules]
    assert seen == [("SMTP In", 1, 6, "25", 1, True), ("Block all out", 2, 256, "*", 0, False)]
    rule = next(iter(rules))
    with pytest.raises(NotModeled):
        rule.Enabled = False  # a change through COM is not modelled (the agent does not write there)
    with pytest.raises(clr.COMException):
        clr.COM_CLASSES["hnetcfg.fwpolicy2"](rt_for("win2012r2-ex2013", firewall={"api": "none"}))
