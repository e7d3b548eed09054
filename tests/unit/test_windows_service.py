"""windows_service as tables (entry -> identity/desired; observed, desired -> change; refusals) and its lab ops,
which keep the Service Control Manager's dependency rules."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from agent_runner import run_op

from remediate.engine.model import Action
from remediate.engine.plan import _action
from remediate.lab.host import SimHost
from remediate.lab.causes.services import active_causes
from remediate.lab.platforms import platform_state
from remediate.lab.state import InvalidArgument
from remediate.lab.state.services import SimServices, not_found_message
from remediate.resources.windows_service import WindowsService, WindowsServiceSpec

KIND = WindowsService()


def spec(**fields: Any) -> WindowsServiceSpec:
    return WindowsServiceSpec.model_validate({"kind": "windows_service", "name": "SMTPSVC", **fields})


DESIRED = [
    # fields, identity fields, desired
    ({"state": "running"}, ["state"], {"exists": True, "state": "running"}),
    ({"state": "Stopped"}, ["state"], {"exists": True, "state": "stopped"}),
    ({"state": "running", "start_mode": "auto"}, ["start_mode", "state"],
     {"exists": True, "state": "running", "start_mode": "auto"}),
    ({"state": "absent"}, [], {"exists": False}),
]


@pytest.mark.parametrize("fields,read,desired", DESIRED)
def test_only_the_fields_given_are_read_and_compared(fields: dict[str, Any], read: list[str],
                                                     desired: dict[str, Any]) -> None:
    item = spec(**fields)
    assert KIND.identity(item) == {"name": "SMTPSVC", "fields": read}
    assert KIND.read_op(KIND.identity(item)).args == {"name": "SMTPSVC", "fields": read}
    assert KIND.desired(item) == desired


INVALID = [
    {},
    {"state": "paused"},
    {"state": "running", "start_mode": "delayed"},
    {"state": "absent", "start_mode": "disabled"},
    {"state": "running", "name": ""},
    {"state": "running", "name": "SMTP*"},
    {"state": "running", "name": "SMTP?"},
    {"state": "running", "name": "[SMTP]"},
    {"state": "running", "name": "a\\b"},
    {"state": "running", "name": "a/b"},
    {"state": "running", "name": "a\nb"},
    {"state": "running", "name": " SMTPSVC"},
    {"state": "running", "name": "x" * 257},
    {"state": "running", "display_name": "SMTP"},
]


@pytest.mark.parametrize("fields", INVALID)
def test_invalid_entries_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        spec(**fields)


def test_names_compare_case_insensitively() -> None:
    assert KIND.key({"name": "smtpsvc", "fields": []}) == KIND.key({"name": "SMTPSVC", "fields": ["state"]})


RUNNING = {"exists": True, "state": "running"}
STOPPED = {"exists": True, "state": "stopped"}
CHANGES = [
    (RUNNING, RUNNING, None, [("state", "running", "running")][:0]),
    (STOPPED, RUNNING, Action.UPDATE, [("state", "stopped", "running")]),
    ({**STOPPED, "start_mode": "disabled"}, {**RUNNING, "start_mode": "auto"}, Action.UPDATE,
     [("start_mode", "disabled", "auto"), ("state", "stopped", "running")]),
    ({"exists": False}, RUNNING, Action.CREATE, [("exists", False, True), ("state", None, "running")]),
    ({"exists": True}, {"exists": False}, Action.DELETE, [("exists", True, False)]),
    ({"exists": False}, {"exists": False}, None, []),
]


@pytest.mark.parametrize("observed,desired,action,fields", CHANGES)
def test_changes_table(observed: dict[str, Any], desired: dict[str, Any], action: Action | None,
                       fields: list[tuple[str, Any, Any]]) -> None:
    assert KIND.same(observed, desired) is (action is None)
    if action is not None:
        assert _action(observed, desired) is action
    assert [(c.path, c.before, c.after) for c in KIND.changes(observed, desired)] == fields


def test_set_op_carries_only_the_managed_fields() -> None:
    identity = {"name": "SMTPSVC", "fields": ["start_mode", "state"]}
    op = KIND.set_op(identity, {"exists": True, "state": "stopped", "start_mode": "manual"})
    assert op.op == "service.set"
    assert op.args == {"name": "SMTPSVC", "exists": True, "state": "stopped", "start_mode": "manual"}
    assert KIND.set_op({"name": "SMSMSE", "fields": []}, {"exists": False}).args == {"name": "SMSMSE",
                                                                                    "exists": False}


# ------------------------------------------------------------------------------------------------------ lab ops


def make_host(platform: str = "win2003-ex2003", **services: dict[str, Any]) -> SimHost:
    host = SimHost(name="ex")
    host.services.load(platform_state(platform)["services"])
    host.services.load(services)
    return host


def run(host: SimHost, op: str, **args: Any) -> dict[str, Any]:
    return run_op(host, {"op": op, "args": args})


def states(host: SimHost) -> dict[str, str]:
    return {name: s["state"] for name, s in host.services.snapshot().items()}


def test_get_reads_the_fields_asked_for() -> None:
    host = make_host()
    assert run(host, "service.get", name="smtpsvc", fields=["state", "start_mode"]) == {
        "ok": True, "value": {"exists": True, "state": "running", "start_mode": "auto"}}
    assert run(host, "service.get", name="SMSMSE", fields=["state"])["value"] == {"exists": False}
    assert run(host, "service.get", name="SMTPSVC", fields=[])["value"] == {"exists": True}


def test_starting_a_service_starts_what_it_depends_on() -> None:
    host = make_host(SMTPSVC={"state": "stopped"}, W3SVC={"state": "stopped"}, IISADMIN={"state": "stopped"})
    assert run(host, "service.set", name="SMTPSVC", exists=True, state="running")["ok"]
    assert states(host)["IISADMIN"] == "running" and states(host)["W3SVC"] == "stopped"


def test_stopping_a_service_with_running_dependents_fails_and_changes_nothing() -> None:
    host = make_host()
    before = host.services.snapshot()
    result = run(host, "service.set", name="IISADMIN", exists=True, state="stopped")
    assert result == {"ok": False, "error": {"type": "Failed", "message": (
        "Cannot stop service 'IIS Admin Service (IISADMIN)' because it has dependent services. It can only be "
        "stopped if the Force flag is set.")}}
    assert host.services.snapshot() == before


def test_disabled_service_or_dependency_does_not_start() -> None:
    host = make_host(SMTPSVC={"state": "stopped"}, W3SVC={"state": "stopped"},
                     IISADMIN={"state": "stopped", "start_mode": "disabled"})
    message = ("Service 'Simple Mail Transfer Protocol (SMTP) (SMTPSVC)' cannot be started due to the following "
               "error: Cannot start service SMTPSVC on computer '.'.")
    assert run(host, "service.set", name="SMTPSVC", exists=True, state="running")["error"]["message"] == message
    # Start mode first, then state: one change can enable and start a service.
    assert run(host, "service.set", name="IISADMIN", exists=True, state="running", start_mode="manual")["ok"]
    assert host.services.snapshot()["IISADMIN"]["start_mode"] == "manual"
    assert states(host)["IISADMIN"] == "running"


def test_remediate_neither_installs_nor_deletes_services() -> None:
    host = make_host()
    assert run(host, "service.set", name="SMSMSE", exists=True, state="running")["error"] == {
        "type": "Failed", "message": not_found_message("SMSMSE")}
    assert run(host, "service.set", name="SMSMSE", exists=False) == {"ok": True, "value": None}
    refused = run(host, "service.set", name="smtpsvc", exists=False)["error"]
    assert refused["type"] == "InvalidArgument" and "does not delete services" in refused["message"]
    assert "SMTPSVC" in refused["message"]


BAD_ARGS = [
    ("service.get", {"name": "SMTP*", "fields": []},
     "argument 'name' must be a service name without / \\ * ? [ ] or control characters"),
    ("service.get", {"name": "SMTPSVC", "fields": "state"}, "argument 'fields' must be a list of 'state' and 'start_mode'"),
    ("service.get", {"name": "SMTPSVC", "fields": ["State"]},
     "argument 'fields' must be a list of 'state' and 'start_mode'"),
    ("service.set", {"name": "SMTPSVC", "exists": 1}, "argument 'exists' must be true or false"),
    ("service.set", {"name": "SMTPSVC", "exists": True, "state": "paused"},
     "argument 'state' must be one of running, stopped"),
    ("service.set", {"name": "SMTPSVC", "exists": True, "start_mode": "boot"},
     "argument 'start_mode' must be one of auto, manual, disabled"),
]


@pytest.mark.parametrize("op,args,message", BAD_ARGS)
def test_bad_arguments_are_refused_with_the_agents_messages(op: str, args: dict[str, Any], message: str) -> None:
    assert run(make_host(), op, **args) == {"ok": False, "error": {"type": "InvalidArgument", "message": message}}


def test_load_refuses_a_state_windows_cannot_be_in() -> None:
    services = SimServices()
    services.load(platform_state("win2003-ex2003")["services"])
    with pytest.raises(InvalidArgument, match="SMTPSVC is running but depends on IISADMIN"):
        services.load({"IISADMIN": {"state": "stopped"}})
    with pytest.raises(InvalidArgument, match="needs state and start_mode"):
        services.load({"SMSMSE": {"state": "running"}})
    services.load({"W3SVC": None})  # null removes
    assert "W3SVC" not in services.snapshot()


def test_platform_defaults_are_not_shared_between_hosts() -> None:
    one, two = make_host(), make_host()
    run(one, "service.set", name="SMTPSVC", exists=True, state="stopped")
    assert states(two)["SMTPSVC"] == "running"
    assert platform_state("win2003-ex2003")["services"]["SMTPSVC"]["state"] == "running"


@pytest.mark.parametrize("platform,stop,causes", [
    ("win2003-ex2003", "SMTPSVC", ["smtp-service-stopped"]),
    ("win2019-ex2019", "MSExchangeFrontEndTransport", ["smtp-service-stopped"]),
    ("win2012r2-ex2013", "MSExchangeTransport", ["smtp-service-stopped"]),
    ("win2019-ex2019", "MpsSvc", []),
])
def test_active_causes(platform: str, stop: str, causes: list[str]) -> None:
    assert active_causes(make_host(platform)) == []
    assert active_causes(make_host(platform, **{stop: {"state": "stopped"}})) == causes


def test_running_smsmse_is_the_heuristics_cause() -> None:
    host = make_host(SMSMSE={"state": "running", "start_mode": "auto"})
    assert active_causes(host) == ["smsmse-heuristics"]
