"""What `remediate diagnose` costs beyond `plan`: the read is plan's (tests/e2e/test_request_counts.py holds the
requests equal), so the difference is the interpretation on the workstation, measured here.

    python bench/diagnose.py                 # the all-causes fleet (42 hosts), read once, interpreted x 1, 10, 25
    python bench/diagnose.py -k 1,50 -r 5    # copies of the fleet per run, repetitions

One all-causes lab is read once with the whole catalog (a real plan over real pywinrm); that plan's hosts are then
copied k times (host names made unique, routers' paths kept per copy) and `diagnose()` is timed on it, best of r.
Printed per k: hosts, best wall time, ms per host; and the rendering of text and HTML for the largest k.
Not part of the test suite: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

from remediate.cli.common import build_context
from remediate.diagnose import diagnose
from remediate.engine.fleet import select_hosts
from remediate.engine.model import Plan
from remediate.engine.run import make_plan
from remediate.inventory import load_inventory
from remediate.lab.fleet import Lab
from remediate.reports.diagnose_html import render_diagnosis_html
from remediate.reports.diagnose_text import print_diagnosis


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="1,10,25", help="copies of the fleet, comma separated")
    parser.add_argument("-r", type=int, default=3, help="repetitions (the best is printed)")
    args = parser.parse_args()
    password = "bench-Diagnose-Pa55"
    os.environ["REMEDIATE_LAB_PASSWORD"] = password
    with tempfile.TemporaryDirectory() as tmp, Lab.from_scenario("all-causes", password=password) as lab:
        inventory = Path(tmp) / "inventory.yaml"
        lab.write_inventory(inventory)
        ctx = build_context(inventory, ())
        started = time.perf_counter()
        try:
            plan = make_plan(ctx, select_hosts(ctx.inventory, None))
        finally:
            ctx.pool.close_all()
        print(f"plan (the read diagnose shares): {len(plan.hosts)} hosts in {time.perf_counter() - started:.2f} s")
        for k in (int(x) for x in args.k.split(",")):
            copies, inv_path = _copies(plan, inventory, k, Path(tmp))
            inv = load_inventory(inv_path)
            best = min(_timed(lambda: diagnose(copies, ctx.catalog, inv)) for _ in range(args.r))
            print(f"diagnose k={k}: {len(copies.hosts)} hosts, {best * 1000:.0f} ms, "
                  f"{best * 1000 / len(copies.hosts):.2f} ms/host")
        result = diagnose(copies, ctx.catalog, inv)
        text = _timed(lambda: print_diagnosis(result, Console(file=io.StringIO(), width=120, highlight=False, soft_wrap=True)))
        html = _timed(lambda: render_diagnosis_html(result))
        print(f"render {len(result.hosts)} hosts: text {text * 1000:.0f} ms, html {html * 1000:.0f} ms "
              f"({len(render_diagnosis_html(result)) // 1024} KiB)")
    return 0


def _timed(work) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _copies(plan: Plan, inventory: Path, k: int, tmp: Path) -> tuple[Plan, Path]:
    """k copies of the plan's hosts and of the inventory (names suffixed -cN, smtp_path_routers renamed too)."""
    from ruamel.yaml import YAML

    yaml = YAML()
    data = yaml.load(inventory.read_text(encoding="utf-8"))
    hosts, out = {}, []
    for n in range(k):
        for name, spec in data["hosts"].items():
            spec = dict(spec)
            spec["vars"] = dict(spec.get("vars") or {})
            if "smtp_path_routers" in spec["vars"]:
                spec["vars"]["smtp_path_routers"] = [f"{r}-c{n}" for r in spec["vars"]["smtp_path_routers"]]
            hosts[f"{name}-c{n}"] = spec
        out += [h.model_copy(update={"host": f"{h.host}-c{n}"}) for h in plan.hosts]
    data["hosts"] = hosts
    data["groups"] = {"routers": {"hosts": [h for h in hosts if h.startswith("rtr")]}}
    path = tmp / f"inventory-{k}.yaml"
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(data, fh)
    return plan.model_copy(update={"hosts": out}), path


if __name__ == "__main__":
    sys.exit(main())
