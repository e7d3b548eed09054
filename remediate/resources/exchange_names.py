"""Names of Exchange objects as the Exchange kinds accept them (send connectors, receive connectors, remote domains).

An object name is taken verbatim: quotes, `$`, `;`, backticks and non-ASCII letters are ordinary characters to
Exchange, and the agent hands the name to the cmdlets as a parameter value, never as code. Refused: an empty
name, control characters (a line break is never part of a name) and more than 64 characters (Exchange object
names are Active Directory common names, at most 64 characters). Exchange compares names without regard to case.
"""

from __future__ import annotations

import re

MAX_NAME = 64
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def object_name(value: str, what: str) -> str:
    """`value` if it can name an Exchange object, else ValueError naming `what` and the rule broken."""
    if value == "":
        raise ValueError(f"{what} must not be empty")
    if _CONTROL.search(value):
        raise ValueError(f"{what} must not contain control characters such as line breaks")
    if len(value) > MAX_NAME:
        raise ValueError(f"{what} must be at most {MAX_NAME} characters (an Active Directory common name)")
    return value
