"""iis_metabase_property as tables: entry -> desired; (observed, desired) -> change; the lab's metabase inheritance;
the lab ops' checks, held equal to the agent's (templates/agent/metabase.ps1) by the text they share."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from agent_runner import OpError, call

from remediate.assets import asset_dir
from remediate.engine.model import Action
from remediate.engine.plan import _action
from remediate.lab.host import SimHost
from remediate.lab.state import InvalidArgument, StateError
from remediate.lab.state import metabase as state
from remediate.lab.state.metabase import SimMetabase
from remediate.resources.iis_metabase_property import IisMetabaseProperty, IisMetabasePropertySpec

KIND = IisMetabaseProperty()
BASE = {"kind": "iis_metabase_property", "path": "/LM/SMTPSVC/1", "property": "SmartHost"}
PS = (asset_dir("templates") / "agent" / "metabase.ps1").read_text(encoding="utf-8")

DESIRED = [
    ({"value": "mail.contoso.com"}, {"local": True, "type": "STRING", "value": "mail.contoso.com"}),
    ({"value": "[10.1.1.5]", "type": "STRING"}, {"local": True, "type": "STRING", "value": "[10.1.1.5]"}),
    ({"property": "SmartHostType", "value": "2"}, {"local": True, "type": "DWORD", "value": 2}),
    ({"property": "smarthosttype", "value": 2}, {"local": True, "type": "DWORD", "value": 2}),
    ({"property": "RemoteSmtpPort", "value": 4294967295}, {"local": True, "type": "DWORD", "value": 4294967295}),
    ({"property": "ConnectResponse", "value": 220}, {"local": True, "type": "STRING", "value": "220"}),
    ({"property": "ConnectResponse", "value": ""}, {"local": True, "type": "STRING", "value": ""}),
    ({"property": "MaxMessageSize", "type": "DWORD", "value": 10240}, {"local": True, "type": "DWORD", "value": 10240}),
    ({"state": "inherited"}, {"local": False}),
    ({"state": "inherited", "type": "STRING"}, {"local": False}),
]


@pytest.mark.parametrize("fields,desired", DESIRED)
def test_desired_value_is_normalised(fields: dict[str, Any], desired: dict[str, Any]) -> None:
    assert KIND.desired(IisMetabasePropertySpec.model_validate({**BASE, **fields})) == desired


INVALID = [
    {"value": None},
    {},
    {"value": "a\r\nMAIL FROM:<x>"},
    {"value": "tab\there"},
    {"value": "\ud83c"},
    {"value": ["a"]},
    {"value": True},
    {"type": "DWORD", "value": 2},  # SmartHost is a STRING
    {"property": "SmartHostType", "value": 3.5},
    {"property": "SmartHostType", "value": -1},
    {"property": "SmartHostType", "value": 2**32},
    {"property": "SmartHostType", "value": "0x10"},
    {"property": "MaxMessageSize", "value": 1},  # unknown property: type required
    {"property": "Smart Host", "value": "a"},
    {"property": "Smart$(Host)", "value": "a"},
    {"property": "1SmartHost", "value": "a"},
    {"property": "x" * 65, "type": "STRING", "value": "a"},
    {"state": "inherited", "value": "a"},
    {"state": "inherited", "type": "DWORD"},
    {"state": "absent"},
    {"path": "/LM/W3SVC/1", "value": "a"},
    {"path": "/LM/SMTPSVC/0", "value": "a"},
    {"path": "/LM/SMTPSVC/1/Domain", "value": "a"},
    {"path": "/LM/SMTPSVC/1'; Remove-Item", "value": "a"},
    {"path": 1, "value": "a"},
    {"value": "a", "extra": 1},
]


@pytest.mark.parametrize("fields", INVALID)
def test_invalid_entries_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        IisMetabasePropertySpec.model_validate({**BASE, **fields})


@pytest.mark.parametrize("path,normal", [
    ("/LM/SMTPSVC/1", "/LM/SMTPSVC/1"), ("/lm/smtpsvc/1/", "/LM/SMTPSVC/1"), ("SmtpSvc/1", "/LM/SMTPSVC/1"),
    ("LM/SMTPSVC/01", "/LM/SMTPSVC/1"), ("\\LM\\SMTPSVC\\2", "/LM/SMTPSVC/2"), ("/LM/SMTPSVC", "/LM/SMTPSVC"),
    ("smtpsvc", "/LM/SMTPSVC"),
])
def test_paths_normalise_to_the_agents_form(path: str, normal: str) -> None:
    spec = IisMetabasePropertySpec.model_validate({**BASE, "path": path, "value": "a"})
    assert KIND.identity(spec) == {"path": normal, "property": "SmartHost"}
    assert state.check_path(normal) == normal  # the lab (and the agent's pattern) accept it as it is


def test_key_is_case_insensitive_and_describe_names_the_node() -> None:
    a = KIND.identity(IisMetabasePropertySpec.model_validate({**BASE, "value": "a"}))
    b = KIND.identity(IisMetabasePropertySpec.model_validate({**BASE, "path": "smtpsvc/1", "property": "SMARTHOST",
                                                              "state": "inherited"}))
    assert KIND.key(a) == KIND.key(b)
    assert KIND.describe(a) == "IIS metabase /LM/SMTPSVC/1 SmartHost"


INHERITED = {"local": False}
STR_A = {"local": True, "type": "STRING", "value": "a"}
STR_B = {"local": True, "type": "STRING", "value": "b"}

CHANGES = [
    (STR_A, STR_A, None),
    (INHERITED, INHERITED, None),
    (STR_A, STR_B, Action.UPDATE),
    (INHERITED, STR_A, Action.UPDATE),
    (STR_A, INHERITED, Action.UPDATE),
]


@pytest.mark.parametrize("observed,desired,action", CHANGES)
def test_changes_table(observed: dict[str, Any], desired: dict[str, Any], action: Action | None) -> None:
    assert KIND.same(observed, desired) is (action is None)
    if action is not None:
        assert _action(observed, desired) is action


def test_set_op_reaches_every_value_the_read_returns() -> None:
    ident = {"path": "/LM/SMTPSVC/1", "property": "SmartHost"}
    assert KIND.read_op(ident).op == "metabase.get" and KIND.read_op(ident).args == ident
    assert KIND.set_op(ident, INHERITED).op == "metabase.clear"
    op = KIND.set_op(ident, STR_A)
    assert op.op == "metabase.set" and op.args == {**ident, "type": "STRING", "value": "a"}


# --------------------------------------------------------------------------------------- lab: inheritance


def metabase(parent: Any = None, local: Any = None, prop: str = "ConnectResponse") -> SimMetabase:
    mb = SimMetabase()
    mb.load({"paths": {"/LM/SMTPSVC": {prop: parent} if parent is not None else {},
                       "/LM/SMTPSVC/1": {prop: local} if local is not None else {}}})
    return mb


INHERITANCE = [
    # property, parent value, local value, read of /1 (local, effective value)
    ("ConnectResponse", None, None, (False, None)),  # set nowhere: the service default (none)
    ("ConnectResponse", "220 parent", None, (False, "220 parent")),
    ("ConnectResponse", None, "220 local", (True, "220 local")),
    ("ConnectResponse", "220 parent", "220 local", (True, "220 local")),
    ("RemoteSmtpPort", None, None, (False, 25)),  # the built-in default
    ("RemoteSmtpPort", 2525, None, (False, 2525)),
    ("RemoteSmtpPort", 2525, 587, (True, 587)),
    ("SmartHostType", None, None, (False, 0)),
]


@pytest.mark.parametrize("prop,parent,local,expected", INHERITANCE)
def test_inheritance_table(prop: str, parent: Any, local: Any, expected: tuple[bool, Any]) -> None:
    mb = metabase(parent, local, prop)
    read = mb.read("/lm/smtpsvc/1", prop.lower())
    assert (read["local"], read["value"]) == expected
    assert mb.effective("/LM/SMTPSVC/1", prop) == expected[1]
    assert mb.local("/LM/SMTPSVC/1", prop)["local"] is expected[0]


def test_clearing_restores_inheritance_and_setting_overrides_it() -> None:
    mb = metabase("220 parent", "220 local")
    mb.clear("/LM/SMTPSVC/1", "connectresponse")
    assert mb.read("/LM/SMTPSVC/1", "ConnectResponse") == {"local": False, "type": "STRING", "value": "220 parent"}
    mb.clear("/LM/SMTPSVC/1", "ConnectResponse")  # clearing what is not set is no error
    mb.set("/LM/SMTPSVC/1", "ConnectResponse", "STRING", "220 again")
    assert mb.local("/LM/SMTPSVC/1", "ConnectResponse") == {"local": True, "type": "STRING", "value": "220 again"}
    mb.clear("/LM/SMTPSVC", "ConnectResponse")
    assert mb.effective("/LM/SMTPSVC/1", "ConnectResponse") == "220 again"
    assert mb.effective("/LM/SMTPSVC", "ConnectResponse") is None
    assert mb.effective("/LM/SMTPSVC/7", "ConnectResponse") is None  # no such instance


def test_load_and_snapshot_round_trip() -> None:
    mb = metabase("220 parent", "220 local")
    mb.load({"paths": {"/LM/SMTPSVC/1": {"ConnectResponse": None, "SmartHostType": 2}}})
    assert mb.snapshot()["paths"] == {"/LM/SMTPSVC": {"ConnectResponse": "220 parent"},
                                      "/LM/SMTPSVC/1": {"SmartHostType": 2}}
    with pytest.raises(InvalidArgument):
        mb.load({"paths": {"/LM/SMTPSVC/1": {"SmartHostType": "two"}}})
    with pytest.raises(StateError):
        mb.load({"paths": {"/LM/SMTPSVC/1": {"NoSuchProperty": 1}}})


# --------------------------------------------------------------------------------------- lab ops = agent


def host() -> SimHost:
    sim = SimHost(name="ex1")
    sim.metabase.load({"paths": {"/LM/SMTPSVC": {}, "/LM/SMTPSVC/1": {"SmartHost": "relay.contoso.com"}}})
    return sim


OP_ERRORS = [
    ("metabase.get", None, InvalidArgument, "args must be an object"),
    ("metabase.get", {"property": "SmartHost"}, InvalidArgument, "argument 'path' must be a string"),
    ("metabase.get", {"path": "/LM/W3SVC/1", "property": "SmartHost"}, InvalidArgument, state.PATH_MESSAGE),
    ("metabase.get", {"path": "/LM/SMTPSVC/1"}, InvalidArgument, "argument 'property' must be a string"),
    ("metabase.get", {"path": "/LM/SMTPSVC/1", "property": "a b"}, InvalidArgument, state.PROPERTY_MESSAGE),
    ("metabase.get", {"path": "/LM/SMTPSVC/2", "property": "SmartHost"}, StateError,
     "metabase path not found: /LM/SMTPSVC/2"),
    ("metabase.set", {"path": "/LM/SMTPSVC/1", "property": "SmartHost", "value": "a"}, InvalidArgument,
     "argument 'type' must be a string"),
    ("metabase.set", {"path": "/LM/SMTPSVC/1", "property": "SmartHost", "type": "MULTISZ", "value": "a"},
     InvalidArgument, "metabase type must be STRING or DWORD"),
    ("metabase.set", {"path": "/LM/SMTPSVC/1", "property": "SmartHost", "type": "STRING", "value": 1},
     InvalidArgument, "STRING value must be a string without NUL characters"),
    ("metabase.set", {"path": "/LM/SMTPSVC/1", "property": "SmartHost", "type": "STRING", "value": "a\0"},
     InvalidArgument, "STRING value must be a string without NUL characters"),
    ("metabase.set", {"path": "/LM/SMTPSVC/1", "property": "SmartHostType", "type": "DWORD", "value": True},
     InvalidArgument, "DWORD value must be an integer from 0 to 4294967295"),
    ("metabase.set", {"path": "/LM/SMTPSVC/2", "property": "SmartHost", "type": "STRING", "value": "a"},
     StateError, "metabase path not found: /LM/SMTPSVC/2"),
]


@pytest.mark.parametrize("op,args,error,message", OP_ERRORS)
def test_lab_ops_check_like_the_agent(op: str, args: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(OpError) as caught:
        call(host(), op, args)
    assert (caught.value.type, caught.value.message) == (error.error_type, message)
    core = message == "args must be an object" or message.startswith("argument '")  # Get-TextArg's, in agent.ps1.j2
    if error is InvalidArgument and not core:
        assert f"'{message}'" in PS  # the agent throws the very same text


def test_agent_and_lab_share_patterns() -> None:
    assert "'^" + state._PATH.pattern + "\\z'" in PS
    assert "'^" + state.PROPERTY_NAME.pattern + "\\z'" in PS
    assert "'metabase path not found: '" in PS


def test_lab_op_round_trip_on_wire_values() -> None:
    sim = host()
    where = {"path": "/lm/smtpsvc/1", "property": "smarthost"}
    assert call(sim, "metabase.get", where) == {"local": True, "type": "STRING", "value": "relay.contoso.com"}
    call(sim, "metabase.clear", where)
    assert call(sim, "metabase.get", where) == {"local": False}
    call(sim, "metabase.set", {**where, "property": "RemoteSmtpPort", "type": "DWORD", "value": 4294967295})
    assert call(sim, "metabase.get", {**where, "property": "RemoteSmtpPort"})["value"] == 4294967295


# ------------------------------------------------------------------------------------------------ playbook


@pytest.mark.parametrize("host_vars,expected", [
    ({}, [{"local": False}, {"local": False}]),
    ({"smtp_connect_response": None}, [{"local": False}, {"local": False}]),
    ({"smtp_connect_response": "220 mail.contoso.com ready"},
     [{"local": True, "type": "STRING", "value": "220 mail.contoso.com ready"}, {"local": False}]),
])
def test_banner_rule_follows_the_site_variable(host_vars: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    from remediate.playbook import load_catalog

    catalog = load_catalog([asset_dir("playbooks") / "smtp-banner-2003.yaml"])
    rules = catalog.render(host_vars, "ex1")
    desired = [KIND.desired(r.rule.resources[0]) for r in rules]
    assert desired == expected
    assert [KIND.identity(r.rule.resources[0])["path"] for r in rules] == ["/LM/SMTPSVC/1", "/LM/SMTPSVC"]


CONTROL = {"lf", "crlf", "cr", "nul", "tab-vt-ff", "escape-seq", "ios-newline-cmds", "ios-crlf-cmds", "ios-ctrl-z",
           "ios-ctrl-c", "herestring-single", "herestring-double", "base64-line", "agent-markers"}


def test_hostile_corpus_values_are_kept_or_refused_paths_and_names_refused(hostile_strings: dict[str, str]) -> None:
    """tests/data/hostile-strings.json: a STRING value is kept verbatim unless it holds control characters; no
    hostile string is a path or a property name. (Verbatim arrival end to end: tests/e2e/test_exchange2003.py.)"""
    for id_, text in hostile_strings.items():
        entry = {**BASE, "property": "ConnectResponse", "value": text}
        if id_ in CONTROL:
            with pytest.raises(ValidationError, match="control characters"):
                IisMetabasePropertySpec.model_validate(entry)
        else:
            assert KIND.desired(IisMetabasePropertySpec.model_validate(entry))["value"] == text, id_
        for field in ("path", "property"):
            with pytest.raises(ValidationError):
                IisMetabasePropertySpec.model_validate({**BASE, field: text, "type": "STRING", "value": "x"})
