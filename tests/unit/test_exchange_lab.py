"""The lab's Exchange: the cmdlets' semantics in SimExchange, the ops' arguments and messages, and their match with
templates/agent/exchange.ps1 (same message texts, same patterns)."""

from __future__ import annotations

import pytest
from agent_runner import run_op

from remediate import agent
from remediate.assets import asset_dir
from remediate.lab.host import SimHost
from remediate.lab.causes.exchange import active_causes
from remediate.lab.platforms import PLATFORM_STATE, facts_for
from remediate.lab.state import StateError
from remediate.lab.state import exchange as ex
from remediate.resources.exchange_send_connector import FQDN, IPV4

SHELL_MISSING = ("the Exchange Management Shell is not installed on this host: no Exchange snap-in is "
                 "registered")  # the agent's words (templates/agent/exchange.ps1)

PS1 = (asset_dir("templates") / "agent" / "exchange.ps1").read_text(encoding="utf-8")


def make_host(platform: str = "win2019-ex2019", name: str = "ex1", **exchange: object) -> SimHost:
    host = SimHost(name=name, facts=facts_for(platform, name, []))
    for domain, data in PLATFORM_STATE[platform].items():
        getattr(host, domain).load(data)
    host.exchange.load(exchange)
    return host


def op(host: SimHost, op_name: str, **args: object) -> dict:
    return run_op(host, {"op": op_name, "args": args})


def error(result: dict) -> tuple[str, str]:
    assert not result["ok"], result
    return result["error"]["type"], result["error"]["message"]


ROUTED = {"Internet": {"dns_routing_enabled": False, "smart_hosts": ["Relay2.contoso.com", "10.0.0.5"]}}
ALL = ["dns_routing_enabled", "port", "smart_hosts"]


# ------------------------------------------------------------------------------------------------ send connectors

def test_send_connector_reads_the_wire_form_of_the_fields_asked():
    host = make_host(send_connectors=ROUTED)
    assert op(host, "exchange.sendconnector.get", name="INTERNET", fields=ALL)["value"] == {
        "dns_routing_enabled": False, "port": 25, "smart_hosts": ["[10.0.0.5]", "relay2.contoso.com"]}
    assert op(host, "exchange.sendconnector.get", name="Internet", fields=["port"])["value"] == {"port": 25}
    # Exchange keeps what the cmdlet was given: an IP as a bracketed literal, a name in its case.
    assert host.exchange.snapshot()["send_connectors"]["Internet"]["smart_hosts"] == ["Relay2.contoso.com",
                                                                                     "[10.0.0.5]"]


SEND_SETS = [
    # args of exchange.sendconnector.set (besides name) -> error message, or None when it goes through
    ({"dns_routing_enabled": False}, ex.SMART_HOSTS_REQUIRED),
    ({"dns_routing_enabled": False, "smart_hosts": []}, ex.SMART_HOSTS_REQUIRED),
    ({"dns_routing_enabled": True}, ex.DNS_ROUTING_MUST_BE_FALSE),  # the connector still has smart hosts
    ({"smart_hosts": []}, ex.CLEAR_NEEDS_DNS),
    ({"dns_routing_enabled": True, "smart_hosts": []}, None),
    ({"smart_hosts": ["relay.contoso.com"]}, None),
    ({"dns_routing_enabled": False, "smart_hosts": ["[10.1.1.1]"], "port": 587}, None),
    ({"port": 65535}, None),
    ({}, "nothing to set: give dns_routing_enabled, smart_hosts or port"),
    ({"port": 65536}, "argument 'port' must be a whole number from 0 to 65535"),
    ({"port": True}, "argument 'port' must be a whole number from 0 to 65535"),
    ({"port": 25.5}, "argument 'port' must be a whole number from 0 to 65535"),
    ({"dns_routing_enabled": "false"}, "argument 'dns_routing_enabled' must be true or false"),
    ({"smart_hosts": "relay.contoso.com"}, "argument 'smart_hosts' must be an array of strings"),
    ({"smart_hosts": ["Relay.contoso.com"]}, ex.smart_host_problem("Relay.contoso.com")),
    ({"smart_hosts": ["10.0.0.1"]}, ex.smart_host_problem("10.0.0.1")),
    ({"smart_hosts": ["x'; calc; '"]}, ex.smart_host_problem("x'; calc; '")),
    ({"smart_hosts": ["a.b", "a.b"]}, "argument 'smart_hosts' must not list a smart host twice"),
]


