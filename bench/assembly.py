"""What sending the agent assembled per request saves where the script runs (issue 17), under the lab's interpreter.

    python bench/assembly.py

One read request (facts + 10 registry.get), sent with the whole agent and with its assembly: statements to parse
(executable lines of the script), stdin bytes, and the lab's CPU per command (`SimHost.run_command` five times after
a first compile, median of `time.process_time`) on a Windows Server 2003 and a 2019 host. Prints numbers only.
"""

from __future__ import annotations

import statistics
import time

from remediate import agent
from remediate.lab.pwsh import coverage
from remediate.lab.host import SimHost
from remediate.lab.platforms import facts_for, platform_state

KEY = r"SOFTWARE\RemediateBench"
VALUES = 10
REQUEST = {"version": 1, "mode": "read", "ops": [{"id": "f", "op": "facts", "args": {}}] + [
    {"id": f"r{i}", "op": "registry.get", "args": {"hive": "HKLM", "key": KEY, "name": f"V{i:03d}"}}
    for i in range(VALUES)]}


def lab_host(platform: str) -> SimHost:
    host = SimHost(name="lab1", facts=facts_for(platform, "lab1", []))
    for domain, data in platform_state(platform).items():
        getattr(host, domain).load(data)
    host.registry.load({"HKLM": {KEY: {f"V{i:03d}": {"type": "REG_DWORD", "data": 0} for i in range(VALUES)}}})
    return host


def main() -> None:
    whole, assembly = agent.render_script(), agent.script_for(REQUEST)
    print(f"statements to parse: whole agent {len(coverage.executable_lines(whole))}, "
          f"assembly {len(coverage.executable_lines(assembly))}")
    command, arguments = agent.command_line()
    for assembled in (False, True):
        agent.ASSEMBLE_PER_REQUEST = assembled
        stdin = agent.build_stdin(REQUEST)
        for platform in ("win2003-ex2003", "win2019-ex2019"):
            host = lab_host(platform)
            host.run_command(command, arguments, stdin)  # the first compile, paid once per process and script
            times = []
            for _ in range(5):
                started = time.process_time()
                _, stderr, code = host.run_command(command, arguments, stdin)
                times.append(time.process_time() - started)
                if code != 0:
                    raise SystemExit(f"the agent failed: {stderr!r}")
            print(f"{'assembly' if assembled else 'whole agent':<12} {platform:<15} stdin {len(stdin):>6} bytes, "
                  f"lab CPU per command {statistics.median(times) * 1000:.0f} ms (median of 5)")


if __name__ == "__main__":
    main()
