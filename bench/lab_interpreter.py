"""What the lab's PowerShell interpreter costs per agent command (issue 18): the lab runs the real agent.

    python bench/lab_interpreter.py              # one plan of the all-causes fleet, then each request again x 5
    python bench/lab_interpreter.py -r 10

First, one real plan of the all-causes scenario runs over real pywinrm. This records every command a lab host
received: its command line and stdin, which hold the bootstrap, the request and the gzipped agent. Each recorded
command is then replayed on its host with `SimHost.run_command`, without the WS-Management layer. The bench times
it by the process's CPU (`time.process_time`, best of r), per platform: median and largest CPU ms per command. The first compile of the agent is timed apart: it is paid once per process.
Not part of the test suite: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from remediate.cli.common import build_context
from remediate.engine.fleet import select_hosts
from remediate.engine.run import make_plan
from remediate.lab import host as lab_host
from remediate.lab.fleet import Lab
from remediate.lab.pwsh import session


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-r", type=int, default=5, help="repetitions of each command (the best is printed)")
    args = parser.parse_args()
    recorded: list[tuple[lab_host.SimHost, str, list[str], bytes]] = []
    original = lab_host.SimHost.run_command

    def recording(self, command, arguments, stdin):  # type: ignore[no-untyped-def]
        recorded.append((self, command, list(arguments), stdin))
        return original(self, command, arguments, stdin)

    password = "bench-Interpreter-Pa55"
    os.environ["REMEDIATE_LAB_PASSWORD"] = password
    started = time.process_time()
    session.program(_bootstrap(), "powershell.exe -EncodedCommand")
    with tempfile.TemporaryDirectory() as tmp, Lab.from_scenario("all-causes", password=password) as lab:
        inventory = Path(tmp) / "inventory.yaml"
        lab.write_inventory(inventory)
        ctx = build_context(inventory, ())
        lab_host.SimHost.run_command = recording  # type: ignore[method-assign]
        wall = time.perf_counter()
        try:
            make_plan(ctx, select_hosts(ctx.inventory, None))
        finally:
            lab_host.SimHost.run_command = original  # type: ignore[method-assign]
            ctx.pool.close_all()
        wall = time.perf_counter() - wall
        first = time.process_time() - started
        print(f"plan of the all-causes fleet: {len(recorded)} agent commands, {wall:.2f} s wall "
              f"(the lab and the runner share this process); CPU including the agent's first compile: {first:.2f} s")
        per_platform: dict[str, list[float]] = {}
        for sim, command, arguments, stdin in recorded:
            best = float("inf")
            for _ in range(args.r):
                started = time.process_time()
                original(sim, command, arguments, stdin)
                best = min(best, time.process_time() - started)
            platform = str(sim.facts.get("os_version"))
            per_platform.setdefault(platform, []).append(best * 1000)
        for platform, times in sorted(per_platform.items()):
            print(f"os {platform}: {len(times)} commands, CPU per command median {statistics.median(times):.0f} ms, "
                  f"max {max(times):.0f} ms")
    return 0


def _bootstrap() -> str:
    from remediate import agent
    return agent.BOOTSTRAP


if __name__ == "__main__":
    sys.exit(main())