@pytest.mark.parametrize("args,message", SEND_SETS)
def test_set_send_connector_has_the_cmdlet_rules(args, message):
    host = make_host(send_connectors=ROUTED)
    before = host.exchange.snapshot()
    result = op(host, "exchange.sendconnector.set", name="Internet", **args)
    if message is None:
        assert result == {"ok": True, "value": None}
        after = op(host, "exchange.sendconnector.get", name="Internet", fields=ALL)["value"]
        assert all(after[k] == v for k, v in args.items())
        assert host.exchange.writes == 1
    else:
        assert error(result) == ("InvalidArgument", message)
        assert host.exchange.snapshot() == before and host.exchange.writes == 0


@pytest.mark.parametrize("args,message", [
    ({"fields": ALL}, "argument 'name' must be a string"),
    ({"name": "", "fields": ALL}, "argument 'name' must not be empty"),
    ({"name": "Internet"}, "argument 'fields' must be an array of distinct names among dns_routing_enabled, port, "
                           "smart_hosts"),
    ({"name": "Internet", "fields": []}, "argument 'fields' must be an array"),
    ({"name": "Internet", "fields": ["port", "port"]}, "argument 'fields' must be an array"),
    ({"name": "Internet", "fields": ["Port"]}, "argument 'fields' must be an array"),
])
def test_send_connector_read_arguments(args, message):
    kind, text = error(op(make_host(send_connectors=ROUTED), "exchange.sendconnector.get", **args))
    assert kind == "InvalidArgument" and text.startswith(message)


def test_missing_send_connector_is_a_failure_naming_it():
    host = make_host()
    assert error(op(host, "exchange.sendconnector.get", name="Nope'; x", fields=ALL)) == (
        "Failed", "send connector 'Nope'; x' was not found")


# --------------------------------------------------------------------------------------------- receive connectors

def test_receive_connector_identity_forms():
    host = make_host(receive_connectors={"{server}\\Client Frontend {server}": {"banner": "220 client"}})
    assert op(host, "exchange.receiveconnector.get", identity=None)["value"] == {"banner": None}
    assert op(host, "exchange.receiveconnector.get", identity="ex1\\client frontend EX1")["value"] == {
        "banner": "220 client"}
    assert op(host, "exchange.receiveconnector.get", identity="Client Frontend EX1")["value"] == {
        "banner": "220 client"}
    assert error(op(host, "exchange.receiveconnector.get", identity="Client Frontend EX2")) == (
        "Failed", "receive connector 'EX1\\Client Frontend EX2' was not found")
    assert error(op(host, "exchange.receiveconnector.get", identity="EX2\\Default Frontend EX2")) == (
        "InvalidArgument", "receive connector 'EX2\\Default Frontend EX2' is not on this server (EX1): the agent "
                           "manages the receive connectors of the server it runs on")
    assert error(op(host, "exchange.receiveconnector.get", identity="A\\B\\C")) == (
        "InvalidArgument", "receive connector identity 'A\\B\\C' must be SERVER\\Name or Name")
    assert error(op(host, "exchange.receiveconnector.get", identity=7)) == (
        "InvalidArgument", "argument 'identity' must be null or a string without NUL characters")


