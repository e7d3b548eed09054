"""registry_value as tables: (playbook entry) -> desired; (observed, desired) -> change; identity rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from remediate.engine.model import Action, ItemStatus
from remediate.engine.plan import _action
from remediate.resources.registry_value import RegistryValue, RegistryValueSpec

KIND = RegistryValue()
BASE = {"kind": "registry_value", "hive": "HKLM", "key": "SOFTWARE\\Vendor", "name": "V"}

DESIRED = [
    ({"type": "REG_DWORD", "data": 2}, {"exists": True, "type": "REG_DWORD", "data": 2}),
    ({"type": "REG_DWORD", "data": "2"}, {"exists": True, "type": "REG_DWORD", "data": 2}),
    ({"type": "REG_DWORD", "data": 4294967295}, {"exists": True, "type": "REG_DWORD", "data": 4294967295}),
    ({"type": "REG_QWORD", "data": 18446744073709551615},
     {"exists": True, "type": "REG_QWORD", "data": "18446744073709551615"}),
    ({"type": "REG_QWORD", "data": "7"}, {"exists": True, "type": "REG_QWORD", "data": "7"}),
    ({"type": "REG_SZ", "data": "mail.contoso.com"}, {"exists": True, "type": "REG_SZ", "data": "mail.contoso.com"}),
    ({"type": "REG_SZ", "data": 25}, {"exists": True, "type": "REG_SZ", "data": "25"}),
    ({"type": "REG_EXPAND_SZ", "data": "%SystemRoot%\\x"},
     {"exists": True, "type": "REG_EXPAND_SZ", "data": "%SystemRoot%\\x"}),
    ({"type": "REG_MULTI_SZ", "data": ["b", "a"]}, {"exists": True, "type": "REG_MULTI_SZ", "data": ["b", "a"]}),
    ({"type": "REG_BINARY", "data": "0A 1b,FF"}, {"exists": True, "type": "REG_BINARY", "data": "0a1bff"}),
    ({"type": "REG_BINARY", "data": [1, 255]}, {"exists": True, "type": "REG_BINARY", "data": "01ff"}),
    ({"type": "REG_BINARY", "data": ""}, {"exists": True, "type": "REG_BINARY", "data": ""}),
    ({"state": "absent"}, {"exists": False}),
]


@pytest.mark.parametrize("fields,desired", DESIRED)
def test_desired_value_is_normalised(fields, desired):
    spec = RegistryValueSpec.model_validate({**BASE, **fields})
    assert KIND.desired(spec) == desired


INVALID = [
    {"type": "REG_DWORD", "data": 4294967296},
    {"type": "REG_DWORD", "data": -1},
    {"type": "REG_DWORD", "data": True},
    {"type": "REG_DWORD", "data": "0x10"},
    {"type": "REG_QWORD", "data": 2**64},
    {"type": "REG_BINARY", "data": "abc"},
    {"type": "REG_BINARY", "data": [256]},
    {"type": "REG_MULTI_SZ", "data": ["a", ""]},
    {"type": "REG_SZ", "data": "a\x00b"},
    {"type": "REG_SZ"},
    {"data": "x"},
    {"state": "absent", "type": "REG_SZ"},
    {"hive": "HKXX", "type": "REG_SZ", "data": "x"},
    {"key": "SOFTWARE\\\\Double", "type": "REG_SZ", "data": "x"},
    {"key": "SOFTWARE\\Line\nBreak", "type": "REG_SZ", "data": "x"},
    {"type": "REG_WHATEVER", "data": "x"},
    {"type": "REG_SZ", "data": "x", "extra": 1},
]


@pytest.mark.parametrize("fields", INVALID)
def test_invalid_entries_are_refused(fields):
    with pytest.raises(ValidationError):
        RegistryValueSpec.model_validate({**BASE, **fields})


def test_hive_aliases_and_default_value_name():
    spec = RegistryValueSpec.model_validate({**BASE, "hive": "hkey_local_machine", "name": "", "type": "REG_SZ",
                                             "data": "x"})
    identity = KIND.identity(spec)
    assert identity == {"hive": "HKLM", "key": "SOFTWARE\\Vendor", "name": ""}
    assert KIND.describe(identity) == "HKLM\\SOFTWARE\\Vendor\\(Default)"


def test_key_paths_compare_case_insensitively():
    a = KIND.identity(RegistryValueSpec.model_validate({**BASE, "key": "Software\\VENDOR", "state": "absent"}))
    b = KIND.identity(RegistryValueSpec.model_validate({**BASE, "key": "\\SOFTWARE\\vendor\\", "name": "v",
                                                        "state": "absent"}))
    assert KIND.key(a) == KIND.key(b)


ABSENT = {"exists": False}
DW2 = {"exists": True, "type": "REG_DWORD", "data": 2}
DW3 = {"exists": True, "type": "REG_DWORD", "data": 3}
SZ2 = {"exists": True, "type": "REG_SZ", "data": "2"}

CHANGES = [
    # observed, desired, expected action (None = compliant), expected changed fields
    (DW2, DW2, None, []),
    (ABSENT, ABSENT, None, []),
    (DW2, DW3, Action.UPDATE, [("data", 2, 3)]),
    (SZ2, DW2, Action.UPDATE, [("data", "2", 2), ("type", "REG_SZ", "REG_DWORD")]),
    (ABSENT, DW2, Action.CREATE, [("data", None, 2), ("exists", False, True), ("type", None, "REG_DWORD")]),
    (DW2, ABSENT, Action.DELETE, [("data", 2, None), ("exists", True, False), ("type", "REG_DWORD", None)]),
]


@pytest.mark.parametrize("observed,desired,action,fields", CHANGES)
def test_changes_table(observed, desired, action, fields):
    if action is None:
        assert KIND.same(observed, desired)
        return
    assert not KIND.same(observed, desired)
    assert _action(observed, desired) is action
    got = [(c.path, c.before, c.after) for c in KIND.changes(observed, desired)]
    assert got == fields


def test_set_op_reaches_any_value_the_read_can_return():
    identity = {"hive": "HKLM", "key": "K", "name": "V"}
    assert KIND.set_op(identity, ABSENT).op == "registry.remove"
    op = KIND.set_op(identity, DW2)
    assert op.op == "registry.set" and op.args == {**identity, "type": "REG_DWORD", "data": 2}
    assert KIND.read_op(identity).op == "registry.get"


def test_item_status_enum_is_stable():
    assert {s.value for s in ItemStatus} == {"compliant", "drift", "manual", "failed", "not_applicable", "error"}
