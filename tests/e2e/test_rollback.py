"""Rollback that always has a way back: per resource, every value restored or named, journal rows trusted only when
their integrity code verifies, runs that travel. Through the real CLI, pywinrm and the lab."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from remediate.lab.fleet import Lab

KEY = "SOFTWARE\\Remediate\\Rollback"
HOST = "ex1"
START = {"HKLM": {KEY: {"Port": {"type": "REG_DWORD", "data": 24}, "Banner": {"type": "REG_SZ", "data": "old"}}}}
DESIRED = [
    {"hive": "HKLM", "key": KEY, "name": "Port", "type": "REG_DWORD", "data": 25},
    {"hive": "HKLM", "key": KEY, "name": "Banner", "type": "REG_SZ", "data": "220 ready"},
    {"hive": "HKLM", "key": KEY, "name": "Created", "type": "REG_SZ", "data": "new"},
]
IMPLANT_KEY = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce"


def value(sim: Any, name: str, key: str = KEY) -> Any:
    return sim.registry.snapshot().get("HKLM", {}).get(key, {}).get(name)


@pytest.fixture
def applied(make_lab: Any, cli: Any, playbook: Any) -> tuple[Any, dict[str, Any], Any]:
    lab = make_lab({HOST: START})
    sim = lab.hosts[HOST].sim
    original = sim.registry.snapshot()
    code, result = cli.json("apply", "-p", str(playbook(DESIRED)), "--yes")
    assert code == 0 and result["hosts"][0]["outcome"] == "applied", result
    return sim, result, original


# ------------------------------------------------------------------------------------- the journal is not trusted

def test_an_edited_journal_row_pointing_at_runonce_is_refused_and_nothing_is_written(applied: Any, cli: Any) -> None:
    """Issue 12, finding 2: a row edited to name RunOnce\\Implant made rollback write it (exit 0)."""
    sim, result, _ = applied
    db = sqlite3.connect(cli.state / "journal.sqlite")
    (changes_text,) = db.execute("SELECT changes FROM hosts WHERE run_id = ?", (result["run_id"],)).fetchone()
    changes = json.loads(changes_text)
    changes[0].update(identity={"hive": "HKLM", "key": IMPLANT_KEY, "name": "Implant"},
                      before={"exists": True, "type": "REG_SZ", "data": "C:\\evil\\implant.exe"},
                      after={"exists": False}, description="HKLM\\...\\RunOnce\\Implant")
    db.execute("UPDATE hosts SET changes = ? WHERE run_id = ?", (json.dumps(changes), result["run_id"]))
    db.commit()
    db.close()
    writes = sim.writes
    code, out, err = cli("rollback", result["run_id"])
    assert code == 3, (out, err)
    assert "integrity" in err and HOST in err and "nothing was written" in err
    assert sim.writes == writes and value(sim, "Implant", IMPLANT_KEY) is None
    assert value(sim, "Port") == {"type": "REG_DWORD", "data": 25}  # nothing restored either: the row is untrusted


def test_a_row_sealed_for_another_host_or_run_is_refused(applied: Any, cli: Any, make_lab: Any) -> None:
    sim, result, _ = applied
    db = sqlite3.connect(cli.state / "journal.sqlite")
    db.execute("UPDATE hosts SET run_id = run_id WHERE 0")  # the schema is readable as documented
    db.execute("UPDATE hosts SET host = 'other' WHERE run_id = ?", (result["run_id"],))
    db.commit()
    db.close()
    code, _, err = cli("rollback", result["run_id"], "--host", "other")
    assert code == 3 and "does not match its content" in err


def test_the_journal_its_key_and_folder_are_private(applied: Any, cli: Any) -> None:
    for name in ("journal.sqlite", "journal.key"):
        assert stat.S_IMODE(os.stat(cli.state / name).st_mode) == 0o600, name
    assert stat.S_IMODE(os.stat(cli.state).st_mode) == 0o700
    os.chmod(cli.state, 0o777)
    code, _, err = cli("history")
    assert code == 1 and "writable by group and others" in err and "chmod 700" in err
    os.chmod(cli.state, 0o700)
    os.chmod(cli.state / "journal.key", 0o644)  # a key others could read may have been copied: refused
    code, _, err = cli("history")
    assert code == 1 and "journal.key is readable by others" in err


def test_a_journal_from_before_integrity_codes_is_migrated_and_sealed(make_lab: Any, cli: Any, playbook: Any) -> None:
    """An unversioned journal (version 0, as remediate wrote it before) is brought up to date on first open; its
    rows are sealed as they stand, so its runs can still be rolled back."""
    lab = make_lab({HOST: START})
    sim = lab.hosts[HOST].sim
    original = sim.registry.snapshot()
    code, result = cli.json("apply", "-p", str(playbook(DESIRED)), "--yes")
    assert code == 0
    # Make the journal what the old code left: the old schema, no codes, user_version 0, no key file.
    path = cli.state / "journal.sqlite"
    db = sqlite3.connect(path)
    rows = db.execute("SELECT run_id, kind, parent_run, started_at, finished_at, status, user_name, workstation, pid, "
                      "command, reason FROM runs").fetchall()
    hosts = db.execute("SELECT run_id, host, status, changes, result, updated_at FROM hosts").fetchall()
    db.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    (cli.state / "journal.key").unlink()
    db = sqlite3.connect(path)
    from remediate.journal.sqlite import _V1

    db.executescript(_V1)
    db.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.executemany("INSERT INTO hosts VALUES (?, ?, ?, ?, ?, ?)", hosts)
    db.commit()
    db.close()
    os.chmod(path, 0o644)  # as the old code created it

    code, undone = cli.json("rollback", result["run_id"])
    assert code == 0 and undone["hosts"][0]["outcome"] == "applied", undone
    assert sim.registry.snapshot() == original
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # tightened
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2


# ------------------------------------------------------------------------------------------ resource by resource

def test_a_value_changed_since_is_named_and_the_others_are_restored(applied: Any, cli: Any) -> None:
    sim, result, original = applied
    sim.registry.set("HKLM", KEY, "Banner", "REG_SZ", "220 someone else")
    code, out, _ = cli("rollback", result["run_id"])
    assert code == 4, out  # partly restored
    assert value(sim, "Port") == {"type": "REG_DWORD", "data": 24} and value(sim, "Created") is None
    assert value(sim, "Banner") == {"type": "REG_SZ", "data": "220 someone else"}  # left as it is
    flat = " ".join(out.split())
    assert "partly restored" in flat
    assert "Banner: not restored: changed by someone else since the run" in flat
    assert 'set it to REG_SZ "old"' in flat

    code, rolled = cli.json("history", result["run_id"])
    code, history = cli.json("history")
    rollback = history["runs"][0]
    assert rollback["kind"] == "rollback" and rollback["hosts"][0]["status"] == "partly_restored"


def test_atomic_refuses_the_host_untouched(applied: Any, cli: Any) -> None:
    sim, result, _ = applied
    sim.registry.set("HKLM", KEY, "Banner", "REG_SZ", "220 someone else")
    writes = sim.writes
    code, undone = cli.json("rollback", result["run_id"], "--atomic")
    assert code == 3 and undone["hosts"][0]["outcome"] == "stale", undone
    assert "--atomic" in undone["hosts"][0]["message"] and sim.writes == writes
    assert value(sim, "Port") == {"type": "REG_DWORD", "data": 25}


def test_a_restore_the_host_refuses_is_named_and_the_rest_restored(applied: Any, cli: Any) -> None:
    """The failing write is reverted by the agent with the command's other writes; they are then sent again
    without it, one more command."""
    sim, result, _ = applied
    sim.fail_ops.add("registry.remove")  # Created cannot be removed again
    code, undone = cli.json("rollback", result["run_id"])
    assert code == 4, undone
    host = undone["hosts"][0]
    assert host["outcome"] == "partly_restored"
    statuses = {c["description"].rsplit("\\", 1)[-1]: c["status"] for c in host["changes"]}
    assert statuses == {"Port": "restored", "Banner": "restored", "Created": "not_restored"}, host
    assert value(sim, "Port") == {"type": "REG_DWORD", "data": 24}
    assert value(sim, "Banner") == {"type": "REG_SZ", "data": "old"}
    assert value(sim, "Created") == {"type": "REG_SZ", "data": "new"}
    # Once the host takes it, a second rollback of the same run finishes the job.
    sim.fail_ops.clear()
    code, again = cli.json("rollback", result["run_id"])
    assert code == 0 and again["hosts"][0]["outcome"] == "applied", again


def test_rollback_of_a_rollback_and_history_in_words(applied: Any, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    sim, result, original = applied
    fixed = sim.registry.snapshot()
    code, undone = cli.json("rollback", result["run_id"])
    assert code == 0 and sim.registry.snapshot() == original
    code, redone = cli.json("rollback", undone["run_id"])
    assert code == 0 and redone["hosts"][0]["outcome"] == "applied", redone
    assert sim.registry.snapshot() == fixed

    code, out, _ = cli("history")
    assert code == 0
    assert f"{HOST}: applied; rolled back by {undone['run_id']} (restored)" in out
    assert f"{HOST}: restored; rollback undone by {redone['run_id']} (restored)" in out
    code, out, _ = cli("history", result["run_id"])
    assert code == 0
    lines = [line for line in out.splitlines() if "(rule test-rule)" in line]
    assert len(lines) == 3 and all(line.rstrip().endswith(": applied") for line in lines), out
    assert f"rolled back by: {undone['run_id']}" in out
    code, out, _ = cli("history", undone["run_id"])
    lines = [line for line in out.splitlines() if "(rule test-rule)" in line]
    assert len(lines) == 3 and all(line.rstrip().endswith(": restored") for line in lines), out


# --------------------------------------------------------------------------------------------- runs that travel

def test_export_then_rollback_from_the_file_on_another_runner(make_lab: Any, cli: Any, playbook: Any,
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMEDIATE_JOURNAL_KEY", "ci-secret-" + "k" * 40)  # the CI's secret, on both runners
    lab = make_lab({HOST: START})
    sim = lab.hosts[HOST].sim
    original = sim.registry.snapshot()
    code, result = cli.json("apply", "-p", str(playbook(DESIRED)), "--yes")
    assert code == 0
    export = tmp_path / "run.json"
    code, _, err = cli("history", "export", result["run_id"], "-o", str(export))
    assert code == 0 and export.exists(), err
    assert stat.S_IMODE(os.stat(export).st_mode) == 0o600
    document = json.loads(export.read_text())
    assert document["format"] == "remediate.run-export" and len(document["run"]["hosts"][0]["changes"]) == 3

    # Another runner: an empty state directory.
    cli.state = tmp_path / "runner-2"
    code, undone = cli.json("rollback", "--from", str(export))
    assert code == 0 and undone["hosts"][0]["outcome"] == "applied", undone
    assert sim.registry.snapshot() == original
    code, history = cli.json("history")
    assert [r["kind"] for r in history["runs"]] == ["rollback", "apply"]

    # Without the shared key the rows cannot be trusted: refused, naming the key.
    code, result = cli.json("apply", "-p", str(playbook(DESIRED)), "--yes")
    code, _, err = cli("history", "export", result["run_id"], "-o", str(export))
    monkeypatch.delenv("REMEDIATE_JOURNAL_KEY")
    cli.state = tmp_path / "runner-3"
    writes = sim.writes
    code, _, err = cli("rollback", "--from", str(export))
    assert code == 3 and "another journal key" in err and sim.writes == writes


def test_a_tampered_export_is_refused(applied: Any, cli: Any, tmp_path: Path) -> None:
    sim, result, _ = applied
    export = tmp_path / "run.json"
    assert cli("history", "export", result["run_id"], "-o", str(export))[0] == 0
    document = json.loads(export.read_text())
    document["run"]["hosts"][0]["changes"][0]["identity"]["key"] = IMPLANT_KEY
    export.write_text(json.dumps(document))
    cli.state = cli.state  # the same runner and key: only the content changed
    (cli.state / "journal.sqlite").unlink()  # so the file, not the journal's copy, is used
    for suffix in ("-wal", "-shm"):
        Path(f"{cli.state / 'journal.sqlite'}{suffix}").unlink(missing_ok=True)
    code, _, err = cli("rollback", "--from", str(export))
    assert code == 3 and "does not match its content" in err


# ---------------------------------------------------------------------------------- the all-causes scenario

def _state(lab: Lab) -> dict[str, Any]:
    """Every host's settings (not its clock, event log and queues) and every router's configuration. Registry keys
    left empty are dropped: remediate never deletes keys, so removing a value the run created can leave its
    (empty) key behind, as registry_value documents."""
    domains = [d for d in lab.hosts[next(iter(lab.hosts))].sim.state_domains() if d != "mail"]
    out: dict[str, Any] = {name: {d: getattr(h.sim, d).snapshot() for d in domains} for name, h in lab.hosts.items()}
    for host in out.values():
        host["registry"] = {hive: {k: v for k, v in keys.items() if v} for hive, keys in host["registry"].items()}
        host["registry"] = {hive: keys for hive, keys in host["registry"].items() if keys}
    out.update({name: r.snapshot() for name, r in lab.routers.items()})
    return out


def test_all_causes_apply_then_rollback_restores_every_value_on_every_host(cli: Any, lab_password: str) -> None:
    with Lab.from_scenario("all-causes", password=lab_password) as lab:
        lab.write_inventory(cli.inventory)
        original = _state(lab)
        plan_file = cli.tmp / "plan.json"
        code, _, err = cli("plan", "-o", str(plan_file))
        assert code == 2, err
        plan = json.loads(plan_file.read_text())
        marked = {h["host"] for h in plan["hosts"] for i in h["items"] if i.get("irreversible")}
        assert marked == {"ex2013-banner", "ex2013-all", "ex2019-banner", "ex2019-all"}, marked
        code, _, err = cli("apply", str(plan_file), "--yes")
        assert code == 3 and "--accept-irreversible" in err
        assert _state(lab) == original
        code, result = cli.json("apply", str(plan_file), "--yes", "--accept-irreversible")
        assert code == 0, [h for h in result["hosts"] if h["outcome"] != "applied"]
        changed = {h["host"] for h in result["hosts"] if h["outcome"] == "applied"}
        assert len(changed) == 22
        assert _state(lab) != original
        code, undone = cli.json("rollback", result["run_id"])
        assert code == 0, [h for h in undone["hosts"] if h["outcome"] != "applied"]
        assert {h["host"] for h in undone["hosts"]} == changed
        assert all(c["status"] == "restored" for h in undone["hosts"] for c in h["changes"])
        # Exchange 2003 copies AD into the metabase (DS2MB) before the host's next command: read once more.
        assert cli("plan", "-o", str(cli.tmp / "again.json"))[0] == 2
        after = _state(lab)
        assert {n for n in original if after[n] != original[n]} == set()
