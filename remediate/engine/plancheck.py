"""A saved plan is a record of intent, not an authority: `apply FILE` re-derives every change it would send.

A plan file is plain JSON that anyone who can write it can edit; its fingerprint covers the inventory and the
playbooks, not its own items. So before any host is contacted, `verify_plan_items` renders the operator's
playbooks for each host of the plan (from the inventory, as `plan` did) and accepts a change only when it is
exactly the item those playbooks give for that host, rebuilt from the item's own observed `before`:

- the resource identity is one a rule of the playbooks manages on that host (same kind, same rule);
- the desired value (`after`), the description, the action, the field diff and the rule's id, title, source and
  remedy are what that rule renders for that host (so what the operator reviewed is what is sent);
- the rule applies to the host by its `when:`, judged on the facts the plan recorded;
- the undo path (the op that rollback and the agent's revert will send) is built from that same identity and the
  observed `before`, which the agent's compare-and-set checks against the live value before writing anything.

`before` is the one field taken on trust, and it is not trusted far: a `before` that is not what the host holds
makes the host stale (nothing written). What this does not cover: a plan whose recorded facts were edited can
make a playbook rule apply to a host its `when:` would exclude (only with values a playbook gives that host).
Anything else is refused (`RefusedError`, exit 3) naming the file, the host, the item and what differs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from remediate.engine.model import HostPlan, Plan, PlanItem
from remediate.engine.plan import Resource, plan_item, targets
from remediate.errors import RefusedError
from remediate.inventory import Inventory
from remediate.playbook import Catalog, evaluate_when
from remediate.resources import KINDS

# Fields of an item that the playbooks decide; `before` and `status` are checked through them (`status` is
# recomputed from before/after). Listed so the refusal can say which one differs. `irreversible` is not among
# them: apply works it out again from the kind, `before` and the facts (engine/run.py irreversible_changes), and a
# version-1 plan has none.
_DERIVED = ("kind", "identity", "after", "rule_id", "rule_title", "source", "remedy", "advice", "description",
            "status", "action", "diff", "defined_at", "error")


def check_plan_playbooks(plan: Plan, catalog: Catalog) -> None:
    """The playbooks loaded now must be the ones the plan was made from: the plan's own list is never used to load
    rules (it is as editable as its items)."""
    made, now = set(plan.playbooks), set(catalog.files)
    if made != now:
        missing = sorted(made - now)
        extra = sorted(now - made)
        parts = []
        if missing:
            parts.append("made with " + ", ".join(missing) + " that this apply does not load")
        if extra:
            parts.append("this apply loads " + ", ".join(extra) + " that the plan was not made with")
        raise RefusedError("the plan's playbooks differ from the ones given now (" + "; ".join(parts) + "); apply it "
                           "with the -p options it was planned with, or make a new plan")


def verify_plan_items(plan: Plan, inventory: Inventory, catalog: Catalog, path: Path) -> None:
    """Refuse the plan unless every change it holds is what the playbooks give its host (module docstring)."""
    for h, host in enumerate(plan.hosts):
        if host.changes:
            _verify_host(h, host, inventory, catalog, path)


def _verify_host(h: int, host: HostPlan, inventory: Inventory, catalog: Catalog, path: Path) -> None:
    target = targets(inventory, catalog, [host.host])[0]
    by_key: dict[tuple[str, str, str], Resource] = {}
    for res in target.resources:
        by_key[(res.kind.kind, res.kind.key(res.identity), res.rule.rule.id)] = res
    facts = host.facts or {}
    for i, item in enumerate(host.items):
        if not item.is_change:
            continue
        where = f"{path}: hosts[{h}].items[{i}] ({_short(item.description)}) for host {host.host}"
        res = by_key.get((item.kind, _key(item), item.rule_id))
        if res is None:
            raise RefusedError(f"{where}: not a change the playbooks give this host: no rule "
                               f"{_short(item.rule_id)} manages {item.kind} {_describe(item)} there; make a new plan")
        rule = res.rule
        if rule.rule.when is not None and not evaluate_when(rule.rule.when, facts, target.host.vars, rule.source):
            raise RefusedError(f"{where}: rule {rule.rule.id} does not apply to this host (when: "
                               f"{_short(rule.rule.when)}, on the facts the plan recorded); make a new plan")
        expected = _plain(plan_item(res, {"ok": True, "value": item.before}, applicable=True, facts=facts))
        found = _plain(item)
        differ = [name for name in _DERIVED if expected.get(name) != found.get(name)]
        if differ:
            raise RefusedError(f"{where}: {', '.join(differ)} not what rule {rule.rule.id} gives this host "
                               f"({rule.source.file}:{res.line}); the plan file was changed after it was made, "
                               "or made by another version; make a new plan")


def _key(item: PlanItem) -> str:
    try:
        return KINDS[item.kind].key(item.identity)
    except Exception:  # noqa: BLE001 - an identity its kind cannot read is not one any playbook gives
        return "\0unreadable"


def _describe(item: PlanItem) -> str:
    try:
        return _short(KINDS[item.kind].describe(item.identity))
    except Exception:  # noqa: BLE001 - see _key
        return "(an identity this kind cannot read)"


def _plain(item: PlanItem) -> dict[str, Any]:
    # Compared as the JSON a plan file holds: tuples and lists, enums and their values, compare alike.
    return json.loads(item.model_dump_json())


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
