"""One benchmark cell: start the lab process, run plan then apply in this process, measure both phases.

The phases call the library exactly as the CLI does (`remediate.engine.run.make_plan` / `apply_plan` with a
`RunContext` and a `ConnectionPool`, then `close_all`, which deletes the shells), so what is measured is what a
user waits for, minus loading the inventory and playbooks (a fixed cost per run, not per host).
"""

from __future__ import annotations

import gc
import json
import math
import multiprocessing
import os
import resource
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import labproc
import requests.certs

from remediate.engine.fleet import ConnectionPool
from remediate.engine.model import HostOutcome, HostStatus, Plan
from remediate.engine.run import RunContext, apply_plan, make_plan
from remediate.inventory import load_inventory
from remediate.journal import Journal
from remediate.lab.fleet import PASSWORD_ENV
from remediate.playbook import load_catalog

READY_TIMEOUT = 600.0


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _raise_nofile(needed: int) -> str | None:
    """The runner holds one socket per host until close_all; raise the soft limit (never the hard one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return None
    target = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return f"RLIMIT_NOFILE soft limit raised from {soft} to {target} (hard {hard}) for the runner"


def write_playbook(path: Path, resources: int) -> None:
    """R rules of one registry_value each (JSON is YAML): every value exists as 0 on the lab, every rule wants 1."""
    rules = [{"id": f"bench-{i:03d}", "title": f"Bench setting {i}", "cause": "benchmark", "source": "bench",
              "resources": [{"kind": "registry_value", "hive": "HKLM", "key": labproc.BENCH_KEY,
                             "name": labproc.value_name(i), "type": "REG_DWORD", "data": 1}]}
             for i in range(resources)]
    path.write_text(json.dumps({"rules": rules}, indent=1), encoding="utf-8")


class LabProcess:
    """The lab in a child process (spawned: a clean interpreter whose CPU and memory are its own)."""

    def __init__(self, hosts: int, resources: int, transport: str, workdir: Path) -> None:
        self.password = secrets.token_urlsafe(18)
        https = transport in ("https", "https-certifi", "basic-https", "kerberos-https")
        auth = {"basic-https": "basic", "kerberos-http-sealed": "kerberos", "kerberos-https": "kerberos"}.get(
            transport, "ntlm")
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=labproc.serve, name="bench-lab", daemon=True, args=(
            child, hosts, resources, https, auth, str(workdir / "tls") if https else None, self.password,
            str(workdir / "krb") if auth == "kerberos" else None))
        self._process.start()
        child.close()
        if not self._pipe.poll(READY_TIMEOUT):
            self.stop()
            raise RuntimeError("the lab process did not start in time")
        try:
            kind, payload, _ = self._pipe.recv()
        except EOFError:
            self.stop()
            raise RuntimeError(f"the lab process died while starting (exit code {self._process.exitcode})") from None
        if kind != "ready":
            self.stop()
            raise RuntimeError(f"the lab process failed to start:\n{payload}")
        self.inventory: dict[str, Any] = payload

    @property
    def pid(self) -> int:
        return int(self._process.pid or 0)

    def ask(self, *message: Any) -> Any:
        self._pipe.send(message)
        return self._pipe.recv()

    def stop(self) -> None:
        try:
            self._pipe.send(("stop",))
        except OSError:
            pass
        self._process.join(30)
        if self._process.is_alive():
            self._process.kill()


def _phase(name: str, cell: dict[str, Any], lab: LabProcess, work: Callable[[], Any],
           profiler: Any = None) -> tuple[Any, dict[str, Any]]:
    lab.ask("reset")
    gc.collect()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    result = work()
    if profiler is not None:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    report = lab.ask("report")[1]
    n = cell["hosts"]
    per_host = report["requests"] / n
    row = {**cell, "phase": name, "wall_s": wall, "requests_per_host": per_host,
           "requests_min": report["requests_min"], "requests_max": report["requests_max"],
           "floor_s": _floor(n, cell["forks"], per_host, cell["latency_ms"] / 1000),
           "bytes_per_host": (report["bytes_in"] + report["bytes_out"]) / n,
           "bytes_in_per_host": report["bytes_in"] / n,
           "bytes_in_min": report["bytes_in_min"], "bytes_in_max": report["bytes_in_max"], "bytes_out_per_host": report["bytes_out"] / n,
           "runner_cpu_ms_per_host": cpu * 1000 / n, "lab_cpu_ms_per_host": report["lab_cpu_s"] * 1000 / n,
           "runner_maxrss_mb": _maxrss_mb(), "lab_maxrss_mb": report["lab_maxrss_mb"],
           "auth_failures": report["auth_failures"], "faults": report["faults"],
           "handler_errors": report["handler_errors"]}
    return result, row


def _pin(lab_pid: int) -> str:
    """The lab (every thread it has) on CPU 0, this runner on CPU 1: wall time then measures the runner against
    the floor instead of two processes sharing whichever core the scheduler gives them."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return f"--pin ignored: only CPU(s) {cpus} available"
    lab_cpu, runner_cpu = cpus[0], cpus[1]
    for task in os.listdir(f"/proc/{lab_pid}/task"):
        os.sched_setaffinity(int(task), {lab_cpu})
    os.sched_setaffinity(0, {runner_cpu})  # threads started from here on (the fleet's) inherit it
    return f"pinned: lab on CPU {lab_cpu}, runner on CPU {runner_cpu}"


