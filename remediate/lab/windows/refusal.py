"""How a simulation or a pure semantic function refuses what the lab does not model.

The house rule is that nothing is approximated silently: a .NET regular-expression construct that Python's `re`
cannot express faithfully, a conversion to a type the lab has no model of, an operator of a later PowerShell
version used in 2.0 mode, all raise `NotModeled`. The interpreter (`remediate.lab.pwsh`) turns it into its own
NotImplementedConstruct with the script's file and line; it is never caught by a script's `try`/`catch`, because
it is not something Windows would do.
"""

from __future__ import annotations


class NotModeled(NotImplementedError):
    """The lab does not model `construct` (a short description naming it, such as "regex construct \\G")."""

    def __init__(self, construct: str, detail: str = "") -> None:
        super().__init__(f"not modelled by the lab: {construct}" + (f" ({detail})" if detail else ""))
        self.construct = construct
        self.detail = detail
