"""Files on disk as a trust boundary (issue 12, findings 2 and 7): every file the tool writes is 0600 whatever the
umask, a planted symlink is never followed, an existing file is narrowed to 0600 before it is written, and a state
folder others can write (or another user owns) is refused with a clear error, before anything is written in it.
Through the real CLI; the lab's `serve` as a real subprocess."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes and symlinks")

KEY = "SOFTWARE\\Remediate\\Files"
START = {"HKLM": {KEY: {"Port": {"type": "REG_DWORD", "data": 24}}}}
DESIRED = [{"hive": "HKLM", "key": KEY, "name": "Port", "type": "REG_DWORD", "data": 25}]


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """umask 000: what a careless login profile or a CI runner may give; the tool's modes must not depend on it."""
    old = os.umask(0)
    yield
    os.umask(old)


def plant_symlink(path: Path, victim: Path) -> None:
    victim.write_text("precious\n")
    os.chmod(victim, 0o644)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(victim)


def test_every_file_of_a_cycle_is_0600_and_the_state_folder_0700(make_lab: Any, cli: Any, playbook: Any,
                                                                 tmp_path: Path, open_umask: None) -> None:
    make_lab({"ex1": START})
    book = playbook(DESIRED)
    plan_file, trace, reports = tmp_path / "plan.json", tmp_path / "wire.log", tmp_path / "reports"
    code, out, err = cli("--debug-log", str(trace), "plan", "-p", str(book), "-o", str(plan_file), "-i",
                         str(cli.inventory))
    assert code == 2, err
    code, out, err = cli("check", "-p", str(book), *(f"--report={f}={reports / ('r.' + f)}"
                                                    for f in ("junit", "sarif", "json", "html")))
    assert code == 2, err
    code, out, err = cli("apply", str(plan_file), "-p", str(book), "--yes")
    assert code == 0, err
    written = [plan_file, trace, *sorted(reports.iterdir()), cli.inventory]
    journal = sorted(cli.state.iterdir())
    assert {p.name for p in journal} >= {"journal.sqlite"}
    assert {str(p): oct(mode(p)) for p in written + journal} == {str(p): oct(0o600) for p in written + journal}
    assert mode(cli.state) == 0o700


@pytest.mark.parametrize("folder_mode", [0o777, 0o775, 0o757])
def test_a_state_folder_others_can_write_is_refused_before_anything_is_written(cli: Any, tmp_path: Path,
                                                                              folder_mode: int) -> None:
    cli.state.mkdir()
    os.chmod(cli.state, folder_mode)
    code, out, err = cli("history")
    assert code == 1
    assert err.startswith(f"error: state folder {cli.state}: writable by ")
    assert f"(mode {folder_mode:04o})" in err and "Traceback" not in err
    assert list(cli.state.iterdir()) == [] and mode(cli.state) == folder_mode  # refused, not silently "fixed"


def test_a_state_folder_of_another_user_is_refused(cli: Any) -> None:
    cli.state.mkdir(mode=0o700)
    try:
        os.chown(cli.state, 65534, -1)
    except PermissionError:
        pytest.skip("chown to another user needs root")
    code, out, err = cli("history")
    assert code == 1 and "owned by another user" in err


