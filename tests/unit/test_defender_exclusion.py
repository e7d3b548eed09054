"""defender_exclusion as tables (entry -> desired; observed, desired -> change; refusals) and its lab ops."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from agent_runner import run_op

from remediate.engine.model import Action
from remediate.engine.plan import _action
from remediate.lab.host import SimHost
from remediate.lab.causes.defender import active_causes
from remediate.lab.state.defender import NOT_INSTALLED_MESSAGE, SimDefender
from remediate.resources.defender_exclusion import DefenderExclusion, DefenderExclusionSpec
from remediate.resources.wintext import fold, normalize_path

KIND = DefenderExclusion()
PRESENT = {"exists": True}
ABSENT = {"exists": False}


def spec(**fields: Any) -> DefenderExclusionSpec:
    return DefenderExclusionSpec.model_validate({"kind": "defender_exclusion", "type": "path", **fields})


NORMALISED = [
    # written value, identity value
    ("C:\\Foo", "C:\\Foo"),
    ("C:\\Foo\\", "C:\\Foo"),
    ("C:\\Program Files\\Microsoft\\Exchange Server\\V15\\\\TransportRoles", "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles"),
    ("C:\\", "C:\\"),
    ("c:\\\\", "c:\\"),
    ("\\\\server\\share\\dir\\", "\\\\server\\share\\dir"),
    ("\\\\server\\\\share", "\\\\server\\share"),
    ("%SystemRoot%\\System32\\inetsrv", "%SystemRoot%\\System32\\inetsrv"),
    ("D:\\Logs\\*.log", "D:\\Logs\\*.log"),
]


@pytest.mark.parametrize("written,identity", NORMALISED)
def test_paths_are_normalised_and_keep_their_case(written: str, identity: str) -> None:
    item = spec(value=written)
    assert KIND.identity(item) == {"type": "path", "value": identity}
    assert KIND.desired(item) == PRESENT
    assert KIND.desired(spec(value=written, state="absent")) == ABSENT


def test_spellings_of_one_folder_have_one_key() -> None:
    keys = {KIND.key(KIND.identity(spec(value=v))) for v in ("C:\\Foo\\Bar", "c:\\foo\\bar\\", "C:\\\\FOO\\bar")}
    assert len(keys) == 1
    process = KIND.key(KIND.identity(spec(type="process", value="C:\\Foo\\Bar")))
    assert process not in keys  # a process and a path are different lists


INVALID = [
    {"value": ""},
    {"value": "\\"},
    {"value": "\\\\"},
    {"value": "   "},
    {"value": "C:\\a\nb"},
    {"value": "C:\\a\tb"},
    {"value": "C:\\a\x00b"},
    {"value": 'C:\\"quoted"'},
    {"value": "C:\\a|b"},
    {"value": "C:\\<a>"},
    {"value": "x" * 32768},
    {"type": "process", "value": "C:\\Exchange\\Bin\\"},
    {"type": "file", "value": "C:\\Foo"},
    {"value": "C:\\Foo", "state": "enabled"},
    {"value": "C:\\Foo", "extra": 1},
]


@pytest.mark.parametrize("fields", INVALID)
def test_invalid_entries_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        spec(**fields)


CHANGES = [
    # observed, desired, expected action (None = compliant)
    (PRESENT, PRESENT, None),
    (ABSENT, ABSENT, None),
    (ABSENT, PRESENT, Action.CREATE),
    (PRESENT, ABSENT, Action.DELETE),
]


@pytest.mark.parametrize("observed,desired,action", CHANGES)
def test_changes_table(observed: dict[str, bool], desired: dict[str, bool], action: Action | None) -> None:
    assert KIND.same(observed, desired) is (action is None)
    if action is not None:
        assert _action(observed, desired) is action
        assert [(c.path, c.before, c.after) for c in KIND.changes(observed, desired)] == [
            ("exists", observed["exists"], desired["exists"])]


def test_ops_for_every_value_the_read_returns() -> None:
    identity = {"type": "process", "value": "EdgeTransport.exe"}
    assert KIND.read_op(identity).op == "defender.get"
    assert KIND.set_op(identity, PRESENT).op == "defender.add"
    assert KIND.set_op(identity, ABSENT).op == "defender.remove"
    assert KIND.set_op(identity, ABSENT).args == identity
    assert KIND.describe(identity) == "Defender process exclusion EdgeTransport.exe"


def test_fold_is_dotnet_invariant_upper_case() -> None:
    assert fold("c:\\straße\\ǆ") == "C:\\STRAßE\\Ǆ"  # sharp s has no one-character upper case: kept
    assert fold("\U00010428") == "\U00010428"  # outside the BMP: .NET Framework leaves surrogate pairs alone
    assert normalize_path("C:\\a\\\\\\b\\") == "C:\\a\\b"


# ------------------------------------------------------------------------------------------------------ lab ops


def make_host(installed: bool = True, path: list[str] | None = None, process: list[str] | None = None) -> SimHost:
    host = SimHost(name="ex2019")
    host.defender.load({"installed": installed, "exclusions": {"path": path or [], "process": process or []}})
    return host


def run(host: SimHost, op: str, **args: Any) -> dict[str, Any]:
    return run_op(host, {"op": op, "args": args})


def test_get_compares_spellings_as_windows_does() -> None:
    host = make_host(path=["C:\\Program Files\\Exchange\\V15\\"], process=["edgetransport.EXE"])
    assert run(host, "defender.get", type="path", value="c:\\program files\\exchange\\v15") == {
        "ok": True, "value": PRESENT}
    assert run(host, "defender.get", type="process", value="EdgeTransport.exe")["value"] == PRESENT
    assert run(host, "defender.get", type="path", value="EdgeTransport.exe")["value"] == ABSENT


def test_add_adds_exactly_one_entry_and_only_once() -> None:
    host = make_host(path=["C:\\Keep"])
    run(host, "defender.add", type="path", value="C:\\New")
    run(host, "defender.add", type="path", value="c:\\new\\")  # the same folder: not added again
    assert host.defender.snapshot()["exclusions"] == {"path": ["C:\\Keep", "C:\\New"], "process": []}


def test_remove_takes_every_spelling_of_the_entry_and_nothing_else() -> None:
    host = make_host(path=["C:\\Foo", "c:\\foo\\", "C:\\Foo\\Bar", "C:\\Keep"])
    assert run(host, "defender.remove", type="path", value="C:\\FOO") == {"ok": True, "value": None}
    assert host.defender.snapshot()["exclusions"]["path"] == ["C:\\Foo\\Bar", "C:\\Keep"]
    run(host, "defender.remove", type="path", value="C:\\Missing")  # nothing to remove is not an error
    assert host.defender.snapshot()["exclusions"]["path"] == ["C:\\Foo\\Bar", "C:\\Keep"]


def test_without_defender_every_op_fails_with_the_agents_message() -> None:
    host = make_host(installed=False)
    for op in ("defender.get", "defender.add", "defender.remove"):
        assert run(host, op, type="path", value="C:\\Foo") == {
            "ok": False, "error": {"type": "Failed", "message": NOT_INSTALLED_MESSAGE}}


BAD_ARGS = [
    ({"type": "path"}, "argument 'value' must be a string"),
    ({"type": 1, "value": "x"}, "argument 'type' must be a string"),
    ({"type": "file", "value": "x"}, "unknown exclusion type 'file': expected path or process"),
    ({"type": "path", "value": ""}, 'an exclusion must be a non-empty path or name without control characters or " < > |'),
    ({"type": "path", "value": "a|b"}, 'an exclusion must be a non-empty path or name without control characters or " < > |'),
]


@pytest.mark.parametrize("args,message", BAD_ARGS)
def test_bad_arguments_are_refused_before_defender_is_asked(args: dict[str, Any], message: str) -> None:
    host = make_host(installed=False)  # argument errors come first, as in the agent
    assert run(host, "defender.add", **args) == {"ok": False, "error": {"type": "InvalidArgument", "message": message}}
    assert host.defender.writes == 0


def test_active_cause_until_queue_folder_and_worker_are_excluded() -> None:
    assert active_causes(make_host(installed=False)) == []
    host = make_host()
    assert active_causes(host) == ["av-scanning-transport"]
    run(host, "defender.add", type="path", value="D:\\Exchange\\V15\\TransportRoles\\Data\\Queue\\")
    assert active_causes(host) == ["av-scanning-transport"]
    run(host, "defender.add", type="process", value="EDGETRANSPORT.EXE")
    assert active_causes(host) == []


def test_load_replaces_only_the_parts_given_and_snapshot_is_a_copy() -> None:
    state = SimDefender()
    state.load({"installed": True, "exclusions": {"path": ["B", "a"], "process": ["x.exe"]}})
    state.load({"exclusions": {"path": []}})
    snap = state.snapshot()
    assert snap == {"installed": True, "exclusions": {"path": [], "process": ["x.exe"]}}
    snap["exclusions"]["process"].append("y.exe")
    assert state.snapshot()["exclusions"]["process"] == ["x.exe"]
