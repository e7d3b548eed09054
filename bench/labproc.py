"""The lab side of the fleet benchmark: a child process that serves N simulated hosts and reports on request.

It runs in its own process so that its CPU (NTLM acceptor, sealing, XML, the simulated agent) is never counted as
the runner's: the runner's CPU is `time.process_time()` of the parent, the lab's is `getrusage(RUSAGE_SELF)` here.

Protocol over a `multiprocessing` pipe, one tuple per message (all plain data):

- child -> parent, once started: ("ready", inventory dict, None) or ("error", message, None);
- parent -> child: ("latency", seconds)   sets `faults.latency` on every host endpoint, answers ("ok",);
                   ("reset",)             zeroes every host's counters and the CPU baseline, answers ("ok",);
                   ("report",)            answers ("report", dict) with per-host request/byte counts (sum, min,
                                          max), lab CPU seconds since the last reset, lab peak RSS, writes;
                   ("stop",)              stops the lab and exits.
"""

from __future__ import annotations

import resource
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

BENCH_KEY = r"SOFTWARE\RemediateBench"
BENCH_PLATFORM = "win2019-ex2019"


def value_name(index: int) -> str:
    return f"Setting{index:03d}"


def host_name(index: int) -> str:
    return f"bench{index:04d}"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def serve(pipe: Connection, hosts: int, resources: int, https: bool, auth: str, tls_dir: str | None,
          password: str, krb_dir: str | None = None) -> None:
    """Entry point of the lab process (a `multiprocessing` target; spawn-safe, plain arguments only)."""
    from remediate.lab.fleet import HostScenario, Lab, Scenario
    from remediate.lab.kdc import KdcRealm

    realm = None
    try:
        if krb_dir is not None:
            realm = KdcRealm(Path(krb_dir)).start()  # a real MIT KDC beside the lab, stopped with it
        # Every value exists with 0 and every rule wants 1: each host drifts on all R values, so apply writes R.
        registry = {"HKLM": {BENCH_KEY: {value_name(i): {"type": "REG_DWORD", "data": 0}
                                         for i in range(resources)}}}
        scenario = Scenario("bench", f"{hosts} hosts x {resources} registry values", [
            HostScenario(host_name(i), BENCH_PLATFORM, [], {}, {"registry": registry}) for i in range(hosts)])
        lab = Lab(scenario, auth=auth, https=https, tls_dir=Path(tls_dir) if tls_dir else None,
                  password=password, kerberos=realm).start()
    except BaseException:  # noqa: BLE001 - the parent must hear why instead of waiting forever
        if realm is not None:
            realm.stop()
        pipe.send(("error", traceback.format_exc(), None))
        return
    endpoints = [h.endpoint for h in lab.hosts.values()]
    pipe.send(("ready", lab.inventory(), None))
    baseline = _cpu()
    try:
        while True:
            message = pipe.recv()
            if message[0] == "latency":
                for endpoint in endpoints:
                    endpoint.faults.latency = float(message[1])
                pipe.send(("ok",))
            elif message[0] == "reset":
                for endpoint in endpoints:
                    endpoint.counters.reset()
                baseline = _cpu()
                pipe.send(("ok",))
            elif message[0] == "report":
                pipe.send(("report", _report(lab, endpoints, _cpu() - baseline)))
            elif message[0] == "stop":
                break
    finally:
        lab.stop()
        if realm is not None:
            realm.stop()


def _report(lab: Any, endpoints: list[Any], cpu: float) -> dict[str, Any]:
    snaps = [e.counters.snapshot() for e in endpoints]
    requests = [s.requests for s in snaps]
    return {
        "requests": sum(requests), "requests_min": min(requests), "requests_max": max(requests),
        "bytes_in": sum(s.bytes_in for s in snaps), "bytes_out": sum(s.bytes_out for s in snaps),
        "bytes_in_min": min(s.bytes_in for s in snaps), "bytes_in_max": max(s.bytes_in for s in snaps),
        "auth_failures": sum(s.auth_failures for s in snaps), "faults": sum(s.faults for s in snaps),
        "handler_errors": sum(len(e.handler_errors) for e in endpoints),
        "lab_cpu_s": cpu,
        "lab_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "writes": lab.total_writes(),
    }
