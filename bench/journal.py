"""What the journal costs per host of an apply: one sealed snapshot (committed and durable) and one outcome.

    python bench/journal.py                       # the SQLite journal in a temporary state folder
    REMEDIATE_JOURNAL=postgresql://... PGPASSWORD=... REMEDIATE_JOURNAL_KEY=... python bench/journal.py

Prints the median and 95th percentile of `snapshot()` and `record()` over N hosts with 10 changes each, one thread
(the runner's journal serialises its writes), and the time of `run()` reading them back with every code checked.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from remediate.journal import new_run_id, open_journal

CHANGE = {"kind": "registry_value", "rule_id": "bench", "description": "HKLM\\SOFTWARE\\Bench\\Value",
          "identity": {"hive": "HKLM", "key": "SOFTWARE\\Bench", "name": "Value"},
          "before": {"exists": True, "type": "REG_DWORD", "data": 24},
          "after": {"exists": True, "type": "REG_DWORD", "data": 25}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="remediate-bench-journal-") as tmp:
        journal = open_journal(Path(tmp) / "state")
        run_id = new_run_id()
        journal.begin_run(run_id, "apply", "bench")
        snaps, records = [], []
        for index in range(args.hosts):
            host = f"h{index:04}"
            changes = [dict(CHANGE, identity=dict(CHANGE["identity"], name=f"V{i}")) for i in range(10)]
            start = time.perf_counter()
            journal.snapshot(run_id, host, changes)
            snaps.append(time.perf_counter() - start)
            start = time.perf_counter()
            journal.record(run_id, host, "applied", {"host": host, "outcome": "applied"})
            records.append(time.perf_counter() - start)
        journal.finish_run(run_id)
        start = time.perf_counter()
        run = journal.run(run_id)
        read = time.perf_counter() - start
        assert len(run.hosts) == args.hosts and all(h.integrity is None for h in run.hosts)
        journal.close()
    where = "postgresql" if os.environ.get("REMEDIATE_JOURNAL") else "sqlite"
    for name, values in (("snapshot", snaps), ("record", records)):
        values.sort()
        print(f"{where} {name}: median {statistics.median(values) * 1000:.2f} ms, "
              f"p95 {values[int(len(values) * 0.95)] * 1000:.2f} ms over {args.hosts} hosts")
    print(f"{where} run() of {args.hosts} hosts x 10 changes, every code checked: {read * 1000:.1f} ms")


if __name__ == "__main__":
    main()