@pytest.mark.parametrize("banner,ok", [
    ("220 mail.contoso.com ready", True), (None, True), ("220 x'\"`$(calc)#>;|", True), ("ESMTP", False),
    ("220", False), ("", False), ("220 two\r\nlines", False), (7, False),
])
def test_set_receive_connector_takes_220_or_null(banner, ok):
    host = make_host(receive_connectors={"{server}\\Default Frontend {server}": {"banner": "220 before"}})
    result = op(host, "exchange.receiveconnector.set", identity=None, banner=banner)
    if ok:
        assert result["ok"] and host.exchange.receive_banner() == banner
    else:
        assert error(result) == ("InvalidArgument", ex.BANNER_INVALID)
        assert host.exchange.receive_banner() == "220 before"


def test_set_receive_connector_needs_the_banner_argument():
    host = make_host()
    assert error(op(host, "exchange.receiveconnector.set", identity=None)) == ("InvalidArgument", ex.BANNER_INVALID)


def test_receive_banner_for_the_smtp_listener():
    host = make_host(receive_connectors={"{server}\\Default Frontend {server}": {"banner": ""},
                                         "{server}\\Default {server}": {"banner": "220 hub"}})
    state = host.exchange
    assert state.receive_banner() is None  # an empty banner is no banner: AD keeps no empty strings
    assert state.receive_banner("EX1\\Default EX1") == "220 hub"
    assert state.receive_banner("Default EX1") == "220 hub"
    state.set_receive_connector_banner("EX1\\Default Frontend EX1", "220 front")
    assert state.receive_banner() == "220 front"
    with pytest.raises(StateError, match="was not found"):
        state.receive_banner("Nope")
    assert make_host("win2003-ex2003").exchange.receive_banner() is None


# ------------------------------------------------------------------------------------------------- remote domains

@pytest.mark.parametrize("value", [True, False, None])
def test_remote_domain_tnef_round_trip(value):
    host = make_host()
    assert op(host, "exchange.remotedomain.get", name="default")["value"] == {"tnef_enabled": None}
    assert op(host, "exchange.remotedomain.set", name="Default", tnef_enabled=value) == {"ok": True, "value": None}
    assert op(host, "exchange.remotedomain.get", name="DEFAULT")["value"] == {"tnef_enabled": value}


@pytest.mark.parametrize("args", [{"name": "Default"}, {"name": "Default", "tnef_enabled": "false"},
                                  {"name": "Default", "tnef_enabled": 0}])
def test_remote_domain_set_needs_true_false_or_null(args):
    assert error(op(make_host(), "exchange.remotedomain.set", **args)) == (
        "InvalidArgument", "argument 'tnef_enabled' must be true, false or null")


# ----------------------------------------------------------------------------------------------- shell and state

@pytest.mark.parametrize("name,args", [
    ("exchange.sendconnector.get", {"name": "Internet", "fields": ["port"]}),
    ("exchange.sendconnector.set", {"name": "Internet", "port": 25}),
    ("exchange.receiveconnector.get", {"identity": None}),
    ("exchange.receiveconnector.set", {"identity": None, "banner": None}),
    ("exchange.remotedomain.get", {"name": "Default"}),
    ("exchange.remotedomain.set", {"name": "Default", "tnef_enabled": None}),
])
def test_a_host_without_the_exchange_shell_refuses_every_op(name, args):
    host = make_host("win2003-ex2003")
    assert error(run_op(host, {"op": name, "args": args})) == ("Failed", SHELL_MISSING)


def test_platform_defaults_are_what_setup_creates():
    host = make_host("win2012r2-ex2013", name="ex13")
    snap = host.exchange.snapshot()
    assert snap["shell"] == ex.SNAPIN_2013
    assert sorted(snap["receive_connectors"]) == sorted(
        f"{{server}}\\{n} {{server}}" for n in ("Default Frontend", "Outbound Proxy Frontend", "Client Frontend",
                                                "Default", "Client Proxy"))
    assert snap["send_connectors"] == {}
    assert snap["remote_domains"] == {"Default": {"domain_name": "*", "tnef_enabled": None, "peer_reads_tnef": True}}
    assert active_causes(host) == []


