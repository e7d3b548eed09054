"""What an administrator meets at the edges of apply: no terminal to confirm on, a refused login, output piped or
in a narrow terminal. Each test is one finding of issue 14 ("Field-ready"), run against the lab."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

KEY = "SOFTWARE\\Remediate\\Output"
START = {"HKLM": {KEY: {"Port": {"type": "REG_DWORD", "data": 24}}}}
DESIRED = [{"hive": "HKLM", "key": KEY, "name": "Port", "type": "REG_DWORD", "data": 25}]
RUN_ID = re.compile(r"\b\d{8}T\d{6}Z-[0-9a-f]{6}\b")
BOX = re.compile("[\u2500-\u257f]")  # box-drawing characters: a table


def test_apply_without_yes_and_without_a_terminal_refuses_before_reading_any_host(
        make_lab: Any, cli: Any, playbook: Any, tmp_path: Path) -> None:
    lab = make_lab({"ex1": START})
    endpoint = lab.hosts["ex1"].endpoint
    endpoint.counters.reset()
    proc = subprocess.run([sys.executable, "-m", "remediate", "apply", "-p", str(playbook(DESIRED)),
                           "-i", str(cli.inventory), "--state-dir", str(cli.state)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert proc.returncode == 1, proc
    assert proc.stderr.startswith("error: apply asks for confirmation"), proc.stderr
    assert "--yes" in proc.stderr and "aborted" not in proc.stderr + proc.stdout
    assert endpoint.counters.snapshot().requests == 0  # not even the plan's read was wasted
    assert lab.hosts["ex1"].sim.writes == 0


def test_apply_yes_after_a_refused_login_does_not_say_nothing_to_change(
        make_lab: Any, cli: Any, playbook: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    make_lab({"ex1": START})
    monkeypatch.setenv("REMEDIATE_LAB_PASSWORD", "wrong-password")
    code, out, err = cli("apply", "-p", str(playbook(DESIRED)), "--yes")
    assert code == 1, (out, err)
    assert "Nothing to change" not in out
    assert "Nothing applied: 1 of 1 host(s) could not be planned (ex1; see above)" in out
    assert "authentication" in out


def test_piped_output_has_no_tables_and_run_ids_are_whole(make_lab: Any, cli: Any, playbook: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    make_lab({f"exchange-server-{n:02d}.mail.contoso.example": START for n in range(3)})
    book = str(playbook(DESIRED))
    code, out, _ = cli("apply", "-p", book, "--yes")  # stdout is captured: not a terminal
    assert code == 0
    assert not BOX.search(out), out
    (run_id,) = set(RUN_ID.findall(out))
    assert f"apply run {run_id}: 3 changed of 3 host(s)." in out
    code, out, _ = cli("history")
    assert code == 0 and not BOX.search(out)
    assert any(line.startswith(f"{run_id} apply finished") for line in out.splitlines()), out
    code, out, _ = cli("history", run_id)
    assert code == 0 and not BOX.search(out) and out.startswith(f"{run_id} apply, finished"), out


def test_tables_in_a_narrow_terminal_never_wrap_ids(make_lab: Any, cli: Any, playbook: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    hosts = [f"exchange-server-{n:02d}.mail.contoso.example" for n in range(2)]
    make_lab({name: START for name in hosts})
    code, out, _ = cli("apply", "-p", str(playbook(DESIRED)), "--yes", "--format", "table")
    assert code == 0 and BOX.search(out)
    (run_id,) = set(RUN_ID.findall(out))
    assert all(name in out for name in hosts)  # each on one line of the table
    code, out, _ = cli("history", "--format", "table")
    assert code == 0 and BOX.search(out)
    assert run_id in out


def test_tsv_is_one_header_and_one_row_per_host(make_lab: Any, cli: Any, playbook: Any) -> None:
    make_lab({"ex1": START, "ex2": START})
    book = str(playbook(DESIRED))
    code, out, err = cli("plan", "-p", book, "--format", "tsv")
    assert code == 2, err
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows[0][:4] == ["host", "host_status", "status", "rule_id"]
    assert {(r[0], r[2]) for r in rows[1:]} == {("ex1", "drift"), ("ex2", "drift")}
    code, out, err = cli("apply", "-p", book, "--yes", "--format", "tsv")
    assert code == 0, err
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows[0] == ["run_id", "kind", "host", "outcome", "changes", "message"]
    assert [r[2:4] for r in rows[1:]] == [["ex1", "applied"], ["ex2", "applied"]]
    assert RUN_ID.fullmatch(rows[1][0]) and "apply run" in err  # the summary goes to stderr
