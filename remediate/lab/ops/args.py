"""Argument checks shared by the lab's ops, with the order and messages of Get-TextArg in the agent."""

from __future__ import annotations

from typing import Any

from remediate.lab.state import InvalidArgument


def text_arg(args: Any, name: str) -> str:
    if not isinstance(args, dict):
        raise InvalidArgument("args must be an object")
    value = args.get(name)
    if not isinstance(value, str):
        raise InvalidArgument(f"argument '{name}' must be a string")
    if "\0" in value:  # the Win32 API would end the name there
        raise InvalidArgument(f"argument '{name}' must not contain NUL characters")
    return value
