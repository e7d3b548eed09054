"""Planning: one read command per host, then a pure comparison of observed against desired.

`targets()` renders every host's rules up front, so bad input stops the run before any host is contacted.
`plan_host()` sends one request (facts + one read op per resource, whatever the number of resources) and turns
the answer into a `HostPlan`. Nothing here writes: the agent's read mode has no write op in reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from remediate.errors import HostError, InputError, Location
from remediate.engine.fleet import call_agent
from remediate.engine.model import (
    Action,
    ErrorInfo,
    FieldDiff,
    HostPlan,
    Irreversible,
    HostStatus,
    ItemStatus,
    PlanItem,
    SourceRef,
)
from remediate.inventory import Host, Inventory
from remediate.playbook import Catalog, DeferredRule, RenderedRule, evaluate_when
from remediate.resources import KINDS, ResourceKind
from remediate.transport.base import Connection


@dataclass(frozen=True)
class Resource:
    """One resource of one rule, rendered for one host."""

    rule: RenderedRule
    index: int
    kind: ResourceKind[Any]
    identity: dict[str, Any]
    desired: Any

    @property
    def line(self) -> int | None:
        return self.rule.source.lines.line_of(("rules", self.rule.source.index, "resources", self.index))


@dataclass(frozen=True)
class Target:
    host: Host
    rules: list[RenderedRule]
    resources: list[Resource]
    deferred: list[DeferredRule] = field(default_factory=list)  # decided by `when:` after the read


def targets(inventory: Inventory, catalog: Catalog, hosts: list[str]) -> list[Target]:
    return [_target(inventory.hosts[name], catalog) for name in hosts]


def _target(host: Host, catalog: Catalog) -> Target:
    rendered, deferred = _for_connection(catalog, host.connection.type).render_deferring(host.vars, host.name)
    resources: list[Resource] = []
    seen: dict[str, Resource] = {}
    for rule in rendered:
        for index, spec in enumerate(rule.rule.resources):
            kind = KINDS[spec.kind]
            identity = kind.identity(spec)
            res = Resource(rule, index, kind, identity, kind.desired(spec))
            key = f"{kind.kind}:{kind.key(identity)}"
            other = seen.get(key)
            if other is not None and other.desired != res.desired:
                # Two rules wanting different values for one setting would flap on every run.
                src = rule.source
                raise InputError(
                    Location(src.file, res.line, f"rules[{src.index}].resources[{index}]"),
                    f"host {host.name}: {kind.describe(identity)} is also managed by rule {other.rule.rule.id} "
                    f"({other.rule.source.file}:{other.line}) with a different desired value",
                )
            seen[key] = res
            resources.append(res)
    return Target(host, rendered, resources, deferred)


def _for_connection(catalog: Catalog, connection_type: str) -> Catalog:
    """The rules meant for hosts of this connection type. A rule's kinds say where their ops run
    (`ResourceKind.target`), so a router is never rendered with a Windows rule's variables nor asked for registry
    values, and a Windows host never for IOS lines. A rule with no resources (advice only) applies everywhere."""
    rules = []
    for src in catalog.rules:
        resources = src.data.get("resources")
        # Rules are not validated yet here: `kind` may be anything YAML holds (a list is unhashable; fuzzing found it).
        kinds = {r.get("kind") for r in resources if isinstance(r, dict) and isinstance(r.get("kind"), str)} \
            if isinstance(resources, list) else set()
        targets = {KINDS[k].target for k in kinds if k in KINDS}
        if len(targets) > 1:
            raise InputError(Location(src.file, src.line, f"rules[{src.index}].resources"),
                             f"rule {src.id} mixes kinds of different targets ({', '.join(sorted(targets))}); "
                             "split it into one rule per target")
        if not targets or connection_type in targets:
            rules.append(src)
    return Catalog(files=catalog.files, rules=rules)


def read_request(resources: list[Resource]) -> dict[str, Any]:
    ops = [{"id": "facts", "op": "facts", "args": {}}]
    ops += [{"id": f"r{i}", **res.kind.read_op(res.identity).wire()} for i, res in enumerate(resources)]
    return {"mode": "read", "ops": ops}


def read_values(connection: Connection, resources: list[Resource]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Facts and one result per resource, from one command."""
    answer = call_agent(connection, read_request(resources))
    results = {r.get("id"): r for r in answer.get("results", []) if isinstance(r, dict)}
    facts_result = results.get("facts") or {}
    facts = facts_result.get("value") if facts_result.get("ok") else {}
    return (facts or {}), [results.get(f"r{i}", _missing(i)) for i in range(len(resources))]


