"""firewall_rule as tables (entry -> desired; observed, desired -> change; refusals) and its lab ops."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from agent_runner import run_op

from remediate.engine.model import Action
from remediate.engine.plan import _action
from remediate.lab.host import SimHost
from remediate.lab.causes.firewall import active_causes
from remediate.lab.state.firewall import NO_API_MESSAGE, READ_ONLY_MESSAGE, ambiguous_message, covers
from remediate.resources.firewall_rule import FirewallRule, FirewallRuleSpec

KIND = FirewallRule()
NAME = "SMTP-In (remediate)"
SMTP = {"exists": True, "direction": "in", "protocol": "TCP", "local_port": "25", "action": "allow", "enabled": True}
ABSENT = {"exists": False}


def spec(**fields: Any) -> FirewallRuleSpec:
    return FirewallRuleSpec.model_validate({"kind": "firewall_rule", "name": NAME, **fields})


DESIRED = [
    ({"local_port": 25}, SMTP),
    ({"local_port": "25", "protocol": "tcp", "direction": "IN", "action": "Allow"}, SMTP),
    ({"local_port": 587, "enabled": False, "action": "block", "direction": "out", "protocol": "UDP"},
     {"exists": True, "direction": "out", "protocol": "UDP", "local_port": "587", "action": "block",
      "enabled": False}),
    ({"state": "absent"}, ABSENT),
]


@pytest.mark.parametrize("fields,desired", DESIRED)
def test_desired_value_is_the_wire_form(fields: dict[str, Any], desired: dict[str, Any]) -> None:
    item = spec(**fields)
    assert KIND.desired(item) == desired
    assert KIND.identity(item) == {"name": NAME}


INVALID = [
    {},  # present needs a port
    {"local_port": 0},
    {"local_port": 65536},
    {"local_port": True},
    {"local_port": "25,587"},
    {"local_port": 25, "protocol": "ICMP"},
    {"local_port": 25, "action": "deny"},
    {"local_port": 25, "enabled": "maybe"},
    {"state": "absent", "local_port": 25},
    {"state": "absent", "enabled": False},
    {"local_port": 25, "name": ""},
    {"local_port": 25, "name": "   "},
    {"local_port": 25, "name": "SMTP\nIn"},
    {"local_port": 25, "name": "SMTP|In"},
    {"local_port": 25, "name": "All"},
    {"local_port": 25, "name": "x" * 1025},
    {"local_port": 25, "profile": "Domain"},
]


@pytest.mark.parametrize("fields", INVALID)
def test_invalid_entries_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        spec(**fields)


def test_names_compare_case_insensitively() -> None:
    assert KIND.key({"name": "smtp-in (REMEDIATE)"}) == KIND.key({"name": NAME})


CHANGES = [
    # observed, desired, expected action (None = compliant), changed fields
    (SMTP, SMTP, None, []),
    (ABSENT, ABSENT, None, []),
    # Creating or deleting changes most keys: deepdiff then reports the whole value as one change.
    (ABSENT, SMTP, Action.CREATE, ["value"]),
    ({**SMTP, "enabled": False}, SMTP, Action.UPDATE, ["enabled"]),
    ({**SMTP, "local_port": "25,587"}, SMTP, Action.UPDATE, ["local_port"]),
    (SMTP, ABSENT, Action.DELETE, ["value"]),
]


@pytest.mark.parametrize("observed,desired,action,fields", CHANGES)
def test_changes_table(observed: dict[str, Any], desired: dict[str, Any], action: Action | None,
                       fields: list[str]) -> None:
    assert KIND.same(observed, desired) is (action is None)
    if action is not None:
        assert _action(observed, desired) is action
    assert [c.path for c in KIND.changes(observed, desired)] == fields


def test_set_op_reaches_every_value_the_read_returns() -> None:
    identity = {"name": NAME}
    assert KIND.read_op(identity).op == "firewall.get"
    assert KIND.set_op(identity, ABSENT).op == "firewall.remove"
    assert KIND.set_op(identity, ABSENT).args == identity
    op = KIND.set_op(identity, {**SMTP, "local_port": "25,587", "protocol": "Any"})
    assert op.op == "firewall.set"
    assert op.args == {"name": NAME, "direction": "in", "protocol": "Any", "local_port": "25,587",
                       "action": "allow", "enabled": True}


# ------------------------------------------------------------------------------------------------------ lab ops


def make_host(rules: list[dict[str, Any]], api: str = "netsecurity", enabled: bool = True) -> SimHost:
    host = SimHost(name="ex2019")
    host.firewall.load({"api": api, "enabled": enabled, "rules": rules})
    return host


def run(host: SimHost, op: str, **args: Any) -> dict[str, Any]:
    return run_op(host, {"op": op, "args": args})


FIELDS = {k: v for k, v in SMTP.items() if k != "exists"}
OTHER = {"name": "SMTP inbound (mail team)", "local_port": "25", "enabled": False}


def test_create_update_remove_touch_only_the_named_rule() -> None:
    host = make_host([OTHER])
    assert run(host, "firewall.get", name=NAME) == {"ok": True, "value": ABSENT}
    run(host, "firewall.set", name=NAME, **FIELDS)
    assert run(host, "firewall.get", name=NAME.upper())["value"] == SMTP
    run(host, "firewall.set", name=NAME, **{**FIELDS, "enabled": False})
    assert run(host, "firewall.get", name=NAME)["value"] == {**SMTP, "enabled": False}
    assert [r["name"] for r in host.firewall.snapshot()["rules"]] == [OTHER["name"], NAME]
    run(host, "firewall.remove", name=NAME)
    run(host, "firewall.remove", name=NAME)  # a missing rule is not an error
    assert host.firewall.snapshot()["rules"] == [{"name": OTHER["name"], "direction": "in", "protocol": "TCP",
                                                  "local_port": "25", "action": "allow", "enabled": False}]


def test_a_name_several_rules_share_is_refused_not_guessed() -> None:
    host = make_host([{"name": NAME, "local_port": "25"}, {"name": NAME.lower(), "local_port": "26"}])
    expected = {"ok": False, "error": {"type": "Failed", "message": ambiguous_message(NAME, 2)}}
    assert run(host, "firewall.get", name=NAME) == expected
    assert run(host, "firewall.remove", name=NAME) == expected
    assert len(host.firewall.snapshot()["rules"]) == 2


def test_2008_reads_but_does_not_write_and_2003_has_no_api() -> None:
    host = make_host([{"name": NAME, "local_port": "25"}], api="com")
    assert run(host, "firewall.get", name=NAME)["value"] == SMTP
    assert run(host, "firewall.set", name=NAME, **FIELDS)["error"] == {"type": "Failed", "message": READ_ONLY_MESSAGE}
    assert run(host, "firewall.remove", name=NAME)["error"]["message"] == READ_ONLY_MESSAGE
    old = make_host([], api="none")
    assert run(old, "firewall.get", name=NAME)["error"] == {"type": "Failed", "message": NO_API_MESSAGE}


BAD_ARGS = [
    ({"name": ""}, "argument 'name' must not be empty"),
    ({"name": NAME, **FIELDS, "direction": "inbound"}, "argument 'direction' must be in or out"),
    ({"name": NAME, **FIELDS, "protocol": "TCP; x"}, "argument 'protocol' must be a protocol name or number such as TCP"),
    ({"name": NAME, **FIELDS, "local_port": "25 587"},
     "argument 'local_port' must be ports, ranges or keywords separated by commas"),
    ({"name": NAME, **FIELDS, "local_port": 25}, "argument 'local_port' must be a string"),
    ({"name": NAME, **FIELDS, "action": "deny"}, "argument 'action' must be allow or block"),
    ({"name": NAME, **FIELDS, "enabled": "true"}, "argument 'enabled' must be true or false"),
]


@pytest.mark.parametrize("args,message", BAD_ARGS)
def test_bad_arguments_are_refused_before_the_firewall_is_asked(args: dict[str, Any], message: str) -> None:
    host = make_host([], api="none")  # argument errors come first, as in the agent
    assert run(host, "firewall.set", **args) == {"ok": False,
                                                 "error": {"type": "InvalidArgument", "message": message}}


PORTS = [("Any", 25, True), ("25", 25, True), ("587,25", 25, True), ("20-30", 25, True), ("26", 25, False),
         ("RPC", 25, False), ("250", 25, False)]


@pytest.mark.parametrize("text,port,expected", PORTS)
def test_port_text_coverage(text: str, port: int, expected: bool) -> None:
    assert covers(text, port) is expected


def test_port25_blocked_follows_rules_profile_and_block_precedence() -> None:
    assert active_causes(make_host([OTHER])) == ["port25-blocked"]
    assert active_causes(make_host([OTHER], enabled=False)) == []
    assert active_causes(make_host([{"name": NAME, "local_port": "25"}])) == []
    assert active_causes(make_host([{"name": "all ports", "local_port": "Any"}])) == []
    blocked = [{"name": NAME, "local_port": "25"}, {"name": "deny smtp", "local_port": "25", "action": "block"}]
    assert active_causes(make_host(blocked)) == ["port25-blocked"]
    outbound = [{"name": NAME, "local_port": "25", "direction": "out"}]
    assert active_causes(make_host(outbound)) == ["port25-blocked"]


def test_port25_on_2003_follows_the_windows_firewall_service() -> None:
    host = make_host([], api="none")
    host.services.load({"SharedAccess": {"state": "stopped", "start_mode": "manual"}})
    assert active_causes(host) == []
    host.services.load({"SharedAccess": {"state": "running"}})
    assert active_causes(host) == ["port25-blocked"]
