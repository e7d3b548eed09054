"""A throwaway MIT Kerberos realm for the lab: its database in a folder, a KDC on a free loopback port,
principals for the lab's users and hosts, and a keytab holding the hosts' service keys.

```python
with KdcRealm(tmp / "krb") as realm:            # creates the database, starts krb5kdc
    realm.add_user("remediate", password)
    realm.add_service("HTTP/ex2019.remediate.lab")
    env = realm.env()                            # KRB5_CONFIG, KRB5_KTNAME for this realm's clients and acceptors
    realm.kinit("remediate", password, "FILE:/tmp/x/ccache")
```

Built from Debian's MIT Kerberos binaries (packages krb5-kdc, krb5-admin-server, krb5-user): `kdb5_util` creates the
database, `kadmin.local` adds principals and writes the keytab, `krb5kdc` serves, `kinit` gets a ticket the way a
user does. Nothing outside the folder is touched: every program gets KRB5_CONFIG / KRB5_KDC_PROFILE in its own
environment, and callers choose whether to put `env()` into theirs (tests use monkeypatch; `remediate lab serve
--kerberos` sets it for its own process and prints the exports for the user's shell).

The generated krb5.conf turns every DNS lookup off (`dns_canonicalize_hostname`, `rdns`, `dns_lookup_*`): service
names are used as written, as in an AD forest whose names all resolve, and no query leaves the machine.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

from remediate.errors import RemediateError
from remediate.securefiles import private_dir, write_private

DEFAULT_REALM = "REMEDIATE.LAB"
DEFAULT_DOMAIN = "remediate.lab"
_SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")
_PACKAGES = "krb5-kdc krb5-admin-server krb5-user (Debian/Ubuntu) or krb5-server krb5-workstation (Fedora/RHEL)"
_START_TIMEOUT = 10.0


class KdcError(RemediateError):
    """The realm could not be created or its KDC did not start; says which program failed and why."""


def find_program(name: str) -> str:
    """The path of one MIT Kerberos program, searching PATH and the sbin folders PATH often lacks."""
    search = os.pathsep.join([os.environ.get("PATH", ""), *_SBIN])
    found = shutil.which(name, path=search)
    if found is None:
        raise KdcError(f"the lab's Kerberos realm needs MIT Kerberos' {name}, which is not installed; install "
                       f"{_PACKAGES}")
    return found


def free_port() -> int:
    """A loopback port free for both TCP and UDP right now (krb5kdc listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise KdcError("no free loopback port for the KDC")


class KdcRealm:
    """One realm in `directory` (created if missing). `start()` creates the database and starts the KDC."""

    def __init__(self, directory: Path, realm: str = DEFAULT_REALM, domain: str = DEFAULT_DOMAIN) -> None:
        self.directory = Path(directory).resolve()
        self.realm = realm
        self.domain = domain
        self.krb5_conf = self.directory / "krb5.conf"
        self.kdc_conf = self.directory / "kdc.conf"
        self.keytab = self.directory / "services.keytab"
        self.log = self.directory / "kdc.log"
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    # --- life cycle -------------------------------------------------------------------------------------------
    def start(self) -> KdcRealm:
        private_dir(self.directory, what="lab Kerberos realm folder")
        for attempt in range(3):
            self.port = free_port()
            self._write_config()
            if attempt == 0:
                self._run([find_program("kdb5_util"), "create", "-s", "-r", self.realm,
                           "-P", secrets.token_urlsafe(24)], "create the realm's database")
            if self._start_kdc():
                return self
        raise KdcError(f"krb5kdc did not start; its log: {self.log}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> KdcRealm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # --- principals -------------------------------------------------------------------------------------------
    def principal(self, name: str) -> str:
        """`name` qualified with this realm unless it names one."""
        return name if "@" in name else f"{name}@{self.realm}"

    def add_user(self, name: str, password: str, *, password_expired: bool = False) -> str:
        """Add a user principal; `password_expired` makes the KDC refuse its password as expired (KDC_ERR_KEY_EXP)."""
        if any(c in password for c in "\r\n") or any(c in name for c in " \r\n\""):
            raise KdcError("lab realm user names must not hold quotes or spaces, nor passwords line breaks")
        # The password goes to kadmin.local's prompt on stdin, never onto a command line other users can read.
        self._kadmin(f"addprinc {name}", stdin=f"{password}\n{password}\n")
        if password_expired:
            self._kadmin(f'modprinc -pwexpire "2 days ago" {name}')
        return self.principal(name)

    def add_service(self, spn: str) -> str:
        """Add a service principal (e.g. HTTP/ex2019.remediate.lab) with a random key, written to the keytab."""
        if any(c in spn for c in " \r\n\""):
            raise KdcError(f"bad service principal name {spn!r}")
        self._kadmin(f"addprinc -randkey {spn}")
        self._kadmin(f"ktadd -k {self.keytab} {spn}")
        return self.principal(spn)

    def host_spn(self, host: str, service: str = "HTTP") -> str:
        """The service principal name of a lab host: SERVICE/host.domain (lower case, as Windows registers it)."""
        return f"{service}/{host.lower()}.{self.domain}"

    def kinit(self, principal: str, password: str, ccache: str) -> None:
        """Get a ticket-granting ticket into `ccache` with MIT's kinit, as a user at a workstation does."""
        env = {**os.environ, **self.env(), "KRB5CCNAME": ccache}
        result = subprocess.run([find_program("kinit"), self.principal(principal)], input=(password + "\n").encode(),
                                env=env, capture_output=True, timeout=30, check=False)
        if result.returncode != 0:
            raise KdcError(f"kinit {principal} failed: {result.stderr.decode(errors='replace').strip()}")

    def env(self) -> dict[str, str]:
        """The variables a client or acceptor process of this realm needs (none of them is system-wide)."""
        return {"KRB5_CONFIG": str(self.krb5_conf), "KRB5_KTNAME": f"FILE:{self.keytab}"}

    # --- internals --------------------------------------------------------------------------------------------
    def _write_config(self) -> None:
        kdc = f"127.0.0.1:{self.port}"
        write_private(self.krb5_conf, what="lab krb5.conf", data=
            "# Written by remediate's lab for a throwaway realm; nothing system-wide reads it.\n"
            "[libdefaults]\n"
            f"  default_realm = {self.realm}\n"
            "  dns_lookup_kdc = false\n  dns_lookup_realm = false\n"
            "  dns_canonicalize_hostname = false\n  rdns = false\n"
            "  udp_preference_limit = 1\n"  # TCP: tickets with PACs outgrow UDP on Windows too
            "[realms]\n"
            f"  {self.realm} = {{\n    kdc = {kdc}\n    admin_server = {kdc}\n  }}\n"
            "[domain_realm]\n"
            f"  .{self.domain} = {self.realm}\n  {self.domain} = {self.realm}\n  localhost = {self.realm}\n")
        d = self.directory
        write_private(self.kdc_conf, what="lab kdc.conf", data=
            "[kdcdefaults]\n"
            f"  kdc_listen = {kdc}\n  kdc_tcp_listen = {kdc}\n"
            "[realms]\n"
            f"  {self.realm} = {{\n"
            f"    database_name = {d / 'principal'}\n    key_stash_file = {d / 'stash'}\n"
            f"    acl_file = {d / 'kadm5.acl'}\n    max_life = 10h 0m 0s\n"
            "  }\n"
            f"[logging]\n  kdc = FILE:{self.log}\n")

    def _tool_env(self) -> dict[str, str]:
        return {**os.environ, "KRB5_CONFIG": str(self.krb5_conf), "KRB5_KDC_PROFILE": str(self.kdc_conf)}

    def _run(self, argv: list[str], what: str, stdin: str | None = None) -> str:
        result = subprocess.run(argv, input=stdin.encode() if stdin else None, env=self._tool_env(),
                                capture_output=True, timeout=60, check=False)
        if result.returncode != 0:
            raise KdcError(f"cannot {what}: {Path(argv[0]).name} said: "
                           f"{result.stderr.decode(errors='replace').strip()[:500]}")
        return result.stdout.decode(errors="replace")

    def _kadmin(self, query: str, stdin: str | None = None) -> None:
        # kadmin.local exits 0 even when its query failed; its errors read "COMMAND: PROBLEM while DOING".
        argv = [find_program("kadmin.local"), "-r", self.realm, "-q", query]
        result = subprocess.run(argv, input=stdin.encode() if stdin else None, env=self._tool_env(),
                                capture_output=True, timeout=60, check=False)
        errors = [line for line in result.stderr.decode(errors="replace").splitlines() if " while " in line]
        if result.returncode != 0 or errors:
            raise KdcError(f"kadmin.local {query.split()[0]} failed: {'; '.join(errors) or result.returncode}")

    def _start_kdc(self) -> bool:
        self._process = subprocess.Popen([find_program("krb5kdc"), "-n", "-r", self.realm], env=self._tool_env(),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                return False  # most often: the port was taken between choosing and binding it
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.05)
        self.stop()
        return False
