"""The key-by-key diff of flat values must say exactly what the DeepDiff path says (it exists only for speed)."""

from __future__ import annotations

from typing import Any

import pytest

from remediate.resources.base import _deep_changes, _flat, _flat_changes

CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"exists": True, "type": "REG_DWORD", "data": 0}, {"exists": True, "type": "REG_DWORD", "data": 1}),
    ({"exists": True, "type": "REG_SZ", "data": "2"}, {"exists": True, "type": "REG_DWORD", "data": 2}),
    ({"exists": True, "type": "REG_SZ", "data": "x"}, {"exists": True, "type": "REG_SZ", "data": "x\u2019"}),
    ({"a": 1}, {"a": 1.0}),
    ({"a": True}, {"a": 1}),
    ({"a": None}, {"a": "x"}),
    ({"a": "same", "b": 2}, {"a": "same", "b": 2}),
    ({"banner_ok": False, "banner": "220 x"}, {"banner_ok": True, "banner": "220 x"}),
]


@pytest.mark.parametrize("observed, desired", CASES)
def test_flat_changes_equal_deepdiff(observed: dict[str, Any], desired: dict[str, Any]) -> None:
    assert observed.keys() == desired.keys() and _flat(observed) and _flat(desired)
    assert _flat_changes(observed, desired) == _deep_changes(observed, desired)


@pytest.mark.parametrize("value", [{"data": [1, 2]}, {"data": {"x": 1}}, {"odd key": 1}, {"it's": 1}, {1: 2}, {}])
def test_nested_values_and_unusual_keys_keep_the_deepdiff_path(value: dict[Any, Any]) -> None:
    assert not _flat(value)