def _missing(index: int) -> dict[str, Any]:
    return {"ok": False, "error": {"type": "Failed", "message": f"the agent gave no result for r{index}"}}


def plan_host(target: Target, connection: Connection) -> HostPlan:
    host = target.host
    endpoint = host.connection.endpoint
    try:
        facts, results = read_values(connection, target.resources)
    except HostError as exc:
        return HostPlan(host=host.name, endpoint=endpoint, status=HostStatus.ERROR,
                        error=ErrorInfo(type=exc.kind, message=exc.problem))
    applicable = {r.rule.id: _applies(r, facts, host) for r in target.rules}
    items = [plan_item(res, result, applicable[res.rule.rule.id], facts)
             for res, result in zip(target.resources, results)]
    items += [_deferred_item(d, facts, host) for d in target.deferred]
    statuses = {item.status for item in items}
    if ItemStatus.ERROR in statuses:
        status = HostStatus.ERROR
    elif statuses & {ItemStatus.DRIFT, ItemStatus.MANUAL, ItemStatus.FAILED}:
        status = HostStatus.DRIFT
    else:
        status = HostStatus.COMPLIANT
    return HostPlan(host=host.name, endpoint=endpoint, status=status, facts=facts, items=items)


def _applies(rule: RenderedRule, facts: dict[str, Any], host: Host) -> bool:
    if rule.rule.when is None:
        return True
    return evaluate_when(rule.rule.when, facts, host.vars, rule.source)


def _deferred_item(rule: DeferredRule, facts: dict[str, Any], host: Host) -> PlanItem:
    data = rule.source.data
    applies = evaluate_when(rule.when, facts, host.vars, rule.source)
    return PlanItem(
        rule_id=rule.source.id, rule_title=str(data.get("title", "")), source=str(data.get("source", "")),
        remedy="manual" if data.get("remedy") == "manual" else "auto", kind="rule", identity={},
        description=f"rule {rule.source.id}", defined_at=SourceRef(file=rule.source.file, line=rule.source.line),
        status=ItemStatus.ERROR if applies else ItemStatus.NOT_APPLICABLE,
        error=str(rule.error) if applies else None,
    )


def plan_item(res: Resource, result: dict[str, Any], applicable: bool, facts: dict[str, Any]) -> PlanItem:
    """The plan item of one rendered resource, given the agent's read result for it (also used to re-check a saved
    plan: engine/plancheck.py builds the item a plan file must hold from its own `before`)."""
    rule = res.rule.rule
    base = dict(
        rule_id=rule.id, rule_title=rule.title, source=rule.source, remedy=rule.remedy, advice=rule.advice,
        kind=res.kind.kind, identity=res.identity, description=res.kind.describe(res.identity),
        defined_at=SourceRef(file=res.rule.source.file, line=res.line),
    )
    if not applicable:
        return PlanItem(**base, status=ItemStatus.NOT_APPLICABLE, after=res.desired)
    if not result.get("ok"):
        error = result.get("error") or {}
        return PlanItem(**base, status=ItemStatus.ERROR, after=res.desired,
                        error=f"{error.get('type', 'Failed')}: {error.get('message', '')}".strip())
    observed = result.get("value")
    if res.kind.same(observed, res.desired):
        return PlanItem(**base, status=ItemStatus.COMPLIANT, before=observed, after=res.desired)
    diff = [FieldDiff(path=c.path, before=c.before, after=c.after) for c in res.kind.changes(observed, res.desired)]
    if res.kind.probe:
        return PlanItem(**base, status=ItemStatus.FAILED, before=observed, after=res.desired, diff=diff)
    status = ItemStatus.MANUAL if rule.remedy == "manual" else ItemStatus.DRIFT
    return PlanItem(**base, status=status, before=observed, after=res.desired, action=_action(observed, res.desired),
                    diff=diff, irreversible=irreversible(res.kind, res.identity, observed, facts))


def irreversible(kind: ResourceKind[Any], identity: dict[str, Any], before: Any,
                 facts: dict[str, Any] | None) -> Irreversible | None:
    """Whether rollback could put `before` back by the kind's normal setter; if not, why and how it will."""
    path = kind.write_path(identity, before, facts)
    if path.irreversible is None:
        return None
    return Irreversible(reason=path.irreversible, restore=path.how)


def _action(before: Any, after: Any) -> Action:
    existed = not (isinstance(before, dict) and before.get("exists") is False)
    exists = not (isinstance(after, dict) and after.get("exists") is False)
    if not existed:
        return Action.CREATE
    if not exists:
        return Action.DELETE
    return Action.UPDATE
