"""The team journal in PostgreSQL: the same contract as SQLite, and runs from several machines at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

KEY = "SOFTWARE\\Remediate\\Team"
START = {"HKLM": {KEY: {"Port": {"type": "REG_DWORD", "data": 24}}}}
DESIRED = [{"hive": "HKLM", "key": KEY, "name": "Port", "type": "REG_DWORD", "data": 25}]


def test_apply_history_rollback_through_postgresql(make_lab: Any, cli: Any, playbook: Any, pg_journal: str) -> None:
    lab = make_lab({"h1": START})
    sim = lab.hosts["h1"].sim
    original = sim.registry.snapshot()
    code, result = cli.json("apply", "-p", str(playbook(DESIRED)), "--yes")
    assert code == 0
    assert not (cli.state / "journal.sqlite").exists()  # the team journal, not the local one
    code, history = cli.json("history")
    assert history["runs"][0]["run_id"] == result["run_id"] and history["runs"][0]["status"] == "finished"
    code, undone = cli.json("rollback", result["run_id"])
    assert code == 0 and sim.registry.snapshot() == original


def test_a_postgresql_journal_needs_the_team_key_and_no_password_in_the_inventory(
        make_lab: Any, cli: Any, playbook: Any, pg_journal: str, monkeypatch: pytest.MonkeyPatch) -> None:
    make_lab({"h1": START})
    monkeypatch.delenv("REMEDIATE_JOURNAL_KEY")
    code, _, err = cli("history")
    assert code == 1 and "REMEDIATE_JOURNAL_KEY" in err and "never stored in the database" in err
    text = cli.inventory.read_text()
    cli.inventory.write_text("journal: postgresql://remediate:hunter2secret@127.0.0.1/x\n" + text)
    code, _, err = cli("plan", "-p", str(playbook(DESIRED)))
    assert code == 1 and "must not be written in the inventory" in err and "hunter2secret" not in err


def test_the_schema_is_versioned_and_a_newer_one_is_refused(pg_journal: str, postgres_server: Any) -> None:
    import psycopg

    from remediate.errors import RemediateError
    from remediate.journal import open_journal
    from remediate.journal.postgres import VERSION

    journal = open_journal(Path("/nonexistent"))
    journal.close()
    with psycopg.connect(pg_journal, password=postgres_server.password, autocommit=True) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM remediate.schema_version ORDER BY version")]
        assert versions == list(range(1, VERSION + 1))
        conn.execute("INSERT INTO remediate.schema_version (version, tool_version) VALUES (%s, 'future')",
                     (VERSION + 1,))
    with pytest.raises(RemediateError, match="newer than this remediate understands"):
        open_journal(Path("/nonexistent"))


def test_two_runners_on_disjoint_hosts_at_once_and_a_third_sees_both(
        make_lab: Any, cli: Any, playbook: Any, pg_journal: str, tmp_path: Path) -> None:
    """Two `remediate apply` processes (two workstations' worth) against one fresh PostgreSQL journal, at the same
    time; both open (and migrate) it at once, each applies its own hosts. A third process's `history` shows both
    runs finished with every host applied, and each can be rolled back from there."""
    hosts = ["a1", "a2", "b1", "b2"]
    lab = make_lab({h: START for h in hosts})
    for host in lab.hosts.values():
        host.endpoint.faults.latency = 0.05  # long enough that the two runs overlap
    book = playbook(DESIRED)
    env = dict(os.environ)

    def runner(limit: str, name: str) -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-m", "remediate", "apply", "-p", str(book), "-i", str(cli.inventory), "--limit",
                limit, "--yes", "--json", "--progress", "none", "--state-dir", str(tmp_path / name)]
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)

    first, second = runner("a*", "ws1"), runner("b*", "ws2")
    results = []
    for proc in (first, second):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        results.append(json.loads(out))
    for host in lab.hosts.values():
        host.endpoint.faults.latency = 0.0
    assert all(h.sim.registry.snapshot()["HKLM"][KEY]["Port"]["data"] == 25 for h in lab.hosts.values())

    third = subprocess.run([sys.executable, "-m", "remediate", "history", "--json", "--state-dir",
                            str(tmp_path / "ws3")], capture_output=True, env=env, timeout=60)
    assert third.returncode == 0, third.stderr.decode()
    runs = {r["run_id"]: r for r in json.loads(third.stdout)["runs"]}
    for result, prefix in zip(results, ("a", "b")):
        run = runs[result["run_id"]]
        assert run["status"] == "finished" and run["finished_at"]
        assert {h["host"]: h["status"] for h in run["hosts"]} == {f"{prefix}1": "applied", f"{prefix}2": "applied"}
        assert all(h["integrity"] is None for h in run["hosts"])
    # Both started before either finished: they really ran at the same time.
    a, b = (runs[r["run_id"]] for r in results)
    assert a["started_at"] <= b["finished_at"] and b["started_at"] <= a["finished_at"]
    for result in results:
        code, undone = cli.json("rollback", result["run_id"])
        assert code == 0, undone
    assert all(h.sim.registry.snapshot()["HKLM"][KEY]["Port"]["data"] == 24 for h in lab.hosts.values())


def test_an_edited_postgresql_row_pointing_at_runonce_is_refused_and_nothing_is_written(
        make_lab: Any, cli: Any, playbook: Any, pg_journal: str, postgres_server: Any) -> None:
    """Issue 12, finding 2, against the team journal: whoever can write the database (but does not hold the team
    key) edits a host row to name RunOnce\\Implant; rollback refuses the run, names the host, writes nothing."""
    import psycopg

    implant_key = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce"
    lab = make_lab({"h1": START})
    sim = lab.hosts["h1"].sim
    code, result = cli.json("apply", "-p", str(playbook(DESIRED)), "--yes")
    assert code == 0 and result["hosts"][0]["outcome"] == "applied", result
    with psycopg.connect(pg_journal, password=postgres_server.password, autocommit=True) as conn:
        (text,) = conn.execute("SELECT changes FROM remediate.hosts WHERE run_id = %s AND host = 'h1'",
                               (result["run_id"],)).fetchone()
        changes = json.loads(text)
        changes[0].update(identity={"hive": "HKLM", "key": implant_key, "name": "Implant"},
                          before={"exists": True, "type": "REG_SZ", "data": "C:\\evil\\implant.exe"},
                          after={"exists": False}, description="HKLM\\...\\RunOnce\\Implant")
        conn.execute("UPDATE remediate.hosts SET changes = %s WHERE run_id = %s AND host = 'h1'",
                     (json.dumps(changes), result["run_id"]))
    writes = sim.writes
    code, out, err = cli("rollback", result["run_id"])
    assert code == 3, (out, err)
    assert "integrity" in err and "h1" in err and "nothing was written" in err
    assert sim.writes == writes
    assert implant_key not in sim.registry.snapshot().get("HKLM", {})
