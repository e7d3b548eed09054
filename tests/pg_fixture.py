"""A throwaway PostgreSQL server for the team-journal tests: Debian's PostgreSQL, a cluster in a temporary folder,
on a free loopback port, password authentication (scram-sha-256).

The server refuses to run as root: under root (CI) initdb and pg_ctl run as the `postgres` user the Debian package
creates, on a folder it owns. `.ci/run` installs the package; elsewhere the tests are skipped when no PostgreSQL is
installed, unless REMEDIATE_REQUIRE_POSTGRES=1 (CI sets it) turns that into a failure.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

USER = "remediate"


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    password: str

    def url(self, database: str) -> str:
        return f"postgresql://{USER}@{self.host}:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        name = "journal_" + secrets.token_hex(4)
        with psycopg.connect(self.url("postgres"), password=self.password, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")  # a name made just above, not user input
        return name


def _bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unavailable(why: str) -> None:
    if os.environ.get("REMEDIATE_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here (REMEDIATE_REQUIRE_POSTGRES=1) but {why}")
    pytest.skip(f"no PostgreSQL server for the team-journal tests: {why}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PgServer]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install '.[test]')")
    bindir = _bindir()
    if bindir is None:
        _unavailable("initdb was not found (apt-get install postgresql)")
    assert bindir is not None
    run_as: dict[str, object] = {}
    root = tempfile.mkdtemp(prefix="remediate-pg-")
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no 'postgres' user to run the server as")
        os.chown(root, account.pw_uid, account.pw_gid)
        run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    password = "pg-" + secrets.token_hex(12)
    data, log, pwfile = Path(root) / "data", Path(root) / "server.log", Path(root) / "pw"
    pwfile.write_text(password + "\n")
    if run_as:
        os.chown(pwfile, run_as["user"], run_as["group"])  # type: ignore[arg-type]
    port = _free_port()

    def pg(*args: str) -> None:
        subprocess.run([str(bindir / args[0]), *args[1:]], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, cwd=root, **run_as)  # type: ignore[arg-type]

    try:
        pg("initdb", "-D", str(data), "-U", USER, "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
           "--locale=C", "--no-instructions")
        pg("pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
           f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c max_connections=50", "start")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise AssertionError(f"could not start PostgreSQL: {exc.stderr.decode(errors='replace')}") from None
    try:
        yield PgServer("127.0.0.1", port, password)
    finally:
        try:
            pg("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_journal(postgres_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh database as this test's journal, chosen the way a user does: REMEDIATE_JOURNAL, the password in
    PGPASSWORD, the team key in REMEDIATE_JOURNAL_KEY. Returns the URL."""
    url = postgres_server.url(postgres_server.create_database())
    monkeypatch.setenv("REMEDIATE_JOURNAL", url)
    monkeypatch.setenv("PGPASSWORD", postgres_server.password)
    monkeypatch.setenv("REMEDIATE_JOURNAL_KEY", "team-key-" + secrets.token_urlsafe(32))
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def journal_backend(request: pytest.FixtureRequest) -> str:
    """Run a test against each journal: the embedded SQLite one and the team's PostgreSQL one."""
    if request.param == "postgresql":
        request.getfixturevalue("pg_journal")
    return str(request.param)
