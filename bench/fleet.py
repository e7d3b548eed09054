"""Fleet benchmark: plan and apply against N lab hosts of R registry values, against the protocol's floor.

    python bench/fleet.py -n 100 -r 10 -l 20 -f 50 -t ntlm-http-encrypted
    python bench/fleet.py --matrix --results bench/results.jsonl          # the issue's matrix, resumable
    python bench/fleet.py --matrix -n 1,10,100 --results /tmp/small.jsonl  # a subset of it

Every option takes a comma list; the cells are their product (`--matrix` fills in the issue's lists for the
options not given). One cell = one fresh lab process with N hosts + one fresh runner process, then:

- `plan`:  what `remediate plan` does: make_plan(ctx, hosts) with --forks F, then delete the shells (close_all);
- `apply`: what `remediate apply plan.json` does: a new connection pool, apply_plan of that plan, close_all.

Columns: wall time of the phase; floor = ceil(N / F) x requests per host x L (the time the requests alone must
take when every request waits L and F hosts are in flight); HTTP requests and bytes (in + out, headers included,
before TLS) per host, from the lab's per-host counters; runner CPU ms per host (`time.process_time` of the runner
process only; the lab runs in a separate process and its CPU is reported apart); runner peak RSS (ru_maxrss,
the runner process's high-water mark up to the end of that phase).

With several cells (or --results) each cell runs in a subprocess of its own, so every cell's peak RSS is its own;
results are appended to the --results JSON-lines file as each cell finishes and cells already there are skipped,
so an interrupted matrix resumes where it stopped. Not part of the test suite: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# https: NTLM over TLS, no message sealing, the lab's CA as ca_file; https-certifi: the same with requests' CA bundle
# plus the lab's CA as ca_file (what a host without ca_file loads); basic-https: Basic over TLS;
# kerberos-http-sealed / kerberos-https: pywinrm's Kerberos against a real MIT KDC the lab process starts (needs
# remediate[kerberos] and krb5-kdc), the ticket obtained with the referenced password once per run.
TRANSPORTS = ("ntlm-http-encrypted", "https", "https-certifi", "basic-https", "kerberos-http-sealed",
              "kerberos-https")
MATRIX = {"hosts": [1, 10, 100, 1000], "resources": [10, 100], "latency": [0, 20], "forks": [10, 50],
          "transport": ["ntlm-http-encrypted", "https"]}
CELL_TIMEOUT = 3600
COLUMNS = ("N", "R", "L ms", "F", "transport", "phase", "wall s", "floor s", "wall/floor", "req/host",
           "KB/host", "runner CPU ms/host", "lab CPU ms/host", "runner peak RSS MB")


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _transports(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    for name in names:
        if name not in TRANSPORTS:
            raise argparse.ArgumentTypeError(f"unknown transport {name!r}; expected one of {', '.join(TRANSPORTS)}")
    return names


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--hosts", type=_ints, help="hosts N (comma list)")
    parser.add_argument("-r", "--resources", type=_ints, help="registry resources per host R (comma list)")
    parser.add_argument("-l", "--latency", type=_ints, help="injected latency per request, ms (comma list)")
    parser.add_argument("-f", "--forks", type=_ints, help="hosts in flight, --forks (comma list)")
    parser.add_argument("-t", "--transport", type=_transports,
                        help=f"{' | '.join(TRANSPORTS)} (comma list); https is NTLM over TLS, no message sealing")
    parser.add_argument("--matrix", action="store_true", help="the issue's full matrix for options not given")
    parser.add_argument("--results", type=Path, help="JSON-lines file: append each cell, skip cells already in it")
    parser.add_argument("--profile", type=Path, help="cProfile the runner's phases into this .pstats file "
                        "(single cell only; CPU numbers then include the profiler's overhead)")
    parser.add_argument("--pin", action="store_true", help="pin the lab process to CPU 0 and the runner to CPU 1 "
                        "(taskset-like, sched_setaffinity), so that wall time is the runner's, not a fight for a core")
    parser.add_argument("--cell", help=argparse.SUPPRESS)  # internal: run one cell, print its rows as JSON
    args = parser.parse_args(argv)
    defaults = MATRIX if args.matrix else {"hosts": [10], "resources": [10], "latency": [0], "forks": [10],
                                           "transport": ["ntlm-http-encrypted"]}
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def cells(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Smallest first, so a partial matrix already holds the cheap cells."""
    product = itertools.product(args.hosts, args.resources, args.latency, args.forks, args.transport)
    out = [{"hosts": n, "resources": r, "latency_ms": l, "forks": f, "transport": t} for n, r, l, f, t in product]
    if args.pin:
        for cell in out:
            cell["pin"] = True
    return sorted(out, key=lambda c: (c["hosts"], c["latency_ms"], c["resources"], c["forks"], c["transport"]))


