"""The Exchange kinds as tables: playbook entry -> identity and desired wire value; refusals; observed vs desired."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from remediate.engine.plan import _action
from remediate.engine.model import Action
from remediate.resources import KINDS
from remediate.resources.exchange_receive_connector import ExchangeReceiveConnector, ExchangeReceiveConnectorSpec
from remediate.resources.exchange_remote_domain import ExchangeRemoteDomain, ExchangeRemoteDomainSpec
from remediate.resources.exchange_send_connector import ExchangeSendConnector, ExchangeSendConnectorSpec

SEND, RECEIVE, REMOTE = ExchangeSendConnector(), ExchangeReceiveConnector(), ExchangeRemoteDomain()
SC = {"kind": "exchange_send_connector", "name": "Internet"}
RC = {"kind": "exchange_receive_connector"}
RD = {"kind": "exchange_remote_domain", "name": "Fabrikam"}

# Names Exchange takes verbatim: every kind of quote, backticks, $(...), ;, |, #>, non-ASCII, 64 characters.
HOSTILE_NAMES = [
    "x'; Remove-Item C:\\ -Recurse; '",
    'quote " and \u2018single\u2019 \u201cdouble\u201d',
    "back`tick `$(Get-Date) $env:USERNAME",
    "semi; pipe | redirect > comment #> <#",
    "Gr\u00fc\u00dfe nach \u0141\u00f3d\u017a \u65e5\u672c",
    "n" * 64,
]
# Refused with a message naming the rule: control characters (line breaks) and names over 64 characters.
BAD_NAMES = ["", "line\nbreak", "carriage\rreturn", "nul\x00", "tab\tstop", "n" * 65]


def test_kinds_are_registered():
    assert {"exchange_send_connector", "exchange_receive_connector", "exchange_remote_domain"} <= set(KINDS)


# ------------------------------------------------------------------------------------------------ send connector

SEND_DESIRED = [
    # fields given -> identity fields, desired wire value
    ({"smart_hosts": ["Relay.Contoso.COM", "10.0.0.5"], "dns_routing_enabled": False},
     ["dns_routing_enabled", "smart_hosts"],
     {"dns_routing_enabled": False, "smart_hosts": ["[10.0.0.5]", "relay.contoso.com"]}),
    ({"smart_hosts": "b.contoso.com; a.contoso.com,[10.1.1.1]", "dns_routing_enabled": "false", "port": "587"},
     ["dns_routing_enabled", "port", "smart_hosts"],
     {"dns_routing_enabled": False, "port": 587, "smart_hosts": ["[10.1.1.1]", "a.contoso.com", "b.contoso.com"]}),
    ({"smart_hosts": [], "dns_routing_enabled": True}, ["dns_routing_enabled", "smart_hosts"],
     {"dns_routing_enabled": True, "smart_hosts": []}),
    ({"port": 25}, ["port"], {"port": 25}),
    ({"port": 0}, ["port"], {"port": 0}),
    ({"smart_hosts": ["smarthost"], "dns_routing_enabled": False}, ["dns_routing_enabled", "smart_hosts"],
     {"dns_routing_enabled": False, "smart_hosts": ["smarthost"]}),
]


@pytest.mark.parametrize("fields,managed,desired", SEND_DESIRED)
def test_send_connector_desired_is_the_wire_form(fields, managed, desired):
    spec = ExchangeSendConnectorSpec.model_validate({**SC, **fields})
    identity = SEND.identity(spec)
    assert identity == {"name": "Internet", "fields": managed}
    assert SEND.desired(spec) == desired
    assert SEND.read_op(identity).wire() == {"op": "exchange.sendconnector.get",
                                             "args": {"name": "Internet", "fields": managed}}


SEND_INVALID = [
    ({"smart_hosts": ["relay.contoso.com"]}, "together"),
    ({"dns_routing_enabled": False}, "together"),
    ({"smart_hosts": [], "dns_routing_enabled": False}, "at least one smart host"),
    ({"smart_hosts": ["relay.contoso.com"], "dns_routing_enabled": True}, "true takes smart_hosts"),
    ({}, "nothing to manage"),
    ({"port": 65536}, "port"),
    ({"port": -1}, "port"),
    ({"port": True}, "port"),
    ({"port": "25a"}, "port"),
    ({"smart_hosts": ["relay.contoso.com", "RELAY.contoso.com"], "dns_routing_enabled": False}, "twice"),
    ({"smart_hosts": ["relay.contoso.com", "[10.0.0.1]", "10.0.0.1"], "dns_routing_enabled": False}, "twice"),
    ({"smart_hosts": [7], "dns_routing_enabled": False}, "string"),
    ({"smart_hosts": "relay.contoso.com", "dns_routing_enabled": False, "extra": 1}, "extra"),
]


@pytest.mark.parametrize("fields,message", SEND_INVALID)
def test_send_connector_refusals(fields, message):
    with pytest.raises(ValidationError, match=message):
        ExchangeSendConnectorSpec.model_validate({**SC, **fields})


# Smart hosts that are not a DNS name or an IPv4 address, hostile strings among them: refused, never passed on.
BAD_SMART_HOSTS = [
    "bad host", "relay..contoso.com", "-relay.contoso.com", "relay-.contoso.com", "relay_1.contoso.com",
    "10.0.0.256", "[10.0.0.1", "10.0.0.1]", "1.2.3", "[::1]", "2001:db8::1", "a" * 64 + ".com",
    ("a" * 62 + ".") * 4 + "com", "relay.contoso.com.", "x'; Remove-Item C:\\ -Recurse; '", "$(Get-Date).com",
    "relay`.com", "relay.contoso.com;|calc", "r\u00e9lay.contoso.com", "relay\n.contoso.com", "\u2018relay\u2019",
    "mail.contoso.com #>",
]


@pytest.mark.parametrize("host", BAD_SMART_HOSTS)
def test_send_connector_refuses_what_is_no_smart_host(host):
    with pytest.raises(ValidationError, match="smart host"):
        ExchangeSendConnectorSpec.model_validate({**SC, "smart_hosts": [host], "dns_routing_enabled": False})


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_send_connector_names_are_taken_verbatim(name):
    spec = ExchangeSendConnectorSpec.model_validate({**SC, "name": name, "port": 25})
    assert SEND.identity(spec)["name"] == name
    assert SEND.set_op(SEND.identity(spec), {"port": 25}).args == {"name": name, "port": 25}


@pytest.mark.parametrize("name", BAD_NAMES)
def test_send_connector_refuses_bad_names(name):
    with pytest.raises(ValidationError, match="send connector name"):
        ExchangeSendConnectorSpec.model_validate({**SC, "name": name, "port": 25})


ROUTED = {"dns_routing_enabled": False, "port": 25, "smart_hosts": ["[10.0.0.5]", "relay.contoso.com"]}
SEND_CHANGES = [
    # observed, desired, expected field changes ([] = compliant)
    (ROUTED, ROUTED, []),
    ({**ROUTED, "smart_hosts": ["relay.contoso.com"]}, ROUTED, [("smart_hosts[0]", None, "[10.0.0.5]")]),
    ({**ROUTED, "port": 587}, ROUTED, [("port", 587, 25)]),
    ({"dns_routing_enabled": True, "port": 25, "smart_hosts": []}, ROUTED,
     [("dns_routing_enabled", True, False), ("smart_hosts[0]", None, "[10.0.0.5]"),
      ("smart_hosts[1]", None, "relay.contoso.com")]),
]


@pytest.mark.parametrize("observed,desired,fields", SEND_CHANGES)
def test_send_connector_changes_table(observed, desired, fields):
    assert SEND.same(observed, desired) is (fields == [])
    got = [(c.path, c.before, c.after) for c in SEND.changes(observed, desired)]
    assert got == fields
    if fields:
        assert _action(observed, desired) is Action.UPDATE


def test_send_connector_set_replays_every_managed_field_in_one_op():
    # Rollback: the before-value of all managed fields, in one Set-SendConnector call.
    identity = {"name": "Internet", "fields": ["dns_routing_enabled", "port", "smart_hosts"]}
    before = {"dns_routing_enabled": True, "port": 25, "smart_hosts": []}
    assert SEND.set_op(identity, before).wire() == {
        "op": "exchange.sendconnector.set",
        "args": {"name": "Internet", "dns_routing_enabled": True, "port": 25, "smart_hosts": []}}


def test_send_connector_key_is_the_connector_whatever_fields_are_managed():
    a = SEND.identity(ExchangeSendConnectorSpec.model_validate({**SC, "port": 25}))
    b = SEND.identity(ExchangeSendConnectorSpec.model_validate({**SC, "name": "INTERNET", "smart_hosts": [],
                                                                "dns_routing_enabled": True}))
    assert SEND.key(a) == SEND.key(b)
    assert SEND.describe(a) == "send connector 'Internet'"


# ---------------------------------------------------------------------------------------------- receive connector

# Banners are one ASCII line after "220 ": every printable ASCII character arrives verbatim.
GOOD_BANNERS = [
    "220 mail.contoso.com ESMTP ready",
    "220 it's \"quoted\" `tick` $(Get-Date) ; | & #> <# %PATH% ${x} @{}",
    "220 " + "x" * 506,
    "220 a",
    "220 trailing space ",
]
BAD_BANNERS = [
    ("", "start with '220 '"),
    ("220", "start with '220 '"),
    ("220-multi", "start with '220 '"),
    ("ESMTP ready", "start with '220 '"),
    (" 220 leading space", "start with '220 '"),
    ("220 ", "one line"),
    ("220    ", "one line"),
    ("220 two\r\n250 lines", "one line"),
    ("220 line\nbreak", "one line"),
    ("220 tab\there", "one line"),
    ("220 \u2018smart quotes\u2019", "ASCII"),
    ("220 caf\u00e9", "ASCII"),
    ("220 " + "x" * 507, "at most 510"),
]


@pytest.mark.parametrize("banner", [*GOOD_BANNERS, None])
def test_receive_connector_banner_verbatim_or_default(banner):
    spec = ExchangeReceiveConnectorSpec.model_validate({**RC, "banner": banner})
    assert RECEIVE.desired(spec) == {"banner": banner}
    identity = RECEIVE.identity(spec)
    assert identity == {"identity": None}
    assert RECEIVE.set_op(identity, {"banner": banner}).wire() == {
        "op": "exchange.receiveconnector.set", "args": {"identity": None, "banner": banner}}


@pytest.mark.parametrize("banner,message", BAD_BANNERS)
def test_receive_connector_refuses_bad_banners(banner, message):
    with pytest.raises(ValidationError, match=message):
        ExchangeReceiveConnectorSpec.model_validate({**RC, "banner": banner})


def test_receive_connector_banner_is_required_so_null_is_not_unmanaged():
    with pytest.raises(ValidationError, match="banner"):
        ExchangeReceiveConnectorSpec.model_validate(RC)


# A backslash separates server and name in a receive connector's identity, so a name cannot hold one.
HOSTILE_RECEIVE_NAMES = [name.replace("\\", "/") for name in HOSTILE_NAMES]


@pytest.mark.parametrize("identity", ["EX01\\Default Frontend EX01", "Default Frontend EX01", "ex-2019\\From \u00c9",
                                      *HOSTILE_RECEIVE_NAMES, "EX01\\" + HOSTILE_RECEIVE_NAMES[0]])
def test_receive_connector_identities_are_taken_verbatim(identity):
    spec = ExchangeReceiveConnectorSpec.model_validate({**RC, "identity": identity, "banner": None})
    assert RECEIVE.read_op(RECEIVE.identity(spec)).args == {"identity": identity}


@pytest.mark.parametrize("identity,message", [
    ("A\\B\\C", "SERVER\\\\Name"), (HOSTILE_NAMES[0], "server name"), ("bad server\\Name", "server name"), ("EX01\\", "must not be empty"),
    ("\\Name", "server name"), ("EX01\\line\nbreak", "control characters"), ("EX01\\" + "n" * 65, "at most 64"),
])
def test_receive_connector_refuses_bad_identities(identity, message):
    with pytest.raises(ValidationError, match=message):
        ExchangeReceiveConnectorSpec.model_validate({**RC, "identity": identity, "banner": None})


def test_receive_connector_describe_and_changes():
    assert RECEIVE.describe({"identity": None}) == "receive connector 'Default Frontend' of this server"
    assert RECEIVE.describe({"identity": "EX1\\X"}) == "receive connector 'EX1\\X'"
    assert [(c.path, c.before, c.after) for c in RECEIVE.changes({"banner": "ESMTP"}, {"banner": None})] == [
        ("banner", "ESMTP", None)]
    assert RECEIVE.same({"banner": None}, {"banner": None})


# ---------------------------------------------------------------------------------------------------- remote domain

@pytest.mark.parametrize("given,wire", [(True, True), (False, False), (None, None), ("false", False),
                                        ("true", True)])
def test_remote_domain_tnef_takes_three_values(given, wire):
    spec = ExchangeRemoteDomainSpec.model_validate({**RD, "tnef_enabled": given})
    assert REMOTE.desired(spec) == {"tnef_enabled": wire}
    assert REMOTE.set_op(REMOTE.identity(spec), {"tnef_enabled": None}).wire() == {
        "op": "exchange.remotedomain.set", "args": {"name": "Fabrikam", "tnef_enabled": None}}


def test_remote_domain_tnef_is_required_so_null_is_not_unmanaged():
    with pytest.raises(ValidationError, match="tnef_enabled"):
        ExchangeRemoteDomainSpec.model_validate(RD)
    with pytest.raises(ValidationError, match="tnef_enabled"):
        ExchangeRemoteDomainSpec.model_validate({**RD, "tnef_enabled": "sometimes"})


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_remote_domain_names_are_taken_verbatim(name):
    spec = ExchangeRemoteDomainSpec.model_validate({**RD, "name": name, "tnef_enabled": False})
    assert REMOTE.read_op(REMOTE.identity(spec)).args == {"name": name}


@pytest.mark.parametrize("name", BAD_NAMES)
def test_remote_domain_refuses_bad_names(name):
    with pytest.raises(ValidationError, match="remote domain name"):
        ExchangeRemoteDomainSpec.model_validate({**RD, "name": name, "tnef_enabled": False})


@pytest.mark.parametrize("observed,desired,same", [
    ({"tnef_enabled": None}, {"tnef_enabled": False}, False),
    ({"tnef_enabled": True}, {"tnef_enabled": False}, False),
    ({"tnef_enabled": False}, {"tnef_enabled": False}, True),
    ({"tnef_enabled": None}, {"tnef_enabled": None}, True),
])
def test_remote_domain_null_is_a_value_of_its_own(observed, desired, same):
    assert REMOTE.same(observed, desired) is same
    assert REMOTE.key({"name": "FABRIKAM"}) == REMOTE.key({"name": "fabrikam"})


# ------------------------------------------------------------------------------- the shared hostile-string corpus

def test_hostile_corpus_names_are_verbatim_or_refused_with_the_rule(hostile_strings):
    accepted = 0
    for key, text in hostile_strings.items():
        for model, base, field, what in ((ExchangeSendConnectorSpec, {**SC, "port": 25}, "name", "send connector name"),
                                         (ExchangeRemoteDomainSpec, {**RD, "tnef_enabled": None}, "name",
                                          "remote domain name")):
            try:
                spec = model.model_validate({**base, field: text})
            except ValidationError as exc:
                assert what in str(exc) and ("control characters" in str(exc) or "at most 64" in str(exc)), key
            else:
                assert getattr(spec, field) == text, key
                accepted += 1
    assert accepted > 40  # quotes, $(...), ;, |, #>, Unicode: ordinary characters in a name


def test_hostile_corpus_banners_are_verbatim_or_refused_with_the_rule(hostile_strings):
    for key, text in hostile_strings.items():
        banner = "220 " + text
        try:
            spec = ExchangeReceiveConnectorSpec.model_validate({**RC, "banner": banner})
        except ValidationError as exc:
            assert "one line of printable ASCII" in str(exc) or "at most 510" in str(exc), key
            assert not banner.isascii() or any(ord(c) < 32 or ord(c) == 127 for c in banner) or len(banner) > 510
        else:
            assert RECEIVE.desired(spec) == {"banner": banner}, key


@pytest.mark.parametrize("as_string", [False, True])
def test_hostile_corpus_is_never_a_smart_host(hostile_strings, as_string):
    # Also as one string: `,` and `;` separate hosts, but no line break or other character does.
    for key, text in hostile_strings.items():
        with pytest.raises(ValidationError, match="smart host"):
            ExchangeSendConnectorSpec.model_validate({**SC, "smart_hosts": text if as_string else [text],
                                                      "dns_routing_enabled": False})