def test_snapshot_loads_back_and_load_merges_by_name():
    host = make_host(send_connectors=ROUTED, remote_domains={"Fabrikam": {"domain_name": "fabrikam.com"}})
    host.exchange.load({"remote_domains": {"FABRIKAM": {"tnef_enabled": True}}})
    snap = host.exchange.snapshot()
    assert snap["remote_domains"]["Fabrikam"] == {"domain_name": "fabrikam.com", "tnef_enabled": True,
                                                  "peer_reads_tnef": True}
    copy = ex.SimExchange()
    copy.load(snap)
    assert copy.snapshot() == snap and copy.writes == 0


@pytest.mark.parametrize("data", [
    {"send_connectors": {"X": {"smart_host": ["a.b"]}}},
    {"receive_connectors": {"no-server-part": {}}},
    {"remote_domains": {"X": {"tnef_enabled": "yes"}}},
    {"send_connectors": {"X": {"smart_hosts": ["bad host"]}}},
    {"mailboxes": {}},
])
def test_load_refuses_what_is_not_a_scenario(data):
    with pytest.raises(StateError):
        ex.SimExchange().load(data)


def test_active_causes_follow_the_state():
    host = make_host(send_connectors={"Internet": {"dns_routing_enabled": False,
                                                   "smart_hosts": ["relay.contoso.com", "old.isp.invalid"]}},
                     receive_connectors={"{server}\\Default Frontend {server}": {"banner": "ESMTP"}},
                     remote_domains={"Fabrikam": {"tnef_enabled": None, "peer_reads_tnef": False}})
    assert active_causes(host) == ["smart-host-wrong", "no-banner", "tnef-not-understood"]
    host.exchange.set_send_connector("Internet", smart_hosts=["relay.contoso.com"])
    host.exchange.set_receive_connector_banner("EX1\\Default Frontend EX1", None)
    host.exchange.set_remote_domain_tnef("Fabrikam", False)
    assert active_causes(host) == []


# --------------------------------------------------------------------------------------- agent and lab in step

def _ps(text: str) -> str:
    return text.replace("'", "''")  # as written inside a single-quoted PowerShell string


@pytest.mark.parametrize("message", [
    SHELL_MISSING, ex.SMART_HOSTS_REQUIRED, ex.DNS_ROUTING_MUST_BE_FALSE, ex.CLEAR_NEEDS_DNS, ex.BANNER_INVALID,
    "argument 'name' must not be empty", "argument 'fields' must be an array of distinct names among "
    "dns_routing_enabled, port, smart_hosts", "nothing to set: give dns_routing_enabled, smart_hosts or port",
    "argument 'port' must be a whole number from 0 to 65535", "argument 'dns_routing_enabled' must be true or false",
    "argument 'smart_hosts' must be an array of strings", "argument 'smart_hosts' must not list a smart host twice",
    "argument 'identity' must be null or a string without NUL characters",
    "argument 'tnef_enabled' must be true, false or null",
    "' must be a lowercase host name such as relay.contoso.com or an IPv4 literal in brackets such as [10.0.0.25]",
    "' was not found", "' must be SERVER\\Name or Name", "): the agent manages the receive connectors of the server "
    "it runs on",
])
def test_the_agent_says_what_the_lab_says(message):
    assert _ps(message) in PS1


def test_the_agent_checks_smart_hosts_with_the_kinds_patterns():
    assert f"'^{FQDN.pattern}\\z'" in PS1 and f"'^{IPV4.pattern}\\z'" in PS1
    for snapin in ex.SNAPINS:
        assert f"'{snapin}'" in PS1


def test_the_agent_declares_the_exchange_ops():
    declared = {o.name for o in agent.agent_ops() if o.name.startswith("exchange.")}
    assert declared == {"exchange.sendconnector.get", "exchange.sendconnector.set", "exchange.receiveconnector.get",
                        "exchange.receiveconnector.set", "exchange.receiveconnector.set_ad_banner",
                        "exchange.remotedomain.get", "exchange.remotedomain.set"}
