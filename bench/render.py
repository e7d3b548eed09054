"""What rendering the catalog for every host costs before any host is contacted: `targets()` (plan's first step)
and `validate`'s preflight, with the compiled-template caches and without them.

    python bench/render.py              # the all-causes fleet's variables on 40 hosts, then x 25 (1000 hosts)
    python bench/render.py -k 1,5 -r 5  # copies of the fleet, repetitions

The all-causes lab is started only to write its inventory (its hosts are never contacted); its hosts are then
copied k times with unique names. Printed per k: hosts, best wall time of targets() and of preflight(), cached and
uncached (playbook._expression and templating._compiled without their lru_cache). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

import remediate.playbook as playbook
import remediate.templating as templating
from remediate.assets import asset_dir
from remediate.engine.plan import targets
from remediate.engine.preflight import preflight
from remediate.inventory import load_inventory
from remediate.lab.fleet import PASSWORD_ENV, Lab


def _inventory(folder: Path, copies: int) -> Path:
    with Lab.from_scenario("all-causes", password="bench") as lab:
        document: dict[str, Any] = lab.inventory()
    hosts = {f"{name}-{n}": spec for n in range(copies) for name, spec in document["hosts"].items()}
    document["hosts"] = hosts
    document["groups"] = {"lab": {"hosts": [h for h in hosts if not h.startswith("rtr")]}}
    path = folder / f"inventory-{copies}.yaml"
    with path.open("w", encoding="utf-8") as fh:
        YAML().dump(document, fh)
    return path


def _best(work: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-k", default="1,25", help="copies of the 40-host fleet, comma separated")
    parser.add_argument("-r", type=int, default=3, help="repetitions (best is printed)")
    args = parser.parse_args()
    os.environ.setdefault(PASSWORD_ENV, "bench")
    catalog = playbook.load_catalog([asset_dir("playbooks") / "event-4006.yaml"])
    cached = (playbook._expression, templating._compiled)
    with tempfile.TemporaryDirectory() as tmp:
        for copies in (int(k) for k in args.k.split(",")):
            inventory = load_inventory(_inventory(Path(tmp), copies))
            hosts = list(inventory.hosts)
            for label, functions in (("cached", cached), ("uncached", tuple(f.__wrapped__ for f in cached))):
                playbook._expression, templating._compiled = functions  # type: ignore[assignment]
                plan = _best(lambda: targets(inventory, catalog, hosts), args.r)
                check = _best(lambda: preflight(inventory, catalog, hosts), args.r)
                print(f"{len(hosts):5} hosts x {len(catalog.rules)} rules, {label:8}: targets() {plan * 1000:7.0f} ms, "
                      f"validate preflight {check * 1000:7.0f} ms")
            playbook._expression, templating._compiled = cached  # type: ignore[assignment]
    return 0


if __name__ == "__main__":
    sys.exit(main())
