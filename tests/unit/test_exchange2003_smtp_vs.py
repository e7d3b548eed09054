"""exchange2003_smtp_vs as tables (smart host syntax, contradictions, changes), the lab's AD ops against the agent's
checks (templates/agent/ex2003ad.ps1), and DS2MB: AD is copied one way into the metabase."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from agent_runner import OpError, call

from remediate.assets import asset_dir
from remediate.lab.host import SimHost
from remediate.lab.causes.directory import active_causes
from remediate.lab.platforms import facts_for, platform_state
from remediate.lab.state import InvalidArgument, StateError
from remediate.resources.exchange2003_smtp_vs import (
    SERVER_RE,
    SMART_HOST_RE,
    Exchange2003SmtpVs,
    Exchange2003SmtpVsSpec,
)

KIND = Exchange2003SmtpVs()
BASE = {"kind": "exchange2003_smtp_vs"}
PS = (asset_dir("templates") / "agent" / "ex2003ad.ps1").read_text(encoding="utf-8")

DESIRED = [
    ({"smart_host": "mail.contoso.com", "smart_host_type": 2}, {"smart_host": "mail.contoso.com", "smart_host_type": 2}),
    ({"smart_host": "[10.1.1.5]", "smart_host_type": "2"}, {"smart_host": "[10.1.1.5]", "smart_host_type": 2}),
    ({"smart_host": " a.contoso.com ; b.contoso.com;[10.0.0.1] ", "smart_host_type": 1},
     {"smart_host": "a.contoso.com;b.contoso.com;[10.0.0.1]", "smart_host_type": 1}),
    ({"smart_host": "relay-1.mail.contoso.co.uk", "smart_host_type": 2},
     {"smart_host": "relay-1.mail.contoso.co.uk", "smart_host_type": 2}),
    ({"smart_host": "", "smart_host_type": 0}, {"smart_host": None, "smart_host_type": 0}),
    ({"smart_host": None, "smart_host_type": 0}, {"smart_host": None, "smart_host_type": 0}),
    ({"smart_host_type": 0}, {"smart_host": None, "smart_host_type": 0}),
]


@pytest.mark.parametrize("fields,desired", DESIRED)
def test_desired_value_is_normalised(fields: dict[str, Any], desired: dict[str, Any]) -> None:
    assert KIND.desired(Exchange2003SmtpVsSpec.model_validate({**BASE, **fields})) == desired


INVALID = [
    {"smart_host": "10.1.1.5", "smart_host_type": 2},  # an IP without brackets is looked up as a name
    {"smart_host": "[10.1.1.256]", "smart_host_type": 2},
    {"smart_host": "[::1]", "smart_host_type": 2},
    {"smart_host": "relay", "smart_host_type": 2},  # not fully qualified
    {"smart_host": "relay.contoso.com.", "smart_host_type": 2},
    {"smart_host": "-relay.contoso.com", "smart_host_type": 2},
    {"smart_host": "relay..contoso.com", "smart_host_type": 2},
    {"smart_host": "relay.contoso.123", "smart_host_type": 2},
    {"smart_host": "a.contoso.com;;b.contoso.com", "smart_host_type": 2},
    {"smart_host": "relay.contoso.com:25", "smart_host_type": 2},
    {"smart_host": "relay.contoso.com'; Remove-Item C:\\", "smart_host_type": 2},
    {"smart_host": "a" * 64 + ".contoso.com", "smart_host_type": 2},
    {"smart_host": 25, "smart_host_type": 2},
    {"smart_host": "relay.contoso.com", "smart_host_type": 0},  # contradiction
    {"smart_host": "", "smart_host_type": 2},  # contradiction
    {"smart_host_type": 3},
    {"smart_host_type": True},
    {"smart_host": "relay.contoso.com"},  # the type is required
    {"server": "EX1)(cn=*", "smart_host_type": 0},
    {"server": "EX 1", "smart_host_type": 0},
    {"instance": 0, "smart_host_type": 0},
    {"instance": True, "smart_host_type": 0},
    {"smart_host_type": 0, "smart_host_port": 25},
]


@pytest.mark.parametrize("fields", INVALID)
def test_invalid_entries_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Exchange2003SmtpVsSpec.model_validate({**BASE, **fields})


def test_identity_defaults_to_this_server_and_instance_1() -> None:
    spec = Exchange2003SmtpVsSpec.model_validate({**BASE, "smart_host_type": 0})
    ident = KIND.identity(spec)
    assert ident == {"server": None, "instance": 1}
    assert KIND.read_op(ident).args == {"server": "", "instance": 1}
    assert KIND.describe(ident).startswith("Exchange 2003 SMTP virtual server 1 on this server")
    named = KIND.identity(Exchange2003SmtpVsSpec.model_validate({**BASE, "server": "EX1", "instance": "2",
                                                                 "smart_host_type": 0}))
    assert KIND.key(named) == KIND.key({"server": "ex1", "instance": 2}) != KIND.key(ident)


CHANGES = [
    ({"smart_host": "Relay.Contoso.COM", "smart_host_type": 2}, {"smart_host": "relay.contoso.com", "smart_host_type": 2},
     True),
    ({"smart_host": None, "smart_host_type": None}, {"smart_host": None, "smart_host_type": 0}, False),
    ({"smart_host": "a.contoso.com", "smart_host_type": 2}, {"smart_host": None, "smart_host_type": 0}, False),
    ({"smart_host": "a.contoso.com", "smart_host_type": 2}, {"smart_host": "b.contoso.com", "smart_host_type": 2},
     False),
]


@pytest.mark.parametrize("observed,desired,same", CHANGES)
def test_changes_table(observed: dict[str, Any], desired: dict[str, Any], same: bool) -> None:
    assert KIND.same(observed, desired) is same


def test_set_op_carries_both_fields_and_null_clears() -> None:
    op = KIND.set_op({"server": None, "instance": 1}, {"smart_host": None, "smart_host_type": None})
    assert op.op == "ex2003ad.set_smtp_vs"
    assert op.args == {"server": "", "instance": 1, "smart_host": None, "smart_host_type": None}


def test_agent_uses_the_same_patterns() -> None:
    assert "'^" + SMART_HOST_RE + "\\z'" in PS
    assert "'^" + SERVER_RE + "\\z'" in PS
    assert "(objectClass=msExchExchangeServer)" in PS and "(objectClass=protocolCfgSMTPServer)" in PS


# ----------------------------------------------------------------------------------------------- lab ops


def ex2003(**state: Any) -> SimHost:
    sim = SimHost(name="ex1.lab", facts=facts_for("win2003-ex2003", "ex1", []))
    for domain, data in [*platform_state("win2003-ex2003").items(), *state.items()]:
        getattr(sim, domain).load(data)
    return sim


def test_get_and_set_on_the_hosts_own_server() -> None:
    sim = ex2003()
    for server in ("", "EX1", "ex1"):
        assert call(sim, "ex2003ad.get_smtp_vs", {"server": server, "instance": 1}) == {
            "smart_host": None, "smart_host_type": 0}
    call(sim, "ex2003ad.set_smtp_vs", {"server": "", "instance": 1, "smart_host": "[10.0.0.1]",
                                      "smart_host_type": 2})
    assert sim.directory.get(1, "msExchSmtpSmartHost") == "[10.0.0.1]"
    writes = sim.directory.writes
    call(sim, "ex2003ad.set_smtp_vs", {"server": "", "instance": 1, "smart_host": "[10.0.0.1]",
                                      "smart_host_type": 2})
    assert sim.directory.writes == writes  # nothing differs, nothing written
    call(sim, "ex2003ad.set_smtp_vs", {"server": "", "instance": 1, "smart_host": None, "smart_host_type": None})
    assert call(sim, "ex2003ad.get_smtp_vs", {"server": "", "instance": 1}) == {
        "smart_host": None, "smart_host_type": None}


OP_ERRORS = [
    ({"server": "EX1)(cn=*", "instance": 1}, InvalidArgument,
     "server must be an Exchange server name (letters, digits and hyphens) or empty"),
    ({"server": "", "instance": "1"}, InvalidArgument, "instance must be an integer from 1 to 999999999"),
    ({"server": "", "instance": 1, "smart_host": "10.0.0.1", "smart_host_type": 2}, InvalidArgument,
     "smart_host must be null or FQDNs and [IPv4] literals separated by ';'"),
    ({"server": "", "instance": 1, "smart_host": None, "smart_host_type": 3}, InvalidArgument,
     "smart_host_type must be null, 0, 1 or 2"),
    ({"server": "EX9", "instance": 1, "smart_host": None, "smart_host_type": 0}, StateError,
     "no Exchange server named 'EX9' in CN=Configuration,DC=contoso,DC=com"),
    ({"server": "", "instance": 2, "smart_host": None, "smart_host_type": 0}, StateError,
     "no SMTP virtual server 2 on Exchange server 'EX1'"),
]


@pytest.mark.parametrize("args,error,message", OP_ERRORS)
def test_set_checks_like_the_agent(args: dict[str, Any], error: type[Exception], message: str) -> None:
    sim = ex2003()
    with pytest.raises(OpError) as caught:
        call(sim, "ex2003ad.set_smtp_vs", args)
    assert (caught.value.type, caught.value.message) == (error.error_type, message)
    assert sim.directory.writes == 0
    if error is InvalidArgument:
        assert f"'{message}'" in PS or f'"{message}"' in PS  # the agent throws the very same text
    else:
        assert "\"no Exchange server named '\"" in PS and "'no SMTP virtual server '" in PS
        assert "\" on Exchange server '\"" in PS


def test_a_host_without_exchange_2003_has_no_vs() -> None:
    # Exchange 2019's server object is in the configuration naming context too, with no SMTP protocol container:
    # the agent finds the server and no virtual server under it.
    sim = SimHost(name="ex19", facts=facts_for("win2019-ex2019", "ex19", []))
    with pytest.raises(OpError, match="no SMTP virtual server 1 on Exchange server 'EX19'"):
        call(sim, "ex2003ad.get_smtp_vs", {"server": "", "instance": 1})


# ------------------------------------------------------------------------------------------------- DS2MB

SYNC = [
    # AD attributes of VS 1 (over the platform's: type 0, port 25), metabase /LM/SMTPSVC/1 before -> the
    # AD-mastered properties after the copy
    ({"msExchSmtpSmartHost": "r.contoso.com", "msExchSmtpSmartHostType": 2}, {},
     {"SmartHost": "r.contoso.com", "SmartHostType": 2, "RemoteSmtpPort": 25}),
    ({"msExchSmtpSmartHost": "r.contoso.com", "msExchSmtpSmartHostType": 2},
     {"SmartHost": "x.contoso.com", "SmartHostType": 0},
     {"SmartHost": "r.contoso.com", "SmartHostType": 2, "RemoteSmtpPort": 25}),
    ({"msExchSmtpSmartHost": None}, {"SmartHost": "x.contoso.com", "SmartHostType": 2},
     {"SmartHostType": 0, "RemoteSmtpPort": 25}),  # absent in AD: cleared in the metabase
    ({"msExchSmtpOutgoingPort": 2525}, {"RemoteSmtpPort": 25}, {"SmartHostType": 0, "RemoteSmtpPort": 2525}),
    ({"msExchSmtpSmartHostType": None, "msExchSmtpOutgoingPort": None}, {}, {}),
]
MASTERED = {"SmartHost", "SmartHostType", "RemoteSmtpPort"}


@pytest.mark.parametrize("ad,before,after", SYNC)
def test_ds2mb_copies_ad_into_the_metabase(ad: dict[str, Any], before: dict[str, Any], after: dict[str, Any]) -> None:
    sim = ex2003(directory={"smtp_virtual_servers": {1: ad}}, metabase={"paths": {"/LM/SMTPSVC/1": before}})
    sim.directory.before_command(sim)
    props = sim.metabase.snapshot()["paths"]["/LM/SMTPSVC/1"]
    assert {k: v for k, v in props.items() if k in MASTERED} == after
    assert props["SmtpInboundCommandSupportOptions"] == 7697601 and props["ServerComment"]


def test_ds2mb_leaves_connect_response_and_the_service_level_alone() -> None:
    sim = ex2003(metabase={"paths": {"/LM/SMTPSVC": {"SmartHost": "svc.contoso.com"},
                                     "/LM/SMTPSVC/1": {"ConnectResponse": "220 custom"}}})
    sim.directory.before_command(sim)
    assert sim.metabase.effective("/LM/SMTPSVC/1", "ConnectResponse") == "220 custom"
    assert sim.metabase.local("/LM/SMTPSVC", "SmartHost")["value"] == "svc.contoso.com"


def test_no_ds2mb_without_exchange_2003_objects() -> None:
    sim = SimHost(name="iis")
    sim.metabase.load({"paths": {"/LM/SMTPSVC/1": {"SmartHost": "relay.contoso.com"}}})
    sim.directory.before_command(sim)
    assert sim.metabase.effective("/LM/SMTPSVC/1", "SmartHost") == "relay.contoso.com"
    assert sim.directory.syncs == 0


def test_stnef_cause_follows_the_lab_placeholder() -> None:
    from remediate.lab.causes.directory import LAB_TNEF_FIX

    sim = ex2003(directory={"legacy_peers": ["EX55"]})
    assert active_causes(sim) == ["stnef"]
    hive, key, name, type_, data = LAB_TNEF_FIX
    sim.registry.set(hive, key, name, type_, data)
    assert active_causes(sim) == [] and active_causes(ex2003()) == []


@pytest.mark.parametrize("host_vars,expected", [
    ({"smart_host": "[10.0.0.25]", "smart_host_type": 2}, {"smart_host": "[10.0.0.25]", "smart_host_type": 2}),
    ({"smart_host": "", "smart_host_type": 0}, {"smart_host": None, "smart_host_type": 0}),  # ExBPA's preference
    ({"smart_host": None, "smart_host_type": "0"}, {"smart_host": None, "smart_host_type": 0}),
])
def test_smart_host_rule_takes_both_values_from_the_site(host_vars: dict[str, Any], expected: dict[str, Any]) -> None:
    from remediate.playbook import load_catalog

    catalog = load_catalog([asset_dir("playbooks") / "smart-host-2003.yaml"])
    (rule,) = catalog.render(host_vars, "ex1")
    assert KIND.desired(rule.rule.resources[0]) == expected


@pytest.mark.parametrize("missing", ["smart_host", "smart_host_type"])
def test_smart_host_rule_has_no_default_for_either_value(missing: str) -> None:
    from remediate.errors import InputError
    from remediate.playbook import load_catalog

    catalog = load_catalog([asset_dir("playbooks") / "smart-host-2003.yaml"])
    host_vars = {"smart_host": "", "smart_host_type": 0}
    del host_vars[missing]
    with pytest.raises(InputError, match=missing):
        catalog.render(host_vars, "ex1")



def test_stnef_rule_takes_every_part_of_the_registry_fix_from_variables() -> None:
    from remediate.errors import InputError
    from remediate.playbook import load_catalog

    path = asset_dir("playbooks") / "stnef-2003.yaml"
    text = path.read_text(encoding="utf-8")
    assert "KB 919091" in text and "UNCONFIRMED" in text
    catalog = load_catalog([path])
    parts = {"tnef_store_driver_hive": "HKLM", "tnef_store_driver_key": "SOFTWARE\\Lab",
             "tnef_store_driver_name": "N", "tnef_store_driver_type": "REG_DWORD", "tnef_store_driver_data": 1}
    (rule,) = catalog.render(parts, "ex1")
    spec = rule.rule.resources[0]
    assert (spec.hive.value, spec.key, spec.name, spec.type.value, spec.data) == ("HKLM", "SOFTWARE\\Lab", "N",
                                                                                   "REG_DWORD", 1)
    for name in parts:
        with pytest.raises(InputError, match=name):
            catalog.render({k: v for k, v in parts.items() if k != name}, "ex1")


def test_no_hostile_string_is_a_smart_host_or_a_server(hostile_strings: dict[str, str]) -> None:
    """tests/data/hostile-strings.json: refused as a smart host, a server name, and by the lab's (agent's) op."""
    sim = ex2003()
    for id_, text in hostile_strings.items():
        with pytest.raises(ValidationError):
            Exchange2003SmtpVsSpec.model_validate({**BASE, "smart_host": text, "smart_host_type": 2})
        with pytest.raises(ValidationError):
            Exchange2003SmtpVsSpec.model_validate({**BASE, "server": text, "smart_host_type": 0})
        with pytest.raises(OpError):
            call(sim, "ex2003ad.set_smtp_vs", {"server": "", "instance": 1, "smart_host": text, "smart_host_type": 2})
    assert sim.directory.writes == 0