def test_a_state_folder_under_a_folder_others_can_write_is_refused(cli: Any, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    cli.state = shared / "state"
    code, out, err = cli("history")
    assert code == 1 and f"the folder above it, {shared}, is writable by others" in err


@pytest.mark.parametrize("name", ["journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm"])
def test_a_journal_file_planted_as_a_symlink_is_refused(cli: Any, tmp_path: Path, name: str) -> None:
    cli.state.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    plant_symlink(cli.state / name, victim)
    code, out, err = cli("history")
    assert code == 1 and f"journal {cli.state / name}: is a symbolic link" in err, err
    assert victim.read_text() == "precious\n" and mode(victim) == 0o644


def test_an_existing_journal_is_narrowed_to_0600(cli: Any) -> None:
    cli("history")
    os.chmod(cli.state / "journal.sqlite", 0o644)
    code, out, err = cli("history")
    assert code == 0, err
    assert mode(cli.state / "journal.sqlite") == 0o600


def test_debug_log_onto_an_existing_0644_file_is_narrowed_before_it_receives_soap(make_lab: Any, cli: Any,
                                                                                   playbook: Any,
                                                                                   tmp_path: Path) -> None:
    make_lab({"ex1": START})
    book = playbook(DESIRED)
    trace = tmp_path / "wire.log"
    trace.write_text("earlier run\n")
    os.chmod(trace, 0o644)
    code, out, err = cli("--debug-log", str(trace), "plan", "-p", str(book), "-i", str(cli.inventory))
    assert code == 2, err
    assert mode(trace) == 0o600
    text = trace.read_text()
    assert text.startswith("earlier run\n") and "SOAP response" in text


@pytest.mark.parametrize("target", ["debug-log", "plan-file", "report"])
def test_a_planted_symlink_is_never_followed(make_lab: Any, cli: Any, playbook: Any, tmp_path: Path,
                                             target: str) -> None:
    make_lab({"ex1": START})
    book = playbook(DESIRED)
    victim, link = tmp_path / "victim", tmp_path / "out" / "link"
    plant_symlink(link, victim)
    argv = {"debug-log": ["--debug-log", str(link), "plan", "-p", str(book), "-i", str(cli.inventory)],
            "plan-file": ["plan", "-p", str(book), "-o", str(link), "-i", str(cli.inventory)],
            "report": ["check", "-p", str(book), f"--report=json={link}", "-i", str(cli.inventory)]}[target]
    code, out, err = cli(*argv)
    assert code == 1, (out, err)
    assert f"{link}: is a symbolic link; refusing to follow it" in err
    assert victim.read_text() == "precious\n" and mode(victim) == 0o644


# ------------------------------------------------------------------------------------- the lab's password file


def serve(workdir: Path) -> tuple[int | None, str]:
    """Run `remediate lab serve` in `workdir` until it serves (then stop it) or exits; (exit code or None, output)."""
    env = {k: v for k, v in os.environ.items() if k != "REMEDIATE_LAB_PASSWORD"}
    proc = subprocess.Popen([sys.executable, "-m", "remediate", "lab", "serve", "--base-port", "0"], cwd=workdir,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    watchdog = threading.Timer(120, proc.kill)  # a hung lab must fail the test, not the suite
    watchdog.start()
    output = ""
    try:
        for line in proc.stdout:
            output += line
            if line.startswith("Serving"):
                proc.terminate()
                proc.wait(30)
                return None, output
        return proc.wait(30), output
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)


@pytest.fixture
def labdir(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    (work / ".remediate-lab").mkdir(parents=True, mode=0o700)
    return work


def test_lab_password_file_through_a_planted_symlink_is_refused(labdir: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    plant_symlink(labdir / ".remediate-lab" / "password", victim)
    code, output = serve(labdir)
    assert code == 1, output
    assert "lab password file" in output and "is a symbolic link; refusing to follow it" in output
    assert victim.read_text() == "precious\n" and mode(victim) == 0o644


def test_lab_password_file_that_existed_0644_is_0600_as_the_tool_says(labdir: Path) -> None:
    secret = labdir / ".remediate-lab" / "password"
    secret.write_text("old")
    os.chmod(secret, 0o644)
    code, output = serve(labdir)
    assert code is None, output
    assert "(mode 600)" in output
    assert mode(secret) == 0o600 and secret.read_text() not in ("", "old")


def test_lab_folder_others_can_write_is_refused(labdir: Path) -> None:
    os.chmod(labdir / ".remediate-lab", 0o777)
    code, output = serve(labdir)
    assert code == 1 and "lab folder" in output and "writable by group and others" in output, output
    assert not (labdir / ".remediate-lab" / "password").exists()


def test_lab_tls_key_is_private(tmp_path: Path, open_umask: None) -> None:
    from remediate.lab.wsman.tls import generate_tls

    material = generate_tls(tmp_path / "tls", ["127.0.0.1"])
    assert mode(tmp_path / "tls") == 0o700
    assert {p.name: mode(p) for p in (material.key_path, material.cert_path, material.ca_cert_path)} == {
        "server-key.pem": 0o600, "server.pem": 0o600, "ca.pem": 0o600}
