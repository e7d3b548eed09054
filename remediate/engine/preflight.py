"""What `remediate validate` finds without contacting any host.

Contract:
- Every problem `plan` would stop on is a problem here, all of them at once: inventory and playbook fields, every
  rule rendered for every selected host (templates, undefined variables of rules without `when:`, conflicting
  desired values), `when:` expressions that cannot be evaluated, credential references that do not resolve.
- A rule whose `when:` is decided by the host's variables alone is decided here: it applies (its undefined
  variables are problems) or it does not (nothing to report).
- A rule whose `when:` depends on the facts a host reports, and whose templates need variables that host does not
  define, cannot be decided without reading the host. With `facts` (from a saved plan: `--facts PLAN.json`) it is
  decided as plan would. Without, it is named as such: a warning when the host defines some variable that only
  this rule uses (it looks meant for the host; plan fails if the rule applies), else a note (a rule for another
  platform, most likely).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from remediate.engine.model import PLAN_VERSIONS
from remediate.engine.plan import build_targets, define_hint, merge_problems
from remediate.errors import CredentialError, InputError, Location, RemediateError
from remediate.inventory import Inventory
from remediate.playbook import Catalog, RuleSource, UndefinedVariable, evaluate_when
from remediate.ruleneeds import missing_variables, structure_problems, template_variables, when_without_facts


@dataclass
class FactsNeeded:
    """A rule that may apply to some hosts, decided only by their facts, and the variables they lack for it."""

    rule: RuleSource
    when: str
    missing: list[str]
    hosts: list[str] = field(default_factory=list)
    defined: list[str] = field(default_factory=list)  # variables only this rule uses that the hosts do define

    @property
    def where(self) -> str:
        return f"{self.rule.file}:{self.rule.line}" if self.rule.line else self.rule.file


@dataclass
class Preflight:
    problems: list[RemediateError]
    warnings: list[FactsNeeded]
    notes: list[FactsNeeded]
    hosts: int
    resources: int


def preflight(inventory: Inventory, catalog: Catalog, hosts: list[str],
              facts: dict[str, dict[str, Any]] | None = None) -> Preflight:
    built, found = build_targets(inventory, catalog, hosts, merge=False)
    rules = {src.id: src for src in catalog.rules}
    problems: list[RemediateError] = []
    for src in catalog.rules:
        problems += structure_problems(src)
    problems += [q for p in found for q in _every_missing(p, rules, inventory)]
    owners: dict[str, set[str]] = {}
    for src in catalog.rules:
        for name in template_variables(src):
            owners.setdefault(name, set()).add(src.id)
    pending: dict[tuple[str, tuple[str, ...]], FactsNeeded] = {}
    for target in built:
        host = target.host
        for rule in target.rules:
            if rule.rule.when is not None:
                try:
                    when_without_facts(rule.rule.when, host.vars, rule.source)
                except InputError as exc:
                    problems.append(exc)
        for deferred in target.deferred:
            try:
                applies = when_without_facts(deferred.when, host.vars, deferred.source)
                if applies is None and facts is not None and host.name in facts:
                    applies = evaluate_when(deferred.when, facts[host.name], host.vars, deferred.source)
            except InputError as exc:
                problems.append(exc)
                continue
            if applies:
                problems += _every_missing(deferred.error, rules, inventory)
            elif applies is None:
                src = deferred.source
                missing = [m.variable or m.detail for m in missing_variables(src, host.vars, host.name)]
                own = sorted(v for v, users in owners.items() if users == {src.id} and v in host.vars)
                entry = pending.setdefault((src.id, tuple(missing)), FactsNeeded(src, deferred.when, missing))
                entry.hosts.append(host.name)
                entry.defined = sorted({*entry.defined, *own})
    problems += _credential_problems(inventory, hosts)
    needed = list(pending.values())
    inputs = merge_problems([p for p in problems if isinstance(p, InputError)], inventory)
    inputs.sort(key=lambda p: (p.location.file, p.location.line or 0))  # stable: a line's problems keep their order
    return Preflight(problems=[*inputs, *(p for p in problems if not isinstance(p, InputError))],
                     warnings=[n for n in needed if n.defined], notes=[n for n in needed if not n.defined],
                     hosts=len(hosts), resources=sum(len(t.resources) for t in built))


def _every_missing(problem: InputError, rules: dict[str, RuleSource], inventory: Inventory) -> list[InputError]:
    """An undefined variable as every variable that rule lacks on that host (rendering stops at the first)."""
    if not isinstance(problem, UndefinedVariable) or problem.rule_id not in rules:
        return [problem]
    host = inventory.hosts.get(problem.host)
    if host is None:
        return [problem]
    missing = missing_variables(rules[problem.rule_id], host.vars, host.name)
    return [m.with_context(rule_id=problem.rule_id, hint=problem.hint) for m in missing] or [problem]


def _credential_problems(inventory: Inventory, hosts: list[str]) -> list[RemediateError]:
    found: list[RemediateError] = []
    for name in hosts:
        try:
            inventory.hosts[name].connection.password.resolve(name)
        except CredentialError as exc:
            found.append(exc)
    return found


def warning_text(item: FactsNeeded, inventory: Inventory) -> str:
    return (f"{item.where}: rule {item.rule.id}: {_hosts(item.hosts)} {'defines' if len(item.hosts) == 1 else 'define'}"
            f" {_names(item.defined)}, which only this rule uses, but not {_names(item.missing)}: plan fails there "
            f"if the rule applies (when: {item.when}; decided by the facts plan reads); "
            f"{define_hint(inventory, item.hosts)}")


def note_text(item: FactsNeeded) -> str:
    return (f"{item.where}: rule {item.rule.id} needs {_names(item.missing)}, not defined for {_hosts(item.hosts)}, "
            f"if its when: holds there ({item.when}); known once the facts are read")


def _hosts(hosts: list[str]) -> str:
    return f"host {hosts[0]}" if len(hosts) == 1 else f"{len(hosts)} hosts ({', '.join(hosts)})"


def _names(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names) or "nothing"


def load_facts(path: Path) -> dict[str, dict[str, Any]]:
    """host -> facts from a saved plan (`plan -o FILE`) or a check report (`check --report json=FILE`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(Location(str(path)), f"cannot read the facts file: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(Location(str(path)), f"not a JSON plan: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != "remediate.plan" \
            or data.get("version") not in PLAN_VERSIONS:
        raise InputError(Location(str(path), None, "format"), "not a remediate plan (remediate plan -o FILE) or "
                         "check report (remediate check --report json=FILE)")
    hosts = data.get("hosts")
    out: dict[str, dict[str, Any]] = {}
    for index, host in enumerate(hosts if isinstance(hosts, list) else []):
        if isinstance(host, dict) and isinstance(host.get("host"), str) and isinstance(host.get("facts"), dict):
            out[host["host"]] = host["facts"]
        elif not isinstance(host, dict) or not isinstance(host.get("host"), str):
            raise InputError(Location(str(path), None, f"hosts[{index}]"), "expected a host with its facts")
    return out
