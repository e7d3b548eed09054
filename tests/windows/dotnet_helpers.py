"""Helpers for the table-driven tests of the pure .NET simulations."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from remediate.lab.windows import clr


def runtime(framework: str = "2.0", **machine: Any) -> Any:
    """A clr.Runtime for statics: a machine with its .NET Framework version (2.0 = Server 2003)."""
    ps = 2 if framework == "2.0" else 5
    return SimpleNamespace(machine=SimpleNamespace(framework=framework, ps_version=ps, **machine), ps_version=ps)


def call(adapter: type, name: str, value: Any, *args: Any) -> Any:
    return getattr(adapter, name)(value, *args)


def raises(expected: type[BaseException], message: str | None, action: Any) -> None:
    with pytest.raises(expected) as caught:
        action()
    if message is not None:
        assert getattr(caught.value, "Message", str(caught.value)) == message


def ref(initial: Any = None) -> clr.PSReference:
    box = {"v": initial}
    reference = clr.PSReference(lambda: box["v"], lambda v: box.__setitem__("v", v))
    return reference
