"""Variables and functions in PowerShell's dynamic scopes (about_Scopes, lang-spec 3.5).

A function or script block invoked with `&` runs in a new scope whose parent is the *caller's* scope (dynamic
scoping); dot-sourcing runs in the caller's scope. Reading a variable walks up to the global scope; assigning
writes the current scope unless qualified (`$script:`, `$global:`, `$local:`). A variable assigned with a type
(`[string]$x = ...`, a typed parameter) is type-constrained: later assignments convert to that type
(about_Variables). Strict mode is a property of a scope and its children (Set-StrictMode's documentation).
"""

from __future__ import annotations

from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.refusal import NotModeled

_MISSING = object()


class Scope:
    __slots__ = ("vars", "parent", "session", "functions", "strict_level", "script", "constraints")

    def __init__(self, session: Any, parent: Scope | None = None, script: Scope | None = None) -> None:
        self.vars: dict[str, Any] = {}
        self.functions: dict[str, Any] = {}
        self.parent = parent
        self.session = session
        self.strict_level: int = parent.strict_level if parent is not None else 0
        self.script: Scope = script or (parent.script if parent is not None else self)
        self.constraints: dict[str, str] | None = None

    def child(self) -> Scope:
        return Scope(self.session, self)

    # ---- variables -----------------------------------------------------------------------------------------

    def _target(self, name: str) -> tuple[Scope | None, str]:
        """(scope to look in or None for a walk from here, bare folded name) for a possibly qualified name."""
        if ":" in name:
            qualifier, _, bare = name.partition(":")
            qualifier = qualifier.casefold()
            if qualifier == "script":
                return self.script, bare.casefold()
            if qualifier == "global":
                return self.session.global_scope, bare.casefold()
            if qualifier == "local":
                return self, bare.casefold()
            if qualifier == "private":
                return self, bare.casefold()
            raise NotModeled(f"the variable drive or scope '{qualifier}:'")
        return None, name.casefold()

    def find(self, name: str) -> tuple[Scope | None, str]:
        """The scope that holds the variable (None if unset) and its folded name."""
        target, key = self._target(name)
        if target is not None:
            return (target if key in target.vars else None), key
        scope: Scope | None = self
        while scope is not None:
            if key in scope.vars:
                return scope, key
            scope = scope.parent
        return None, key

    def lookup(self, key: str, default: Any = _MISSING) -> Any:
        """The value of an unqualified variable whose name is already folded (what compiled reads know)."""
        scope: Scope | None = self
        while scope is not None:
            found = scope.vars.get(key, _MISSING)
            if found is not _MISSING:
                return found
            scope = scope.parent
        return default

    def get(self, name: str, default: Any = _MISSING) -> Any:
        scope, key = self.find(name)
        if scope is None:
            return default
        return scope.vars[key]

    def set(self, name: str, value: Any, convert: Any = None) -> None:
        target, key = self._target(name)
        scope = target or self
        if scope.constraints and key in scope.constraints and convert is not None:
            value = convert(value, scope.constraints[key])
        scope.vars[key] = value

    def set_local(self, key: str, value: Any, convert: Any) -> None:
        """`set` of an unqualified variable whose name is already folded; a type constraint converts with
        `convert(value, type_name, self)`."""
        constraints = self.constraints
        if constraints and key in constraints:
            value = convert(value, constraints[key], self)
        self.vars[key] = value

    def constrain(self, name: str, type_name: str) -> None:
        target, key = self._target(name)
        scope = target or self
        if scope.constraints is None:
            scope.constraints = {}
        scope.constraints[key] = type_name

    def reference(self, name: str, convert: Any) -> clr.PSReference:
        """`[ref]$name`: reads and writes the variable where it lives (created here if unset)."""
        scope, key = self.find(name)
        if scope is None:
            scope = self
            scope.vars[key] = None
        holder = scope

        def set_(value: Any) -> None:
            holder.set(key, value, convert)
        return clr.PSReference(lambda: holder.vars.get(key), set_)

    # ---- functions -----------------------------------------------------------------------------------------

    def function(self, name: str) -> Any:
        key = name.casefold()
        scope: Scope | None = self
        while scope is not None:
            found = scope.functions.get(key)
            if found is not None:
                return found
            scope = scope.parent
        return None

    # ---- the scope is also the clr.Runtime that statics, constructors and members are given -------------------

    def strict(self) -> int:
        return self.strict_level

    @property
    def ps_version(self) -> int:
        return self.session.ps_version

    @property
    def machine(self) -> Any:
        return self.session.machine

    @property
    def stdout(self) -> Any:
        return self.session.stdout

    @property
    def stderr(self) -> Any:
        return self.session.stderr

    def ofs(self) -> str:
        """`$OFS`, the separator of arrays converted to strings (a space when unset)."""
        value = self.lookup("ofs", None)
        return " " if value is None else str(value)
