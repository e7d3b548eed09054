"""remediate's plan against what an admin scripts by hand with pywinrm, on the same lab hosts and values (issue 17).

    python bench/run_ps.py                    # N = 10 hosts, R = 10 registry values, F = 10 threads
    python bench/run_ps.py -n 20 -r 10 -f 10

By hand is pywinrm's README way: `winrm.Session(...).run_ps(script)` once per resource, each call a shell of its
own (open, command, receive, delete), a script that reads one value. remediate reads the same R values of each host
with `make_plan` (one shell, one command per host). Both run in this process against one lab process of N hosts
whose registry holds the R values (bench/labproc.py), NTLM with message encryption over HTTP, F hosts at a time.
Printed per side: wall time, HTTP requests and bytes per host (the lab's counters), runner CPU ms per host
(`time.process_time` of this process), the lab's CPU ms per host. Not part of the test suite: nothing here asserts
a time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import labproc
import winrm
from runner import LabProcess, _phase, write_playbook

from remediate.engine.fleet import ConnectionPool
from remediate.engine.run import RunContext, make_plan
from remediate.inventory import load_inventory
from remediate.lab.fleet import PASSWORD_ENV
from remediate.playbook import load_catalog

# One value as an admin reads it on PowerShell 2.0 and later (no provider cmdlet needed).
SCRIPT = "[Microsoft.Win32.Registry]::LocalMachine.OpenSubKey('{key}').GetValue('{name}')"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, help="hosts")
    parser.add_argument("-r", type=int, default=10, help="registry values per host")
    parser.add_argument("-f", type=int, default=10, help="hosts at a time")
    args = parser.parse_args()
    cell = {"hosts": args.n, "resources": args.r, "forks": args.f, "latency_ms": 0, "transport": "ntlm-http-encrypted"}
    with tempfile.TemporaryDirectory(prefix="remediate-run-ps-") as tmp:
        workdir = Path(tmp)
        lab = LabProcess(args.n, args.r, cell["transport"], workdir)
        try:
            inventory_path = workdir / "inventory.yaml"
            inventory_path.write_text(json.dumps(lab.inventory), encoding="utf-8")
            playbook_path = workdir / "bench.yaml"
            write_playbook(playbook_path, args.r)
            os.environ[PASSWORD_ENV] = lab.password
            inventory = load_inventory(inventory_path)
            catalog = load_catalog([playbook_path])
            hosts = list(inventory.hosts)

            def plan_phase() -> object:
                pool = ConnectionPool(inventory)
                try:
                    return make_plan(RunContext(inventory, catalog, pool, forks=args.f), hosts)
                finally:
                    pool.close_all()

            def by_hand() -> list[list[str]]:
                user = lab.inventory["connection"]["user"]

                def one_host(name: str) -> list[str]:
                    connection = lab.inventory["hosts"][name]["connection"]
                    session = winrm.Session(f"http://{connection['address']}:{connection['port']}/wsman",
                                            auth=(user, lab.password), transport="ntlm",
                                            message_encryption="always")
                    out = []
                    for index in range(args.r):
                        script = SCRIPT.format(key=labproc.BENCH_KEY, name=labproc.value_name(index))
                        result = session.run_ps(script)
                        if result.status_code != 0:
                            raise RuntimeError(f"{name}: run_ps failed: {result.std_err!r}")
                        out.append(result.std_out.decode().strip())
                    return out

                with ThreadPoolExecutor(args.f) as pool:
                    return list(pool.map(one_host, hosts))

            _, ours = _phase("remediate plan", cell, lab, plan_phase)
            values, theirs = _phase("run_ps per value", cell, lab, by_hand)
            if any(v != ["0"] * args.r for v in values):
                raise RuntimeError(f"run_ps read something else than the lab holds: {values[0]}")
        finally:
            lab.stop()
    print(f"N = {args.n} hosts, R = {args.r} registry values, F = {args.f}, NTLM with message encryption over HTTP")
    print(f"{'side':<18} {'wall s':>7} {'req/host':>9} {'KB/host':>8} {'runner CPU ms/host':>19} {'lab CPU ms/host':>16}")
    for row in (ours, theirs):
        print(f"{row['phase']:<18} {row['wall_s']:>7.2f} {row['requests_per_host']:>9.1f} "
              f"{row['bytes_per_host'] / 1024:>8.1f} {row['runner_cpu_ms_per_host']:>19.1f} "
              f"{row['lab_cpu_ms_per_host']:>16.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
