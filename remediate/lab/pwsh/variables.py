"""Reading variables: unset is $null, or under strict mode the error PowerShell gives (Set-StrictMode: version 1
refuses unset variables in code, version 2 in strings too)."""

from __future__ import annotations

from typing import Any

from remediate.lab.windows.psexceptions import RuntimeException

_MISSING = object()


def make_reader(name: str, strict_from: int = 1) -> Any:
    """A variable read; unset is $null, or an error from strict mode `strict_from` (1 in code, 2 in strings)."""
    if ":" not in name:
        key = name.casefold()

        def read_local(scope: Any) -> Any:
            # Scope.lookup, inlined: variable reads are the evaluator's commonest step
            holder = scope
            while holder is not None:
                value = holder.vars.get(key, _MISSING)
                if value is not _MISSING:
                    return value
                holder = holder.parent
            if scope.strict_level >= strict_from:
                raise undefined_variable(name, scope)
            return None
        return read_local

    def read(scope: Any) -> Any:
        value = scope.get(name, _MISSING)
        if value is _MISSING:
            if scope.strict_level >= strict_from:
                raise undefined_variable(name, scope)
            return None
        return value
    return read


def undefined_variable(name: str, scope: Any) -> RuntimeException:
    suffix = " yet" if scope.session.ps_version < 3 else ""
    return RuntimeException(f"The variable '${name}' cannot be retrieved because it has not been set{suffix}.",
                            error_id="VariableIsUndefined")
