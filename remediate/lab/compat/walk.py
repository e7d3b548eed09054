"""Which platforms reach each part of the agent, and what each part uses: an abstract walk of its parse tree.

Method (docs/agent-compatibility.md repeats this):
- The agent is parsed once with tree-sitter-powershell. The script's top level runs on every platform; a function
  runs on the platforms of the statements that call it (the op dispatch's `switch` sends every op on every
  platform: the agent itself accepts any op anywhere).
- Inside a function the walk carries the set of platforms that can be at each statement. An `if` whose condition
  is a platform guard splits the set: `Get-Command X` (platforms.py says where X exists), `[System.Environment]::
  OSVersion.Version.Major` and `$PSVersionTable.PSVersion.Major` compared with a number, `Get-PSSnapin
  -Registered`, a variable assigned from an agent function whose every `return` on that platform is a string
  literal compared with `-eq`/`-ceq`, a variable only ever `$null` or a COM object the platform does not register
  (`New-Object -ComObject`) compared with `$null`, and `-not`/`-and`/`-or` of these. Any other condition is undecided: both
  branches are reached. After `throw`/`return`/`exit` nothing more of that block is reached; after a call to an
  agent function only the platforms on which that function can return normally continue.
- `try` bodies may fail anywhere: every `catch` is reached by all platforms that reach the `try`.
Limits: loops are assumed to run; values are not tracked beyond the guards above; a condition the walk cannot
decide makes the table list more platforms than really reach a line (never fewer), so a 2003 entry may be a
false alarm but a missing one is not.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import tree_sitter as ts
import tree_sitter_powershell as tsp

from remediate.lab.compat.collect import collect
from remediate.lab.compat.guards import evaluate
from remediate.lab.compat.platforms import ALL, TARGETS

WRAPPERS = {"pipeline", "pipeline_chain", "logical_expression", "bitwise_expression", "comparison_expression",
            "additive_expression", "multiplicative_expression", "format_expression", "range_expression",
            "array_literal_expression", "unary_expression", "argument_expression", "logical_argument_expression",
            "bitwise_argument_expression", "comparison_argument_expression", "additive_argument_expression",
            "multiplicative_argument_expression", "format_argument_expression", "range_argument_expression",
            "left_assignment_expression"}
EXITS = {"throw", "return", "exit", "break", "continue"}


@dataclass(frozen=True)
class Use:
    kind: str  # cmdlet, parameter, type, member, feature, com
    name: str  # cmdlet name, "Cmdlet -Param", full type text, member name, feature id, ProgID
    function: str  # agent function, "" at the top level
    line: int
    platforms: frozenset[str]
    probe: bool = False  # inside a one-statement try whose catch does not rethrow: absence is handled


class Walk:
    def __init__(self, source: str) -> None:
        self.src = source.encode("utf-8")
        self.tree = ts.Parser(ts.Language(tsp.language())).parse(self.src)
        self.functions: dict[str, Any] = {}
        self.names: dict[str, str] = {}  # lower-case key -> the name as the agent spells it
        for node in self._all(self.tree.root_node):
            if node.type == "function_statement":
                name = self.text(next(c for c in node.children if c.type == "function_name"))
                self.functions[name.lower()] = node
                self.names[name.lower()] = name
        self.entry: dict[str, frozenset[str]] = {}
        self.normal: dict[str, frozenset[str]] = {f: ALL for f in self.functions}
        self.returns: dict[str, dict[str, Any]] = {}
        self.uses: list[Use] = []
        self._probe = 0
        self._run()

    # ------------------------------------------------------------------------------------------------ helpers

    def text(self, node: Any) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8")

    @staticmethod
    def _all(node: Any) -> Any:
        stack = [node]
        while stack:
            current = stack.pop()
            yield current
            stack.extend(reversed(current.children))

    @staticmethod
    def unwrap(node: Any) -> Any:
        while node.type in WRAPPERS or node.type == "parenthesized_expression":
            named = [c for c in node.named_children if c.type != "comment"]
            if len(named) != 1:
                break
            node = named[0]
        return node

    # ------------------------------------------------------------------------------------------- fixed point

    def _run(self) -> None:
        for _ in range(50):
            state = (dict(self.entry), dict(self.normal), self._returns_key())
            self.uses, self._entry, self._normal, self._returns = [], defaultdict(frozenset), {}, {}
            self._block(self.tree.root_node, ALL, "")
            for name, node in self.functions.items():
                reached = self.entry.get(name, frozenset())
                end = self._block(self._body(node), reached, name) if reached else frozenset()
                self._normal[name] = self._normal.get(name, frozenset()) | end
            self.entry = dict(self._entry)
            self.normal = {f: self._normal.get(f, frozenset()) for f in self.functions}
            self.returns = self._returns
            if state == (dict(self.entry), dict(self.normal), self._returns_key()):
                return
        raise RuntimeError("the platform walk did not settle")

    def _returns_key(self) -> list[Any]:
        """`returns` in a canonical order (sets and platform dicts iterate in hash order)."""
        return sorted((f, sorted((p, None if v is None else tuple(sorted(v))) for p, v in by.items()))
                      for f, by in self.returns.items())

    @staticmethod
    def _body(function: Any) -> Any:
        block = next(c for c in function.children if c.type == "script_block")
        return next((c for c in block.children if c.type == "script_block_body"), block)

    # -------------------------------------------------------------------------------------------- statements

    def _block(self, node: Any, reach: frozenset[str], fn: str) -> frozenset[str]:
        if node is None:
            return reach
        statements = node.named_children
        if node.type == "program":
            inner = [c for c in node.named_children if c.type == "statement_list"]
            statements = inner[0].named_children if inner else statements
        if node.type in ("statement_block", "script_block", "script_block_body"):
            inner = [c for c in node.named_children if c.type in ("statement_list", "script_block_body")]
            statements = inner[0].named_children if inner else [c for c in statements if c.type != "param_block"]
            if node.type == "script_block":
                params = [c for c in node.named_children if c.type == "param_block"]
                for p in params:
                    self._expr(p, reach, fn)
        for stmt in statements:
            if not reach:
                break
            reach = self._statement(stmt, reach, fn)
        return reach

    def _statement(self, node: Any, reach: frozenset[str], fn: str) -> frozenset[str]:
        kind = node.type
        if kind in ("comment", "function_statement"):
            if kind == "comment" and self.text(node).startswith("<#"):
                self._use("feature", "block comment <# #>", fn, node, reach)
            return reach
        if kind == "if_statement":
            return self._if(node, reach, fn)
        if kind == "flow_control_statement":
            keyword = self.text(node.children[0]).lower()
            self._use("feature", keyword, fn, node, reach)
            self._expr(node, reach, fn)
            if keyword == "return":
                self._record_return(node, reach, fn)
            return frozenset() if keyword in EXITS else reach
        if kind == "try_statement":
            self._use("feature", "try/catch/finally", fn, node, reach)
            probe = self._is_probe(node)
            self._probe += probe
            out = self._block(node.children[1], reach, fn)
            self._probe -= probe
            for clause in self._all(node):
                if clause.type == "catch_clause":
                    for t in (c for c in clause.children if c.type == "catch_type_list"):
                        self._expr(t, reach, fn)
                    out |= self._block(next(c for c in clause.children if c.type == "statement_block"), reach, fn)
                elif clause.type == "finally_clause":
                    self._block(next(c for c in clause.children if c.type == "statement_block"), reach, fn)
            return out
        if kind in ("foreach_statement", "for_statement", "while_statement", "do_statement"):
            self._use("feature", kind.replace("_", " "), fn, node, reach)
            for child in node.named_children:
                if child.type == "statement_block":
                    self._block(child, reach, fn)
                else:
                    self._expr(child, reach, fn)
            return reach
        if kind == "switch_statement":
            return self._switch(node, reach, fn)
        if kind == "trap_statement":
            self._use("feature", "trap", fn, node, reach)
        calls = self._expr(node, reach, fn)
        for callee in calls:
            reach &= self.normal.get(callee, ALL)
        return reach

    def _is_probe(self, node: Any) -> bool:
        """`try { one statement } catch { no throw }`: the agent trying a command or type that may be absent."""
        body = node.children[1]
        statements = [c for c in body.named_children if c.type == "statement_list"]
        count = len([c for c in statements[0].named_children if c.type != "comment"]) if statements else 0
        catches = [c for c in self._all(node) if c.type == "catch_clause"]
        rethrows = any(self.text(t.children[0]).lower() == "throw" for c in catches for t in self._all(c)
                       if t.type == "flow_control_statement")
        return count == 1 and bool(catches) and not rethrows

    def _if(self, node: Any, reach: frozenset[str], fn: str) -> frozenset[str]:
        clauses = [(node.child_by_field_name("condition"), next(c for c in node.children if c.type ==
                                                                "statement_block"))]
        for clause in self._all(node):
            if clause.type == "elseif_clause":
                clauses.append((clause.child_by_field_name("condition"),
                                next(c for c in clause.children if c.type == "statement_block")))
        otherwise = next((c for c in node.children if c.type == "else_clause"), None)
        remaining, out = reach, frozenset()
        for condition, block in clauses:
            self._expr(condition, remaining, fn)
            verdict = self.condition(condition, fn)
            true = frozenset(p for p in remaining if verdict.get(p) is not False)
            false = frozenset(p for p in remaining if verdict.get(p) is not True)
            out |= self._block(block, true, fn)
            remaining = false
        if otherwise is not None:
            return out | self._block(next(c for c in otherwise.children if c.type == "statement_block"),
                                     remaining, fn)
        return out | remaining

    def _switch(self, node: Any, reach: frozenset[str], fn: str) -> frozenset[str]:
        self._use("feature", "switch", fn, node, reach)
        out, has_default = frozenset(), False
        for child in self._all(node):
            if child.type in ("switch_parameter", "switch_condition"):
                self._expr(child, reach, fn)
            if child.type == "switch_clause":
                condition = next(c for c in child.children if c.type == "switch_clause_condition")
                has_default |= self.text(condition).lower() == "default"
                out |= self._block(next(c for c in child.children if c.type == "statement_block"), reach, fn)
        return out if has_default else out | reach

    def _record_return(self, node: Any, reach: frozenset[str], fn: str) -> None:
        if not fn:
            return
        self._normal[fn] = self._normal.get(fn, frozenset()) | reach
        value = node.named_children[0] if node.named_children else None
        literal = self.unwrap(value) if value is not None else None
        known = self._returns.setdefault(fn, {})
        for p in reach:
            if literal is not None and literal.type == "string_literal":
                if known.get(p, set()) is not None:
                    known[p] = known.get(p, set()) | {self.text(literal)[1:-1]}
            else:
                known[p] = None

    # ----------------------------------------------------------------------------------------- expressions

    def _use(self, kind: str, name: str, fn: str, node: Any, reach: frozenset[str]) -> None:
        self.uses.append(Use(kind, name, fn, node.start_point[0] + 1, reach, self._probe > 0))

    def _expr(self, node: Any, reach: frozenset[str], fn: str) -> list[str]:
        """Record what the expression uses; return the agent functions it calls."""
        calls = collect(self, node, reach, fn)
        for callee in calls:
            self._entry[callee] = self._entry[callee] | reach
        return calls

    # ------------------------------------------------------------------------------------------ conditions

    def condition(self, node: Any, fn: str) -> dict[str, bool | None]:
        return {p: evaluate(self, node, TARGETS[p], fn) for p in ALL}
