"""The agent (templates/agent.ps1.j2, templates/agent/registry.ps1) against docs/agent-protocol.md: read and apply
mode, registry ops, errors, run by the lab's interpreter on a simulated host (tests/agent_runner.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from agent_runner import AgentExit, execute

from remediate import agent
from remediate.lab.host import SimHost
from remediate.lab.state.registry import SimRegistry

KEY = "SOFTWARE\\Remediate\\Test"
ABSENT: dict[str, Any] = {"exists": False}


def value(type_: str, data: Any) -> dict[str, Any]:
    return {"exists": True, "type": type_, "data": data}


NET2 = {"os_version": "5.2.3790", "ps_version": "2.0"}  # Windows Server 2003: PowerShell 2.0 on .NET 2.0
NET4 = {"os_version": "10.0.17763", "ps_version": "5.1"}  # Windows Server 2019


def make_host(values: dict[str, dict[str, Any]] | None = None, facts: dict[str, str] = NET2,
              **faults: Any) -> SimHost:
    registry = SimRegistry()
    registry.load({"HKLM": {KEY: values or {}}})
    return SimHost(name="ex1.lab.local", facts=dict(facts), registry=registry, **faults)


def where(name: str, key: str = KEY, hive: str = "HKLM") -> dict[str, str]:
    return {"hive": hive, "key": key, "name": name}


def writer(ident: dict[str, str], target: dict[str, Any]) -> dict[str, Any]:
    if not target["exists"]:
        return {"op": "registry.remove", "args": ident}
    return {"op": "registry.set", "args": {**ident, "type": target["type"], "data": target["data"]}}


def change(cid: str, ident: dict[str, str], before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """A change as the runner builds it: compare `read` with `before`, write `after`, undo back to `before`."""
    return {"id": cid, "read": {"op": "registry.get", "args": ident}, "expect": before,
            "set": writer(ident, after), "want": after, "undo": writer(ident, before)}


def read(host: SimHost, *ops: dict[str, Any]) -> list[dict[str, Any]]:
    request = {"version": 1, "mode": "read", "ops": [{"id": f"r{i}", **op} for i, op in enumerate(ops)]}
    answer = execute(host, request)
    assert answer["version"] == 1 and [r["id"] for r in answer["results"]] == [f"r{i}" for i in range(len(ops))]
    return answer["results"]


def get(host: SimHost, ident: dict[str, str]) -> Any:
    (result,) = read(host, {"op": "registry.get", "args": ident})
    assert result["ok"], result
    return result["value"]


def apply(host: SimHost, *changes: dict[str, Any]) -> dict[str, Any]:
    return execute(host, {"version": 1, "mode": "apply", "changes": list(changes)})


def statuses(answer: dict[str, Any]) -> list[str]:
    return [c["status"] for c in answer["changes"]]


# ------------------------------------------------------------------------------------------------------- read mode


def test_missing_key_and_missing_value_read_as_absent() -> None:
    host = make_host({"Present": {"type": "REG_SZ", "data": "x"}})
    assert get(host, where("Present", key="SOFTWARE\\Nowhere")) == ABSENT
    assert get(host, where("Missing")) == ABSENT
    assert get(host, where("")) == ABSENT  # no default value set
    assert host.registry.writes == 0


WIRE_FORMS = [
    ("REG_SZ", "C:\\Program Files\\Exchsrvr"),
    ("REG_EXPAND_SZ", "%SystemRoot%\\system32"),  # unexpanded
    ("REG_DWORD", 0),
    ("REG_DWORD", 4294967295),
    ("REG_QWORD", "0"),
    ("REG_QWORD", "18446744073709551615"),
    ("REG_MULTI_SZ", ["smtp.example.com", "10.0.0.1"]),
    ("REG_MULTI_SZ", []),
    ("REG_BINARY", "00ff10"),
    ("REG_BINARY", ""),
    ("REG_NONE", "0102"),
]


@pytest.mark.parametrize("type_, data", WIRE_FORMS)
def test_each_type_reads_in_wire_form(type_: str, data: Any) -> None:
    host = make_host({"V": {"type": type_, "data": data}}, facts=NET4)
    assert get(host, where("V")) == value(type_, data)
    host = make_host({"V": {"type": type_, "data": data}}, facts=NET2)
    # .NET 2.0's GetValue gives no data for REG_NONE (docs/agent-protocol.md, registry.get).
    assert get(host, where("V")) == value(type_, "" if type_ == "REG_NONE" else data)


def test_reg_none_cannot_be_written_on_net_2() -> None:
    host = make_host()
    (result,) = read(host, {"op": "registry.set", "args": {**where("V"), "type": "REG_NONE", "data": "0102"}})
    assert result["error"] == {"type": "InvalidArgument", "message": "REG_NONE cannot be written on this .NET version"}
    assert host.registry.writes == 0


@pytest.mark.parametrize("type_, data, stored", [
    ("REG_BINARY", "00FF10", "00ff10"),  # hex reads back lowercase
    ("REG_QWORD", "007", "7"),  # UInt64.ToString() has no leading zeros
])
def test_wire_form_is_normalised_as_windows_reads_it_back(type_: str, data: Any, stored: Any) -> None:
    host = make_host()
    (result,) = read(host, {"op": "registry.set", "args": {**where("V"), "type": type_, "data": data}})
    assert result == {"id": "r0", "ok": True, "value": None}
    assert get(host, where("V")) == value(type_, stored)


HOSTILE_NAMES = [
    "",
    "plain",
    "it's \"quoted\"",
    "back`tick `$(Remove-Item C:\\ -Recurse)",
    "$(whoami); Stop-Computer",
    "'; Remove-Item C:\\ -Recurse; '",
    "line\nbreak\r\nand\ttab",
    "#> <# comment breakers",
    "wild*card?[x]",
    "\u00e9t\u00e9 \u65e5\u672c \U0001f600",
    "x" * 10_000,
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
@pytest.mark.parametrize("type_, data", WIRE_FORMS[:1] + WIRE_FORMS[2:4] + WIRE_FORMS[5:])
def test_set_then_get_round_trips_any_name_verbatim(name: str, type_: str, data: Any) -> None:
    host = make_host(facts=NET4 if type_ == "REG_NONE" else NET2)
    ident = where(name)
    results = read(host, {"op": "registry.set", "args": {**ident, "type": type_, "data": data}},
                   {"op": "registry.get", "args": ident})
    assert results[0]["ok"] and results[1]["value"] == value(type_, data)
    assert host.registry.snapshot()["HKLM"][KEY] == {name: {"type": type_, "data": data}}


@pytest.mark.parametrize("data", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_string_data_is_stored_verbatim(data: str) -> None:
    host = make_host()
    read(host, {"op": "registry.set", "args": {**where("V"), "type": "REG_SZ", "data": data}})
    assert get(host, where("V")) == value("REG_SZ", data)


def test_names_are_case_insensitive_and_case_preserving() -> None:
    host = make_host({"MaxConnections": {"type": "REG_DWORD", "data": 1}})
    assert get(host, where("maxconnections", key=KEY.upper())) == value("REG_DWORD", 1)
    read(host, {"op": "registry.set", "args": {**where("MAXCONNECTIONS"), "type": "REG_DWORD", "data": 2}})
    assert host.registry.snapshot() == {"HKLM": {KEY: {"MaxConnections": {"type": "REG_DWORD", "data": 2}}}}


def test_set_creates_keys_and_remove_keeps_them() -> None:
    host = make_host()
    ident = where("V", key=KEY + "\\New\\Deeper")
    read(host, {"op": "registry.set", "args": {**ident, "type": "REG_SZ", "data": "x"}},
         {"op": "registry.remove", "args": ident},
         {"op": "registry.remove", "args": ident},  # a missing value is not an error
         {"op": "registry.remove", "args": where("V", key="SOFTWARE\\Nowhere")})  # nor a missing key
    assert host.registry.key_exists("HKLM", KEY + "\\new\\deeper")
    assert get(host, ident) == ABSENT
    assert host.writes == 4  # write ops run (the state counts only the writes that reached a key: 3)


def test_facts() -> None:
    host = make_host()
    (result,) = read(host, {"op": "facts", "args": {}})
    facts = result["value"]
    assert set(facts) == {"hostname", "os_caption", "os_version", "ps_version", "exchange_version", "antivirus",
                          "time_utc"}
    assert facts["hostname"] == "EX1" and facts["ps_version"] == "2.0" and facts["exchange_version"] is None
    assert facts["antivirus"] == [] and facts["time_utc"].endswith("Z")


INVALID = [
    ({"hive": "HKEY_LOCAL_MACHINE", "key": KEY, "name": "V"}, "InvalidArgument", "unknown hive 'HKEY_LOCAL_MACHINE'"),
    ({"hive": "hklm", "key": KEY, "name": "V"}, "InvalidArgument", "unknown hive 'hklm'"),
    ({"hive": "HKLM", "key": KEY}, "InvalidArgument", "argument 'name' must be a string"),
    ({"hive": "HKLM", "key": 5, "name": "V"}, "InvalidArgument", "argument 'key' must be a string"),
    ({"hive": "HKLM", "key": KEY, "name": "a\0b"}, "InvalidArgument",
     "argument 'name' must not contain NUL characters"),
]


@pytest.mark.parametrize("args, type_, message", INVALID)
@pytest.mark.parametrize("op", ["registry.get", "registry.remove"])
def test_bad_location_is_invalid_argument(op: str, args: dict[str, Any], type_: str, message: str) -> None:
    (result,) = read(make_host(), {"op": op, "args": args})
    assert result == {"id": "r0", "ok": False, "error": {"type": type_, "message": message}}


BAD_DATA = [
    ("REG_DWORD", 4294967296, "REG_DWORD data must be an integer from 0 to 4294967295"),
    ("REG_DWORD", -1, "REG_DWORD data must be an integer from 0 to 4294967295"),
    ("REG_DWORD", "2", "REG_DWORD data must be an integer from 0 to 4294967295"),
    ("REG_DWORD", True, "REG_DWORD data must be an integer from 0 to 4294967295"),
    ("REG_DWORD", 2.0, "REG_DWORD data must be an integer from 0 to 4294967295"),
    ("REG_QWORD", "18446744073709551616", "REG_QWORD data must be a decimal string from 0 to 18446744073709551615"),
    ("REG_QWORD", 5, "REG_QWORD data must be a decimal string from 0 to 18446744073709551615"),
    ("REG_QWORD", "-1", "REG_QWORD data must be a decimal string from 0 to 18446744073709551615"),
    ("REG_QWORD", "1\n", "REG_QWORD data must be a decimal string from 0 to 18446744073709551615"),
    ("REG_BINARY", "0g", "REG_BINARY data must be a hex string of whole bytes"),
    ("REG_BINARY", "abc", "REG_BINARY data must be a hex string of whole bytes"),
    ("REG_BINARY", "00\n", "REG_BINARY data must be a hex string of whole bytes"),
    ("REG_NONE", [1], "REG_NONE data must be a hex string of whole bytes"),
    ("REG_SZ", None, "REG_SZ data must be a string without NUL characters"),
    ("REG_EXPAND_SZ", "a\0b", "REG_EXPAND_SZ data must be a string without NUL characters"),
    ("REG_MULTI_SZ", "a", "REG_MULTI_SZ data must be an array of non-empty strings without NUL characters"),
    ("REG_MULTI_SZ", ["a", ""], "REG_MULTI_SZ data must be an array of non-empty strings without NUL characters"),
    ("REG_MULTI_SZ", ["a", 1], "REG_MULTI_SZ data must be an array of non-empty strings without NUL characters"),
    ("REG_LINK", "x", "unknown registry type 'REG_LINK'"),
    ("reg_sz", "x", "unknown registry type 'reg_sz'"),
]


@pytest.mark.parametrize("type_, data, message", BAD_DATA)
def test_bad_data_is_invalid_argument_and_writes_nothing(type_: str, data: Any, message: str) -> None:
    host = make_host()
    ident = where("V", key=KEY + "\\NotCreated")
    (result,) = read(host, {"op": "registry.set", "args": {**ident, "type": type_, "data": data}})
    assert result["error"] == {"type": "InvalidArgument", "message": message}
    assert not host.registry.key_exists("HKLM", ident["key"]) and host.registry.writes == 0


@pytest.mark.parametrize("spec, type_, message", [
    ({"op": "registry.delete", "args": {}}, "UnknownOp", 'unknown op "registry.delete"'),
    ({"op": "Facts", "args": {}}, "UnknownOp", 'unknown op "Facts"'),  # names are exact
    ({"op": ["facts"], "args": {}}, "UnknownOp", 'unknown op ["facts"]'),
    ({"args": {}}, "UnknownOp", "unknown op null"),
    ({"op": "registry.get", "args": ["HKLM"]}, "InvalidArgument", "args must be an object"),
])
def test_bad_ops(spec: dict[str, Any], type_: str, message: str) -> None:
    host = make_host()
    (result,) = read(host, spec)
    assert result["error"] == {"type": type_, "message": message}


def test_op_that_is_not_an_object_and_op_log() -> None:
    host = make_host()
    answer = execute(host, {"version": 1, "mode": "read", "ops": ["facts", {"id": "x", "op": "facts", "args": {}}]})
    assert answer["results"][0] == {"id": None, "ok": False,
                                    "error": {"type": "InvalidArgument", "message": "op must be an object"}}
    assert answer["results"][1]["ok"] and [name for name, _ in host.op_log] == ["facts"]


def test_access_denied_uses_windows_message() -> None:
    host = make_host({"V": {"type": "REG_DWORD", "data": 1}})
    host.registry.deny_write.add("hklm\\software\\REMEDIATE")
    below = where("V", key=KEY + "\\Sub")
    results = read(host, {"op": "registry.set", "args": {**below, "type": "REG_SZ", "data": ""}},
                   {"op": "registry.remove", "args": where("V")},
                   {"op": "registry.get", "args": where("V")})
    # .NET's own texts: CreateSubKey's UnauthorizedAccessException, OpenSubKey(writable)'s SecurityException.
    create_denied = {"type": "AccessDenied",
                     "message": f"Access to the registry key 'HKEY_LOCAL_MACHINE\\{KEY}\\Sub' is denied."}
    open_denied = {"type": "AccessDenied", "message": "Requested registry access is not allowed."}
    assert [r.get("error") for r in results] == [create_denied, open_denied, None]
    assert host.registry.writes == 0


@pytest.mark.parametrize("request_", [
    [], {"version": 2, "mode": "read", "ops": []}, {"version": True, "mode": "read", "ops": []},
    {"version": 1, "mode": "write", "ops": []}, {"version": 1, "mode": "read"},
    {"version": 1, "mode": "apply", "ops": []},
])
def test_malformed_request(request_: Any) -> None:
    # Not a protocol request: the agent writes no answer and exits 1 (docs/agent-protocol.md).
    host = make_host()
    with pytest.raises(AgentExit) as exited:
        execute(host, request_)
    assert exited.value.code == 1 and host.op_log == []


def test_ops_table() -> None:
    # Domains add their ops (#op lines of templates/agent/*.ps1); these are always there.
    names = {op.name for op in agent.agent_ops()}
    assert {"facts", "registry.get", "registry.set", "registry.remove", "lock.get", "lock.release"} <= names


@pytest.mark.parametrize("stored, expect, equal", [
    ({"type": "REG_MULTI_SZ", "data": ["1", "x"]}, {"data": ["1", "x"], "type": "REG_MULTI_SZ", "exists": True},
     True),  # key order does not matter
    ({"type": "REG_DWORD", "data": 2}, value("REG_DWORD", 2.0), True),  # integers compare by value
    ({"type": "REG_DWORD", "data": 2}, value("REG_DWORD", "2"), False),
    ({"type": "REG_DWORD", "data": 1}, value("REG_DWORD", True), False),
    ({"type": "REG_SZ", "data": "a"}, value("REG_SZ", "A"), False),
    ({"type": "REG_SZ", "data": "\u00e9\n"}, value("REG_SZ", "\u00e9\n"), True),
])
def test_equality_is_canonical_json(stored: dict[str, Any], expect: Any, equal: bool) -> None:
    # The compare step's JSON equality (docs/agent-protocol.md, Apply mode 1), seen through stale vs applied.
    host = make_host({"V": stored})
    target = value("REG_SZ", "new")
    answer = apply(host, {**change("c0", where("V"), expect, target), "expect": expect})
    assert answer["outcome"] == ("applied" if equal else "stale"), answer


def test_a_mismatch_names_both_values_in_canonical_json() -> None:
    # Sorted keys, no spaces, non-ASCII and control characters escaped.
    host = make_host({"V": {"type": "REG_SZ", "data": "x"}})
    wrong_want = {**change("c0", where("V"), value("REG_SZ", "x"), value("REG_SZ", "\u00e9\n")),
                  "want": {"type": "REG_SZ", "exists": True, "data": None}}
    answer = apply(host, wrong_want)
    assert answer["changes"][0]["error"]["message"] == (
        'value did not converge: read back {"data":"\\u00e9\\n","exists":true,"type":"REG_SZ"}, '
        'wanted {"data":null,"exists":true,"type":"REG_SZ"}')


# ------------------------------------------------------------------------------------------------------ apply mode

START = {"A": {"type": "REG_DWORD", "data": 1}, "B": {"type": "REG_SZ", "data": "old"}}
A_TO_2 = change("c0", where("A"), value("REG_DWORD", 1), value("REG_DWORD", 2))
B_TO_NEW = change("c1", where("B", key=KEY + "\\Locked"), ABSENT, value("REG_SZ", "new"))
C_REMOVE = change("c2", where("B"), value("REG_SZ", "old"), ABSENT)


def test_applied() -> None:
    host = make_host(START)
    answer = apply(host, A_TO_2, B_TO_NEW, C_REMOVE)
    assert answer == {"version": 1, "outcome": "applied", "changes": [
        {"id": "c0", "status": "applied", "observed": value("REG_DWORD", 2), "error": None},
        {"id": "c1", "status": "applied", "observed": value("REG_SZ", "new"), "error": None},
        {"id": "c2", "status": "applied", "observed": ABSENT, "error": None},
    ]}
    assert host.registry.snapshot()["HKLM"][KEY] == {"A": {"type": "REG_DWORD", "data": 2}}
    # Compare reads, then set + re-read per change: nothing else ran.
    assert [name for name, _ in host.op_log] == ["registry.get"] * 3 + ["registry.set", "registry.get"] * 2 + [
        "registry.remove", "registry.get"]


def test_key_order_and_int_width_do_not_make_a_change_stale() -> None:
    host = make_host(START)
    reordered = {**A_TO_2, "expect": {"data": 1, "type": "REG_DWORD", "exists": True}}
    assert apply(host, reordered)["outcome"] == "applied"


def test_stale_writes_nothing() -> None:
    host = make_host({**START, "A": {"type": "REG_DWORD", "data": 5}})
    before = host.registry.snapshot()
    unreadable = change("c9", where("X", hive="HKXX"), ABSENT, value("REG_SZ", "x"))
    answer = apply(host, A_TO_2, B_TO_NEW, unreadable)
    assert answer["outcome"] == "stale"
    assert answer["changes"][:2] == [
        {"id": "c0", "status": "stale", "observed": value("REG_DWORD", 5), "error": None},
        {"id": "c1", "status": "unchanged", "observed": ABSENT, "error": None},
    ]
    assert answer["changes"][2]["status"] == "error" and answer["changes"][2]["observed"] is None
    assert answer["changes"][2]["error"]["type"] == "InvalidArgument"
    assert host.registry.writes == 0 and host.registry.snapshot() == before
    assert {name for name, _ in host.op_log} == {"registry.get"}


@pytest.mark.parametrize("denied", ["HKLM\\" + KEY + "\\locked", KEY.upper() + "\\Locked"])
def test_set_failing_partway_reverts_earlier_changes(denied: str) -> None:
    # The failed change ends `failed` (its undo verified), earlier ones `reverted`, later ones `not_attempted`.
    host = make_host(START)
    host.registry.deny_write.add(denied)
    before = host.registry.snapshot()
    answer = apply(host, A_TO_2, B_TO_NEW, C_REMOVE)
    denied = {"type": "AccessDenied", "message": f"Access to the registry key 'HKEY_LOCAL_MACHINE\\{KEY}\\Locked' "
                                                 "is denied."}  # CreateSubKey's UnauthorizedAccessException
    assert answer == {"version": 1, "outcome": "reverted", "changes": [
        {"id": "c0", "status": "reverted", "observed": value("REG_DWORD", 1), "error": None},
        {"id": "c1", "status": "failed", "observed": ABSENT, "error": denied},
        {"id": "c2", "status": "not_attempted", "observed": None, "error": None},
    ]}
    assert host.registry.snapshot() == before
    # c0 set + verify, c1 set (refused, no re-read), then undo + re-read of c1 and c0; c2 never touched.
    assert [(n, a.get("name")) for n, a in host.op_log[3:]] == [
        ("registry.set", "A"), ("registry.get", "A"), ("registry.set", "B"),
        ("registry.remove", "B"), ("registry.get", "B"), ("registry.set", "A"), ("registry.get", "A")]


def test_verify_mismatch_fails_and_reverts() -> None:
    host = make_host(START)
    wrong_want = {**A_TO_2, "want": value("REG_DWORD", 3)}
    answer = apply(host, wrong_want, C_REMOVE)
    assert answer["outcome"] == "reverted"
    assert answer["changes"][0] == {"id": "c0", "status": "failed", "observed": value("REG_DWORD", 1), "error": {
        "type": "Failed",
        "message": 'value did not converge: read back {"data":2,"exists":true,"type":"REG_DWORD"}, '
                   'wanted {"data":3,"exists":true,"type":"REG_DWORD"}'}}
    assert answer["changes"][1]["status"] == "not_attempted"
    assert host.registry.snapshot()["HKLM"][KEY] == START


def test_revert_failed_when_the_undo_cannot_write() -> None:
    # registry.set works once (c0), then fails: c1's set fails, and so does c0's undo.
    host = make_host(START, fail_after={"registry.set": 1})
    b_to_other = change("c1", where("B"), value("REG_SZ", "old"), value("REG_SZ", "other"))
    answer = apply(host, A_TO_2, b_to_other)
    failed = {"type": "Failed", "message": "simulated failure of registry.set"}
    assert answer == {"version": 1, "outcome": "revert_failed", "changes": [
        {"id": "c0", "status": "revert_failed", "observed": value("REG_DWORD", 2), "error": failed},
        {"id": "c1", "status": "failed", "observed": value("REG_SZ", "old"), "error": failed},
    ]}
    assert host.registry.snapshot()["HKLM"][KEY]["A"] == {"type": "REG_DWORD", "data": 2}


def test_revert_failed_reports_the_mismatch_when_the_undo_ran() -> None:
    host = make_host(START)
    bad_undo = {**A_TO_2, "want": value("REG_DWORD", 3),
                "undo": {"op": "registry.set", "args": {**where("A"), "type": "REG_DWORD", "data": 7}}}
    answer = apply(host, bad_undo)
    assert answer["outcome"] == "revert_failed"
    assert answer["changes"][0]["status"] == "revert_failed"
    assert answer["changes"][0]["observed"] == value("REG_DWORD", 7)
    assert answer["changes"][0]["error"]["message"].startswith("value did not converge")


def test_every_op_can_be_made_to_fail() -> None:
    host = make_host(START, fail_ops={"registry.get"})
    answer = apply(host, A_TO_2)
    assert answer["outcome"] == "stale" and answer["changes"][0]["status"] == "error"
    assert answer["changes"][0]["error"] == {"type": "Failed", "message": "simulated failure of registry.get"}


@pytest.mark.parametrize("type_, low, high", [
    ("REG_DWORD", 0, 4294967295),
    ("REG_QWORD", "0", "18446744073709551615"),
    ("REG_BINARY", "", "ff" * 64),
    ("REG_MULTI_SZ", [], ["a", "$(b)", "c'"]),
])
def test_edge_values_apply_and_roll_back(type_: str, low: Any, high: Any) -> None:
    host = make_host({"E": {"type": type_, "data": low}})
    up = change("c0", where("E"), value(type_, low), value(type_, high))
    assert apply(host, up)["outcome"] == "applied"
    assert get(host, where("E")) == value(type_, high)
    down = change("c0", where("E"), value(type_, high), value(type_, low))
    assert apply(host, down)["outcome"] == "applied"
    assert host.registry.snapshot()["HKLM"][KEY] == {"E": {"type": type_, "data": low}}


def test_empty_apply_is_applied() -> None:
    assert apply(make_host(), ) == {"version": 1, "outcome": "applied", "changes": []}
