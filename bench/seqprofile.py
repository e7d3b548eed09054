"""Where the runner's CPU goes per host: one bench cell with the hosts run one after another, under cProfile with
a CPU clock (time.process_time), then a summary by package.

    python bench/seqprofile.py -n 50 -r 10 -t ntlm-http-encrypted -o /tmp/plan.pstats

Why sequential: bench/fleet.py --profile profiles the calling thread only, and the fleet's work runs in a thread
pool; here the engine's thread pools are replaced by an inline executor, so every host's work is in the profile.
The CPU figures printed include cProfile's own overhead (several times the real cost for call-heavy code): read
them as shares, not as times.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any


class InlineExecutor:
    """ThreadPoolExecutor's surface as the engine uses it (map, submit, context manager), run in the caller."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __enter__(self) -> InlineExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def map(self, fn: Any, items: Any) -> list[Any]:
        return [fn(item) for item in items]

    def submit(self, fn: Any, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        future.set_result(fn(*args, **kwargs))
        return future


def summary(path: Path, top: int = 14) -> list[str]:
    """Share of the profile's own time by package (site-packages name, stdlib module, remediate module)."""
    stats = pstats.Stats(str(path))
    shares: collections.Counter[str] = collections.Counter()
    for (filename, _, name), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        if filename == "~":
            key = "builtins (C: sockets, hashing, str...)"
        elif "site-packages/" in filename:
            key = filename.split("site-packages/", 1)[1].split("/")[0].removesuffix(".py")
        elif "/remediate/" in filename:
            key = "remediate/" + filename.split("/remediate/", 1)[1]
        elif "/lib/python3" in filename:
            key = "stdlib " + filename.split("/lib/python3", 1)[1].split("/", 2)[1].removesuffix(".py")
        else:
            key = filename
        shares[key] += own
    total = stats.total_tt  # type: ignore[attr-defined]
    return [f"{100 * t / total:5.1f}%  {k}" for k, t in shares.most_common(top)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--hosts", type=int, default=50)
    parser.add_argument("-r", "--resources", type=int, default=10)
    parser.add_argument("-t", "--transport", default="ntlm-http-encrypted")
    parser.add_argument("-o", "--output", type=Path, default=Path("seq.pstats"))
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import remediate.engine.fleet as fleet
    import runner

    fleet.ThreadPoolExecutor = InlineExecutor  # type: ignore[assignment,misc]
    default_profile = cProfile.Profile
    cProfile.Profile = lambda: default_profile(time.process_time)  # type: ignore[assignment,misc]
    cell = {"hosts": args.hosts, "resources": args.resources, "latency_ms": 0, "forks": 1,
            "transport": args.transport}
    rows = runner.run_cell(cell, profile=args.output)
    for row in rows:
        print(f"{row['phase']}: {row['runner_cpu_ms_per_host']:.1f} ms CPU/host under the profiler, "
              f"{row['requests_per_host']:.0f} requests/host, {row['bytes_per_host'] / 1024:.1f} KB/host")
    print(f"profile of both phases, {args.output}:")
    print("\n".join(summary(args.output)))
    return 0


if __name__ == "__main__":  # the lab process is spawned: it must not run this again
    raise SystemExit(main())