def _floor(hosts: int, forks: int, requests_per_host: float, latency_s: float) -> float:
    """ceil(N / F) x requests per host x L: the time the requests alone take with F hosts in flight."""
    return math.ceil(hosts / forks) * requests_per_host * latency_s


def run_cell(cell: dict[str, Any], progress: Callable[[str], None] = lambda _: None,
             profile: Path | None = None) -> list[dict[str, Any]]:
    n, r, forks = cell["hosts"], cell["resources"], cell["forks"]
    notes = [note for note in [_raise_nofile(n + 256)] if note]
    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="remediate-bench-") as tmp:
        workdir = Path(tmp)
        started = time.monotonic()
        lab = LabProcess(n, r, cell["transport"], workdir)
        try:
            if cell.get("pin"):
                notes.append(_pin(lab.pid))
            progress(f"    lab of {n} hosts x {r} values up in {time.monotonic() - started:.1f} s")
            lab.ask("latency", cell["latency_ms"] / 1000)
            inventory_path = workdir / "inventory.yaml"
            inventory_data = lab.inventory
            if cell["transport"] == "https-certifi":
                # What a host without `ca_file` trusts (requests' CA bundle), plus the lab's CA so it validates.
                bundle = workdir / "certifi-and-lab-ca.pem"
                bundle.write_text(Path(requests.certs.where()).read_text(encoding="ascii") + "\n"
                                  + Path(inventory_data["connection"]["ca_file"]).read_text(encoding="ascii"),
                                  encoding="ascii")
                inventory_data["connection"]["ca_file"] = str(bundle)
            inventory_path.write_text(json.dumps(inventory_data), encoding="utf-8")
            playbook_path = workdir / "bench.yaml"
            write_playbook(playbook_path, r)
            os.environ[PASSWORD_ENV] = lab.password
            if cell["transport"].startswith("kerberos"):
                os.environ["KRB5_CONFIG"] = str(workdir / "krb" / "krb5.conf")  # the lab process's realm
            inventory = load_inventory(inventory_path)
            catalog = load_catalog([playbook_path])
            hosts = list(inventory.hosts)

            def plan_phase() -> Plan:
                pool = ConnectionPool(inventory)
                try:
                    return make_plan(RunContext(inventory, catalog, pool, forks=forks), hosts)
                finally:
                    pool.close_all()

            plan, plan_row = _phase("plan", cell, lab, plan_phase, profiler)
            _check_plan(plan, n, r)
            progress(f"    plan  {plan_row['wall_s']:.2f} s, {plan_row['requests_per_host']:.1f} requests/host")

            journal = Journal(workdir / "state")

            def apply_phase() -> Any:
                pool = ConnectionPool(inventory)
                try:
                    return apply_plan(RunContext(inventory, catalog, pool, forks=forks), plan, journal, "bench apply")
                finally:
                    pool.close_all()

            try:
                result, apply_row = _phase("apply", cell, lab, apply_phase, profiler)
            finally:
                journal.close()
            bad = [h for h in result.hosts if h.outcome is not HostOutcome.APPLIED]
            if bad:
                raise RuntimeError(f"{len(bad)} host(s) not applied, first: {bad[0].host}: {bad[0].outcome.value} "
                                   f"{bad[0].message}")
            progress(f"    apply {apply_row['wall_s']:.2f} s, {apply_row['requests_per_host']:.1f} requests/host")
        finally:
            lab.stop()
    if profiler is not None:
        profiler.dump_stats(str(profile))
        notes.append(f"profiled with cProfile into {profile}: CPU figures include the profiler's overhead")
    for row in (plan_row, apply_row):
        row["notes"] = notes
    return [plan_row, apply_row]


def _check_plan(plan: Plan, hosts: int, resources: int) -> None:
    """A benchmark of a broken run measures nothing: every host must drift on every value."""
    errors = [h for h in plan.hosts if h.status is not HostStatus.DRIFT]
    if errors or len(plan.hosts) != hosts:
        first = errors[0] if errors else None
        raise RuntimeError(f"plan: {len(errors)} of {len(plan.hosts)} host(s) not as expected; first: "
                           f"{first.host if first else '-'} {first.status.value if first else ''} "
                           f"{first.error.message if first and first.error else ''}")
    if any(len(h.changes) != resources for h in plan.hosts):
        raise RuntimeError("plan: a host does not show every value as a change")