def cell_key(cell: dict[str, Any]) -> str:
    pinned = " pinned" if cell.get("pin") else ""
    return f"N={cell['hosts']} R={cell['resources']} L={cell['latency_ms']} F={cell['forks']} {cell['transport']}{pinned}"


def format_row(row: dict[str, Any]) -> list[str]:
    floor = row["floor_s"]
    ratio = f"{row['wall_s'] / floor:.2f}" if floor > 0 else "-"
    req = f"{row['requests_per_host']:.0f}" if row["requests_min"] == row["requests_max"] else \
        f"{row['requests_per_host']:.1f} ({row['requests_min']}-{row['requests_max']})"
    return [str(row["hosts"]), str(row["resources"]), str(row["latency_ms"]), str(row["forks"]), row["transport"],
            row["phase"], f"{row['wall_s']:.2f}", f"{floor:.2f}" if floor > 0 else "-", ratio, req,
            f"{row['bytes_per_host'] / 1024:.1f}", f"{row['runner_cpu_ms_per_host']:.1f}",
            f"{row['lab_cpu_ms_per_host']:.1f}", f"{row['runner_maxrss_mb']:.0f}"]


def print_table(rows: list[dict[str, Any]], out: Any = sys.stdout) -> None:
    """One Markdown table (it reads on a terminal and pastes into docs/performance.md as it is)."""
    body = [format_row(r) for r in rows]
    widths = [max(len(c), *(len(b[i]) for b in body)) if body else len(c) for i, c in enumerate(COLUMNS)]
    print("| " + " | ".join(c.ljust(w) for c, w in zip(COLUMNS, widths)) + " |", file=out)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|", file=out)
    for b in body:
        print("| " + " | ".join(c.rjust(w) if i not in (4, 5) else c.ljust(w)
                                for i, (c, w) in enumerate(zip(b, widths))) + " |", file=out)
    notes = sorted({n for r in rows for n in r.get("notes", [])})
    for note in notes:
        print(f"\nnote: {note}", file=out)


def load_results(path: Path | None) -> dict[str, list[dict[str, Any]]]:
    done: dict[str, list[dict[str, Any]]] = {}
    if path is None or not path.exists():
        return done
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            done[record["key"]] = record["rows"]
    return done


def run_in_subprocess(cell: dict[str, Any]) -> list[dict[str, Any]]:
    """One cell in a fresh interpreter: its peak RSS is its own, and a crash costs only that cell."""
    command = [sys.executable, str(Path(__file__).resolve()), "--cell", json.dumps(cell)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=CELL_TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError(f"cell {cell_key(cell)} failed (exit {done.returncode}):\n{done.stderr[-4000:]}")
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            return list(json.loads(line)["rows"])
    raise RuntimeError(f"cell {cell_key(cell)} printed no result:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.cell:
        from runner import run_cell  # the heavy imports stay out of the orchestrating process

        rows = run_cell(json.loads(args.cell), progress=lambda text: print(text, file=sys.stderr, flush=True))
        print(json.dumps({"rows": rows}))
        return 0
    todo = cells(args)
    if len(todo) == 1 and args.results is None:
        from runner import run_cell

        rows = run_cell(todo[0], progress=lambda text: print(text, file=sys.stderr, flush=True),
                        profile=args.profile)
        print_table(rows)
        return 0
    if args.profile:
        sys.exit("--profile needs a single cell")
    done = load_results(args.results)
    rows: list[dict[str, Any]] = []
    started = time.monotonic()
    for index, cell in enumerate(todo, 1):
        key = cell_key(cell)
        if key in done:
            print(f"[{index}/{len(todo)}] {key}: already in {args.results}, skipped", file=sys.stderr)
            rows += done[key]
            continue
        print(f"[{index}/{len(todo)}] {key} ... ({time.monotonic() - started:.0f} s so far)", file=sys.stderr,
              flush=True)
        try:
            cell_rows = run_in_subprocess(cell)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"[{index}/{len(todo)}] {key}: FAILED: {exc}", file=sys.stderr, flush=True)
            continue
        for row in cell_rows:
            print("    " + "  ".join(format_row(row)[5:]), file=sys.stderr, flush=True)
        rows += cell_rows
        if args.results is not None:
            with args.results.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({"key": key, "rows": cell_rows}) + "\n")
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # runner.py and labproc.py sit next to this file
    raise SystemExit(main())
