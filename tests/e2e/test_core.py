"""The walking skeleton end to end: CLI -> engine -> real pywinrm -> HTTP -> lab WS-Management -> simulated host.

Nothing is patched. The lab counts HTTP requests and registry writes, so "read-only" and "one command per phase"
are asserted as counts.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

KEY = "SOFTWARE\\Remediate\\Test"
HOST = "ex1"


def reg(**values):  # {"Name": (type, data)} -> scenario registry for KEY
    return {"HKLM": {KEY: {name: {"type": t, "data": d} for name, (t, d) in values.items()}}}


DRIFTED = reg(Port=("REG_DWORD", 24), Banner=("REG_SZ", "old"), Legacy=("REG_SZ", "remove me"),
              Mixed=("REG_SZ", "2"))
DESIRED = [
    {"hive": "HKLM", "key": KEY, "name": "Port", "type": "REG_DWORD", "data": 25},
    {"hive": "HKLM", "key": KEY.lower(), "name": "banner", "type": "REG_SZ", "data": "220 ready"},
    {"hive": "HKLM", "key": KEY, "name": "Created", "type": "REG_MULTI_SZ", "data": ["a", "b"]},
    {"hive": "HKLM", "key": KEY, "name": "Legacy", "state": "absent"},
    {"hive": "HKLM", "key": KEY, "name": "Mixed", "type": "REG_DWORD", "data": "2"},
]


def test_plan_lists_changes_exits_2_and_writes_nothing(make_lab, cli, playbook):
    lab = make_lab({HOST: DRIFTED})
    book = playbook(DESIRED)
    before = lab.hosts[HOST].sim.registry.snapshot()
    code, plan = cli.json("plan", "-p", str(book))
    assert code == 2
    items = plan["hosts"][0]["items"]
    assert [i["status"] for i in items] == ["drift"] * 5
    assert [i["action"] for i in items] == ["update", "update", "create", "delete", "update"]
    assert items[4]["before"] == {"exists": True, "type": "REG_SZ", "data": "2"}
    assert items[0]["source"] == "KB 0" and items[0]["defined_at"]["line"]
    assert lab.hosts[HOST].sim.registry.snapshot() == before
    assert lab.total_writes() == 0
    code, out, _ = cli("plan", "-p", str(book))
    assert code == 2
    assert "REG_DWORD 24 -> REG_DWORD 25" in out and "(absent) -> REG_MULTI_SZ" in out


def test_apply_fixes_then_plan_is_clean_then_rollback_restores_exactly(make_lab, cli, playbook):
    lab = make_lab({HOST: DRIFTED})
    book = playbook(DESIRED)
    original = lab.hosts[HOST].sim.registry.snapshot()
    code, result = cli.json("apply", "-p", str(book), "--yes")
    assert code == 0, result
    assert result["hosts"][0]["outcome"] == "applied"
    run_id = result["run_id"]
    code, plan = cli.json("plan", "-p", str(book))
    assert code == 0 and all(i["status"] == "compliant" for i in plan["hosts"][0]["items"])

    code, undone = cli.json("rollback", run_id)
    assert code == 0, undone
    assert undone["hosts"][0]["outcome"] == "applied"
    # Old data *and* type back, the created value gone, the removed value recreated.
    assert lab.hosts[HOST].sim.registry.snapshot() == original
    code, history = cli.json("history")
    kinds = [r["kind"] for r in history["runs"]]
    assert kinds == ["rollback", "apply"]
    assert history["runs"][0]["parent_run"] == run_id


def test_request_count_does_not_grow_with_resources(make_lab, cli, playbook):
    lab = make_lab({HOST: {}})
    counts = []
    for n in (1, 50):
        book = playbook([{"hive": "HKLM", "key": KEY, "name": f"V{i}", "type": "REG_DWORD", "data": i}
                         for i in range(n)], rule_id=f"rule-{n}")
        lab.hosts[HOST].endpoint.counters.reset()
        code, _ = cli.json("plan", "-p", str(book))
        assert code == 2
        counts.append(lab.hosts[HOST].endpoint.counters.snapshot().requests)
    assert counts[0] == counts[1]
    # NTLM handshake (2 requests with pywinrm's encryption set-up) + Create, Command, Send, Receive, Delete.
    assert counts[0] <= 8, counts


def test_saved_plan_is_refused_as_stale_when_the_host_changed(make_lab, cli, playbook, tmp_path):
    lab = make_lab({HOST: DRIFTED})
    book = playbook(DESIRED)
    plan_file = tmp_path / "plan.json"
    code, _, _ = cli("plan", "-p", str(book), "-o", str(plan_file))
    assert code == 2
    saved = json.loads(plan_file.read_text())
    assert saved["format"] == "remediate.plan" and saved["version"] == 2
    sim = lab.hosts[HOST].sim
    sim.registry.load(reg(Port=("REG_DWORD", 587)))  # someone changes the host between plan and apply
    before = sim.registry.snapshot()
    writes = sim.registry.writes
    code, result = cli.json("apply", str(plan_file), "-p", str(book))
    assert code == 3
    assert result["hosts"][0]["outcome"] == "stale"
    assert "Port" in result["hosts"][0]["message"]
    assert sim.registry.snapshot() == before and sim.registry.writes == writes


def test_saved_plan_refused_when_playbook_changed(make_lab, cli, playbook, tmp_path):
    make_lab({HOST: DRIFTED})
    book = playbook(DESIRED)
    plan_file = tmp_path / "plan.json"
    cli("plan", "-p", str(book), "-o", str(plan_file))
    book.write_text(book.read_text().replace("220 ready", "220 hello"))
    code, _, err = cli("apply", str(plan_file), "-p", str(book))
    assert code == 3
    assert "out of date" in err and book.name in err


def test_failing_set_reverts_the_host_and_says_so(make_lab, cli, playbook, tmp_path):
    other = "SOFTWARE\\Remediate\\Locked"
    lab = make_lab({HOST: {"HKLM": {KEY: {"Port": {"type": "REG_DWORD", "data": 24}},
                                    other: {"X": {"type": "REG_SZ", "data": "old"}}}}})
    sim = lab.hosts[HOST].sim
    sim.registry.deny_write.add(other)
    original = sim.registry.snapshot()
    book = playbook([
        {"hive": "HKLM", "key": KEY, "name": "Port", "type": "REG_DWORD", "data": 25},
        {"hive": "HKLM", "key": KEY, "name": "New", "type": "REG_SZ", "data": "n"},
        {"hive": "HKLM", "key": other, "name": "X", "type": "REG_SZ", "data": "new"},
    ])
    code, result = cli.json("apply", "-p", str(book), "--yes")
    assert code == 1
    host = result["hosts"][0]
    assert host["outcome"] == "reverted"
    assert "reverted" in host["message"] and "Locked" in host["message"]
    assert [c["status"] for c in host["changes"]] == ["reverted", "reverted", "failed"]
    assert sim.registry.snapshot() == original
    db = sqlite3.connect(cli.state / "journal.sqlite")
    rows = db.execute("SELECT host, status, changes FROM hosts").fetchall()
    assert rows[0][0] == HOST and rows[0][1] == "reverted"
    assert len(json.loads(rows[0][2])) == 3  # the snapshot was journaled


HOSTILE = [
    "'; Remove-Item C:\\ -Recurse; '",
    '"; Stop-Computer -Force; "',
    "`$(Stop-Computer)`",
    "$(Get-Process)",
    "@(1,2); Invoke-Expression 'calc'",
    "a | Out-File C:\\pwned.txt",
    "x & calc.exe",
    "line1\nline2\r\nline3",
    "#> <# comment break",
    "'@\n\"@\nhere-string ends",
    "\u2018smart\u2019 \u201cquotes\u201d \u201equote\u201d",
    "Grüße, 東京, emoji 🎉",
    "${env:COMPUTERNAME}",
    "x" * 10000,
]


def test_hostile_strings_arrive_verbatim_and_nothing_else_runs(make_lab, cli, playbook):
    lab = make_lab({HOST: {}})
    resources = [{"hive": "HKLM", "key": KEY, "name": f"data{i}", "type": "REG_SZ", "data": s}
                 for i, s in enumerate(HOSTILE)]
    resources += [{"hive": "HKLM", "key": KEY, "name": s[:200], "type": "REG_DWORD", "data": i}
                  for i, s in enumerate(HOSTILE)]
    book = playbook(resources)
    code, result = cli.json("apply", "-p", str(book), "--yes")
    assert code == 0, result
    sim = lab.hosts[HOST].sim
    values = sim.registry.snapshot()["HKLM"]
    stored = next(v for k, v in values.items() if k.lower() == KEY.lower())
    by_name = {name.lower(): value for name, value in stored.items()}
    for i, s in enumerate(HOSTILE):
        assert by_name[f"data{i}"]["data"] == s
        assert by_name[s[:200].lower()]["data"] == i
    assert {op for op, _ in sim.op_log} <= {"facts", "registry.get", "registry.set"}


def test_unreachable_host_is_a_per_host_error_and_others_are_planned(make_lab, cli, playbook):
    lab = make_lab({"ex1": DRIFTED, "ex2": DRIFTED})
    book = playbook(DESIRED)
    dead_port = lab.hosts["ex2"].endpoint.port
    text = cli.inventory.read_text().replace(f"port: {dead_port}", "port: 9")
    cli.inventory.write_text(text)
    code, plan = cli.json("plan", "-p", str(book))
    assert code == 1
    by_host = {h["host"]: h for h in plan["hosts"]}
    assert by_host["ex1"]["status"] == "drift" and len(by_host["ex1"]["items"]) == 5
    assert by_host["ex2"]["status"] == "error"
    assert by_host["ex2"]["error"]["type"] == "unreachable"
    assert "connection refused" in by_host["ex2"]["error"]["message"]


def test_wrong_password_is_a_clear_per_host_error(make_lab, cli, playbook, monkeypatch):
    make_lab({HOST: DRIFTED})
    monkeypatch.setenv("REMEDIATE_LAB_PASSWORD", "wrong-password")
    code, plan = cli.json("plan", "-p", str(playbook(DESIRED)))
    assert code == 1
    error = plan["hosts"][0]["error"]
    assert error["type"] == "authentication" and "401" in error["message"]
    assert "wrong-password" not in json.dumps(plan)


@pytest.mark.parametrize("https", [False, True], ids=["ntlm-encrypted-http", "ntlm-https-validated"])
def test_transports(make_lab, cli, playbook, https):
    make_lab({HOST: DRIFTED}, https=https)
    code, result = cli.json("apply", "-p", str(playbook(DESIRED)), "--yes")
    assert code == 0 and result["hosts"][0]["outcome"] == "applied"


def test_rule_that_does_not_apply_needs_no_variables(make_lab, cli, write):
    """A rule for another platform must not demand that platform's variables from this host."""
    make_lab({HOST: {}}, platform="win2019-ex2019")
    book = write("book.yaml", f"""\
rules:
  - id: only-on-2003
    title: t
    cause: c
    source: KB 1
    when: "facts.exchange_version.startswith('6.')"
    resources:
      - kind: registry_value
        hive: HKLM
        key: '{{{{ ex2003_only_key }}}}'
        type: REG_SZ
        data: x
  - id: everywhere-with-when
    title: t
    cause: c
    source: KB 2
    when: "facts.exchange_version.startswith('15.')"
    resources:
      - kind: registry_value
        hive: HKLM
        key: {KEY}
        name: V
        type: REG_SZ
        data: '{{{{ not_set_anywhere }}}}'
""")
    code, plan = cli.json("plan", "-p", str(book))
    assert code == 1
    items = {i["rule_id"]: i for i in plan["hosts"][0]["items"]}
    assert items["only-on-2003"]["status"] == "not_applicable"
    assert items["everywhere-with-when"]["status"] == "error"
    assert "book.yaml:24" in items["everywhere-with-when"]["error"]
    assert "undefined variable 'not_set_anywhere' (rule everywhere-with-when)" in items["everywhere-with-when"]["error"]
    assert "under hosts.ex1.vars" in items["everywhere-with-when"]["error"]
