"""What the trust-boundary guards of issue 12 cost, and what the attacks they stop cost now.

    python bench/trust_bounds.py                 # every case, each in a fresh interpreter
    python bench/trust_bounds.py -n 1000 -r 50   # plan re-check and rendering at 1000 hosts x 50 resources

Cases (wall time and the interpreter's peak RSS, ru_maxrss, for each):

- `yaml-bomb`: the attack's inventory of nested anchors, ten levels of ten (before: 40 s, 2.9 GB, MemoryError);
- `yaml-dense-4mib`: 4 MB of one-letter nodes, refused at the node bound (what the worst accepted parse costs);
- `yaml-10k-hosts`: an inventory of 10,000 hosts (what a large real file costs);
- `jinja-*`: the template attacks (before: `'a' * 300000000` 1.2 GB; nested ranges until memory ran out);
- `render-bounded` / `render-plain`: rendering a playbook of R registry values for N hosts (what `plan` does before
  it contacts anyone) with the bounded environment and with Jinja's plain immutable sandbox: the bound's overhead;
- `plan-recheck`: what `apply plan.json` now adds before contacting anyone (remediate/engine/plancheck.py):
  re-render and compare every drift item of N hosts x R resources.

Not part of the test suite: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

CASES: dict[str, str] = {
    "yaml-bomb": """
from remediate.yamlsrc import loads
lines = ['l0: &l0 [' + ', '.join(['lol'] * 10) + ']']
lines += [f'l{i}: &l{i} [' + ', '.join([f'*l{i - 1}'] * 10) + ']' for i in range(1, 10)]
try:
    loads('\\n'.join(lines) + '\\n', 'bomb.yaml')
except Exception as exc:
    note = str(exc)[:90]
""",
    "yaml-dense-4mib": """
from remediate.yamlsrc import loads
try:
    loads('x: [' + ','.join(['a'] * 2_000_000) + ']\\n', 'dense.yaml')  # 4 MB of one-letter nodes
except Exception as exc:
    note = str(exc)[:90]
""",
    "yaml-10k-hosts": """
from remediate.yamlsrc import loads
row = 'h{:05d}: {{connection: {{address: 10.0.0.1}}, vars: {{site: lab, rack: r1}}}}\\n'
text = ''.join(row.format(i) for i in range(10_000))
note = f'{len(text):,} bytes, {len(loads(text, "inventory.yaml").data):,} hosts'
""",
}
JINJA = {
    "jinja-multiply": "{{ 'a' * 300000000 }}",
    "jinja-nested-range": "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
    "jinja-doubling": "{% set ns = namespace(x='a') %}{% for i in range(60) %}{% set ns.x = ns.x ~ ns.x %}"
                      "{% endfor %}{{ ns.x }}",
    "jinja-macro-recursion": "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}",
    "jinja-format-width": "{{ '%0999999999d' | format(1) }}",
}
for _name, _text in JINJA.items():
    CASES[_name] = f"""
from remediate.playbook import render_string
from remediate.yamlsrc import LineMap
try:
    render_string({_text!r}, {{}}, LineMap('p.yaml'), ('rules', 0, 'resources', 0, 'data'), 'h1', 'r')
except Exception as exc:
    note = str(exc)[-90:]
"""

FLEET = """
import json, tempfile, time
from pathlib import Path
from remediate.inventory import load_inventory
from remediate.playbook import load_catalog
from remediate.engine.plan import targets, plan_item
from remediate.engine.model import HostPlan, HostStatus, Plan
N, R, MODE = {n}, {r}, {mode!r}
tmp = Path(tempfile.mkdtemp())
(tmp / 'inv.yaml').write_text('connection: {{scheme: https, user: a, password: {{env: X}}}}\\nhosts:\\n' +
    ''.join(f'  h{{i}}: {{{{connection: {{{{address: 10.0.{{i // 250}}.{{i % 250 + 1}}}}}}, vars: {{{{n: {{i}}}}}}}}}}\\n'
            for i in range(N)))
rule = {{'id': 'r', 'title': 't', 'cause': 'c', 'source': 's', 'resources': [
    {{'kind': 'registry_value', 'hive': 'HKLM', 'key': 'SOFTWARE\\\\Bench\\\\{{{{ inventory_hostname }}}}',
      'name': f'v{{j}}', 'type': 'REG_SZ', 'data': '{{{{ n }}}}-' + str(j)}} for j in range(R)]}}
(tmp / 'book.yaml').write_text(json.dumps({{'rules': [rule]}}))
inv, cat = load_inventory(tmp / 'inv.yaml'), load_catalog([tmp / 'book.yaml'])
hosts = sorted(inv.hosts)
if MODE == 'render-plain':
    import jinja2, remediate.playbook as pb
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    pb.ENV = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                                          keep_trailing_newline=True)
    pb._expression.cache_clear()
start = time.perf_counter()
found = targets(inv, cat, hosts)
if MODE == 'plan-recheck':
    from remediate.engine.plancheck import verify_plan_items
    plan = Plan(inventory=str(tmp / 'inv.yaml'), playbooks=cat.files, fingerprint='x', hosts=[
        HostPlan(host=t.host.name, endpoint='x', status=HostStatus.DRIFT, facts={{}},
                 items=[plan_item(res, {{'ok': True, 'value': {{'exists': False}}}}, True, {{}}) for res in t.resources])
        for t in found])
    start = time.perf_counter()
    verify_plan_items(plan, inv, cat, tmp / 'plan.json')
elapsed = time.perf_counter() - start
note = f'{{N}} hosts x {{R}} resources: {{elapsed:.2f}} s of it in the measured step'
"""

RUNNER = """
import resource, sys, time
note = ''
start = time.perf_counter()
{body}
print(f'{{time.perf_counter() - start:.2f}}\\t{{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}}\\t{{note}}')
"""


def run(name: str, body: str) -> None:
    code = RUNNER.format(body=body)
    began = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        print(f"{name:24} failed: {proc.stderr.strip().splitlines()[-1] if proc.stderr else proc.returncode}")
        return
    seconds, rss, note = proc.stdout.strip().split("\t", 2)
    print(f"{name:24} {float(seconds):7.2f} s {int(rss):6d} MB  {note}  (process {time.perf_counter() - began:.1f} s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--hosts", type=int, default=1000)
    parser.add_argument("-r", "--resources", type=int, default=20)
    parser.add_argument("--only", default=None, help="comma list of case names")
    args = parser.parse_args()
    cases = dict(CASES)
    for mode in ("render-bounded", "render-plain", "plan-recheck"):
        cases[mode] = FLEET.format(n=args.hosts, r=args.resources, mode=mode)
    wanted = args.only.split(",") if args.only else list(cases)
    print(f"{'case':24} {'time':>9} {'peak RSS':>9}  note")
    for name in wanted:
        run(name, cases[name])
    return 0


if __name__ == "__main__":
    sys.exit(main())
