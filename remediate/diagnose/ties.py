"""Evidence that only the readings together show: the routers on a host's path, and where its stuck queue goes.

- Routers: a host's `smtp_path_routers` inventory variable names the routers between it and its next hop (inventory
  host names). A router of the run whose `ios_config_line` finding holds an `ip inspect ... smtp` line is evidence
  of case 9 for every host it is on the path of; a router of the run not named on a host's path is only a lead.
- Smart host: a stuck queue whose next hop is a smart host configured on the host (the observed value of a case-2
  rule) ties the queue to that setting. If the setting is what the site expects, the smart host itself does not
  answer: case 4 (the remote server is down or unreachable), inferred.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from remediate.diagnose.evidence import FINDINGS, Filed, PathContext, to_evidence
from remediate.diagnose.model import Evidence, QueueState
from remediate.engine.model import HostPlan, ItemStatus
from remediate.inventory import Inventory

PATH_ROUTERS_VAR = "smtp_path_routers"


@dataclass
class RouterReading:
    name: str
    read: bool  # the router was read in this run without error
    inspecting: list[Evidence] = field(default_factory=list)  # its case-9 findings (ip inspect ... smtp lines)


def router_readings(plans: list[HostPlan], inventory: Inventory) -> dict[str, RouterReading]:
    out = {}
    for plan in plans:
        host = inventory.hosts.get(plan.host)
        if host is None or host.connection.type != "ios_ssh":
            continue
        reading = RouterReading(plan.host, read=plan.error is None)
        for item in plan.items:
            if item.kind == "ios_config_line" and item.status in FINDINGS:
                reading.inspecting.append(to_evidence(plan.host, item))
        out[plan.host] = reading
    return out


def path_routers(inventory: Inventory, host: str) -> list[str]:
    """The routers the inventory puts on the host's mail path (a name or a list of names)."""
    entry = inventory.hosts.get(host)
    value = entry.vars.get(PATH_ROUTERS_VAR) if entry is not None else None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def with_path_routers(inventory: Inventory, hosts: list[str]) -> list[str]:
    """The selected hosts plus the routers on their mail paths, so a `--limit` to one server still reads the
    router in front of its next hop (reading is read-only: one command more per router)."""
    out = list(hosts)
    for name in hosts:
        for router in path_routers(inventory, name):
            if router in inventory.hosts and router not in out:
                out.append(router)
    return out


def path_context(host: str, inventory: Inventory, routers: dict[str, RouterReading]) -> PathContext:
    on_path = path_routers(inventory, host)
    inspecting = [name for name, r in routers.items() if r.inspecting]
    return PathContext(tuple(n for n in on_path if n in inspecting),
                       tuple(n for n in inspecting if n not in on_path and n != host))


def router_evidence(context: PathContext, routers: dict[str, RouterReading]) -> list[Evidence]:
    return [ev for name in context.inspecting_on_path for ev in routers[name].inspecting]


@dataclass(frozen=True)
class SmartHostTie:
    queue: QueueState
    smart_host: str
    filed: Filed  # the case-2 reading that holds the smart host
    expected: bool  # the setting is what the site expects (its rule is compliant)


def smart_host_tie(filed: list[Filed], stuck: list[QueueState]) -> SmartHostTie | None:
    """The first stuck queue whose next hop is a smart host configured on this host."""
    for reading in filed:
        if 2 not in reading.cases or reading.item.status not in (*FINDINGS, ItemStatus.COMPLIANT):
            continue
        for smart_host in configured_smart_hosts(reading.item.before):
            for queue in stuck:
                if queue.next_hop and _host_key(queue.next_hop) == _host_key(smart_host):
                    return SmartHostTie(queue, smart_host, reading, reading.item.status is ItemStatus.COMPLIANT)
    return None


def configured_smart_hosts(value: Any) -> list[str]:
    """Smart hosts in a case-2 reading: Exchange 2003's virtual server (`smart_host`, ';'-separated) or a send
    connector (`smart_hosts`, a list)."""
    if not isinstance(value, dict):
        return []
    hosts = value.get("smart_hosts")
    if isinstance(hosts, list):
        return [str(h) for h in hosts if h]
    text = value.get("smart_host")
    return [h.strip() for h in str(text).replace(",", ";").split(";") if h.strip()] if text else []


def _host_key(name: str) -> str:
    return name.strip().strip("[]").rstrip(".").lower()


def inferred_remote_down(tie: SmartHostTie, host: str) -> Evidence:
    return Evidence(
        host=host, status="inferred", resource=f"smart host {tie.smart_host}",
        detail=(f"the smart host {tie.smart_host} is what the site expects, yet the queue {tie.queue.identity} to it "
                f"is stuck ({tie.queue.message_count} messages in {tie.queue.status}): the smart host itself does "
                "not answer"),
        observed={"queue": tie.queue.model_dump(mode="json"), "smart_host": tie.smart_host},
    )
