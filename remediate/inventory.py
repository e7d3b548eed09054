"""Inventory: which hosts exist, how to reach them, and the variables their playbooks are rendered with.

```yaml
vars: {smart_host: mail.contoso.com}          # every host
connection: {transport: ntlm, user: 'CONTOSO\\svc-remediate', password: {env: REMEDIATE_PASSWORD}}
groups:
  exchange2003:
    vars: {...}
    connection: {scheme: http}
    hosts: [ex03a, ex03b]
hosts:
  ex03a:
    connection: {address: 10.0.0.5}
    vars: {...}
```

Precedence, lowest first: top level, each group in file order, the host. `change_window:`
(remediate/change_windows.py) may be given at each level too; the most specific one declared applies, whole.
Passwords are never written here: a password is a *reference* (`{env: NAME}` or `{keyring: SERVICE/USERNAME}`,
remediate/credentials.py); the value is read at connection time and never stored or printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from remediate.change_windows import ChangeWindow, WindowList
from remediate.credentials import HOW_TO_REFERENCE, CredentialRef, looks_like_secret_name
from remediate.journal.location import JournalSetting
from remediate.validation import validate
from remediate.yamlsrc import LineMap, load

_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class Scheme(str, Enum):
    HTTP = "http"
    HTTPS = "https"


class AuthTransport(str, Enum):
    NTLM = "ntlm"
    BASIC = "basic"
    KERBEROS = "kerberos"


class ConnectionSpec(BaseModel):
    """Connection settings as written at any level; merged per host into a `Connection`.

    `type` says what the host is: `winrm` (the default: a Windows host running the PowerShell agent) or
    `ios_ssh` (a Cisco IOS device over SSH, whose agent runs on the runner's side: remediate/transport/ssh.py;
    port 22 by default, host key checked against `known_hosts`, else ~/.ssh/known_hosts; `validate_cert: false`
    turns that check off). `scheme`, `transport` and `ca_file` only matter for winrm.

    `transport: kerberos` (remediate/transport/kerberos.py): `user` is the principal (`svc@CONTOSO.COM`) and may be
    left out to use the credential cache's default principal; without `password` the ticket comes from the cache
    (kinit), with one it is obtained from the KDC. `spn` overrides the service principal derived from the
    address (`HTTP/<address>`), for hosts reached by an alias or an IP address; `kerberos_delegation` forwards
    the ticket-granting ticket to the host (a second hop, e.g. to a domain controller).
    """

    model_config = ConfigDict(extra="forbid")
    type: Literal["winrm", "ios_ssh"] | None = None
    address: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    scheme: Scheme | None = None
    transport: AuthTransport | None = None
    validate_cert: bool | None = None
    ca_file: str | None = None
    user: str | None = None
    password: CredentialRef | None = None
    operation_timeout: int | None = Field(default=None, ge=1, le=3600)
    known_hosts: str | None = None
    spn: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_-]*/[^/@\s]+$")
    kerberos_delegation: bool | None = None

    @field_validator("transport", mode="before")
    @classmethod
    def _no_credssp(cls, value: Any) -> Any:
        if isinstance(value, str) and value.lower() == "credssp":
            raise ValueError("CredSSP is not offered: it hands your password to every server (docs/security.md, "
                             "Limits); use transport: kerberos, with kerberos_delegation: true for a second hop")
        return value

    @field_validator("password", mode="before")
    @classmethod
    def _no_plain_passwords(cls, value: Any) -> Any:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            # The message must not echo the value: it is somebody's password.
            raise ValueError("a password must not be written in the inventory; reference it instead: "
                             + HOW_TO_REFERENCE)
        return value


@dataclass(frozen=True)
class Connection:
    """Everything needed to reach one host, resolved and checked."""

    address: str
    port: int
    scheme: Scheme
    transport: AuthTransport
    validate_cert: bool
    ca_file: str | None
    user: str | None
    password: CredentialRef | None
    operation_timeout: int
    type: str = "winrm"
    known_hosts: str | None = None
    spn: str | None = None  # SERVICE/HOST; None: HTTP/<address>, as pywinrm derives it
    kerberos_delegation: bool = False

    @property
    def spn_service(self) -> str:
        return self.spn.split("/", 1)[0] if self.spn else "HTTP"

    @property
    def spn_host(self) -> str:
        return self.spn.split("/", 1)[1] if self.spn else self.address

    @property
    def endpoint(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        if self.type == "ios_ssh":
            return f"ssh://{host}:{self.port}"
        return f"{self.scheme.value}://{host}:{self.port}/wsman"


class GroupSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hosts: list[str] = Field(default_factory=list)
    vars: dict[str, Any] = Field(default_factory=dict)
    connection: ConnectionSpec = Field(default_factory=ConnectionSpec)
    change_window: WindowList = None  # remediate/change_windows.py


class HostSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vars: dict[str, Any] = Field(default_factory=dict)
    connection: ConnectionSpec = Field(default_factory=ConnectionSpec)
    change_window: WindowList = None


class InventorySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # The run journal these hosts share (remediate/journal/location.py); default: SQLite in the state directory.
    journal: JournalSetting | None = None
    vars: dict[str, Any] = Field(default_factory=dict)
    connection: ConnectionSpec = Field(default_factory=ConnectionSpec)
    change_window: WindowList = None
    groups: dict[str, GroupSpec] = Field(default_factory=dict)
    hosts: dict[str, HostSpec | None] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _names(self) -> InventorySpec:
        for name in [*self.groups, *self.hosts]:
            if not re.match(_NAME, name):
                raise ValueError(f"name {name!r} must start with a letter or digit and hold only letters, "
                                 "digits, '_', '.', '-'")
        return self


@dataclass(frozen=True)
class Host:
    name: str
    groups: tuple[str, ...]
    vars: dict[str, Any]
    connection: Connection
    # Change windows (any one open lets a change start); empty: no restriction. The most specific level wins.
    windows: tuple[ChangeWindow, ...] = ()


@dataclass(frozen=True)
class Inventory:
    path: str
    hosts: dict[str, Host]
    groups: dict[str, tuple[str, ...]]
    journal: JournalSetting | None = None


_DEFAULT_PORTS = {Scheme.HTTP: 5985, Scheme.HTTPS: 5986}


def _merge(specs: list[ConnectionSpec]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for spec in specs:
        merged.update({k: v for k, v in spec.model_dump(exclude_none=True).items()})
        if spec.password is not None:
            merged["password"] = spec.password
    return merged


def _resolve_connection(name: str, specs: list[ConnectionSpec], lines: LineMap) -> Connection:
    merged = _merge(specs)
    path = ("hosts", name, "connection")
    kerberos = merged.get("transport") == AuthTransport.KERBEROS and merged.get("type", "winrm") == "winrm"
    # Kerberos may use the credential cache's default principal and ticket: no user, no password needed.
    for required in ("address",) if kerberos else ("address", "user"):
        if not merged.get(required):
            raise lines.error((*path, required), f"required field is missing (host {name} has no {required} "
                              "at host, group or top level)")
    if "password" not in merged and not kerberos:
        raise lines.error((*path, "password"), f"host {name} has no credential reference; add "
                          + HOW_TO_REFERENCE)
    if kerberos:
        _check_kerberos(name, merged, lines)
    elif merged.get("spn") or merged.get("kerberos_delegation"):
        field = "spn" if merged.get("spn") else "kerberos_delegation"
        raise lines.error((*path, field), f"{field} applies to transport: kerberos only (host {name} uses "
                          f"{merged.get('transport', 'ntlm')})")
    if re.search(r"[\s/@?#\\]", str(merged["address"])):
        # A URL or user:password@host here would carry credentials into the endpoint, plans and logs: not echoed.
        raise lines.error((*path, "address"), "expected a host name or IP address only (no scheme, path, user "
                          "or password)")
    scheme = Scheme(merged.get("scheme", Scheme.HTTPS))
    transport = AuthTransport(merged.get("transport", AuthTransport.NTLM))
    kind = merged.get("type", "winrm")
    if kind == "winrm" and scheme is Scheme.HTTP and transport is AuthTransport.BASIC:
        # Windows refuses this by default (AllowUnencrypted=false, Basic off); so do we, before any password moves.
        raise lines.error((*path, "transport"), "Basic authentication over plain HTTP would send the password "
                          "in clear text; use scheme: https, or transport: ntlm (which encrypts every message)")
    if kind == "winrm" and transport is AuthTransport.BASIC and merged.get("validate_cert") is False:
        # Basic hands the password itself to whoever answers; unverified, that can be anyone on the path.
        raise lines.error((*path, "transport"), "Basic authentication with validate_cert: false would give the "
                          "password to any server that answers; use transport: ntlm, or trust the server's CA "
                          "with ca_file")
    return Connection(
        address=merged["address"],
        port=merged.get("port", 22 if kind == "ios_ssh" else _DEFAULT_PORTS[scheme]),
        scheme=scheme,
        transport=transport,
        validate_cert=merged.get("validate_cert", True),
        ca_file=merged.get("ca_file"),
        user=merged.get("user"),
        password=merged.get("password"),
        operation_timeout=merged.get("operation_timeout", 20),
        type=kind,
        known_hosts=merged.get("known_hosts"),
        spn=merged.get("spn"),
        kerberos_delegation=bool(merged.get("kerberos_delegation", False)),
    )


def _check_kerberos(name: str, merged: dict[str, Any], lines: LineMap) -> None:
    path = ("hosts", name, "connection")
    user = merged.get("user")
    if "password" in merged and not user:
        raise lines.error((*path, "user"), f"host {name} has a password reference for Kerberos but no user: name "
                          "the principal the password belongs to (user: svc-remediate@CONTOSO.COM)")
    if user and "\\" in str(user):
        raise lines.error((*path, "user"), "a Kerberos user is a principal, USER@REALM (svc-remediate@CONTOSO.COM), "
                          "not DOMAIN\\USER")


def load_inventory(path: Path) -> Inventory:
    source = load(path)
    lines = source.lines
    if source.data is None:
        raise lines.error((), "the inventory is empty; it needs at least 'hosts:'")
    if not isinstance(source.data, dict):
        raise lines.error((), f"expected a mapping with 'hosts:' at the top, found {type(source.data).__name__}")
    spec = validate(InventorySpec, source.data, lines)
    _validation_off_per_host_only(spec, lines)
    _no_secret_variables(spec, lines)
    if not spec.hosts:
        raise lines.error(("hosts",), "no hosts defined")
    member_of: dict[str, list[str]] = {name: [] for name in spec.hosts}
    for group, gspec in spec.groups.items():
        for index, host in enumerate(gspec.hosts):
            if host not in member_of:
                raise lines.error(("groups", group, "hosts", index), f"host {host!r} is not defined under hosts:")
            member_of[host].append(group)
    hosts: dict[str, Host] = {}
    base = Path(path).parent
    for name, hspec in spec.hosts.items():
        hspec = hspec or HostSpec()
        groups = member_of[name]
        chain = [spec.connection, *(spec.groups[g].connection for g in groups), hspec.connection]
        connection = _resolve_connection(name, chain, lines)
        if connection.ca_file and not Path(connection.ca_file).is_absolute():
            connection = _with_ca(connection, str(base / connection.ca_file))
        if connection.known_hosts and not Path(connection.known_hosts).is_absolute():
            connection = replace(connection, known_hosts=str(base / connection.known_hosts))
        variables: dict[str, Any] = dict(spec.vars)
        for group in groups:
            variables.update(spec.groups[group].vars)
        variables.update(hspec.vars)
        windows = [spec.change_window, *(spec.groups[g].change_window for g in groups), hspec.change_window]
        chosen = [w for w in windows if w is not None]
        hosts[name] = Host(name, tuple(groups), variables, connection, windows=chosen[-1] if chosen else ())
    return Inventory(str(path), hosts, {g: tuple(s.hosts) for g, s in spec.groups.items()}, journal=spec.journal)


def _with_ca(connection: Connection, ca_file: str) -> Connection:
    return replace(connection, ca_file=ca_file)


def _validation_off_per_host_only(spec: InventorySpec, lines: LineMap) -> None:
    """`validate_cert: false` is accepted on a host only: switching it off for a group or the whole inventory would
    silently cover hosts added later. Every run warns about each such host (remediate.transport.policy)."""
    levels = [(("connection",), spec.connection)]
    levels += [(("groups", g, "connection"), s.connection) for g, s in spec.groups.items()]
    for path, connection in levels:
        if connection.validate_cert is False:
            raise lines.error((*path, "validate_cert"), "validate_cert: false must be set on each host that needs "
                              "it (hosts.NAME.connection), never for a group or the whole inventory")


def _no_secret_variables(spec: InventorySpec, lines: LineMap) -> None:
    """Refuse variables named like secrets. Variables are rendered into playbooks, and from there into plan files,
    reports and the journal: a password kept in one would be written to all of them. The only credential remediate
    needs is the connection's, and it is a reference (remediate/credentials.py)."""
    levels: list[tuple[tuple[Any, ...], dict[str, Any]]] = [(("vars",), spec.vars)]
    levels += [(("groups", g, "vars"), s.vars) for g, s in spec.groups.items()]
    levels += [(("hosts", h, "vars"), s.vars) for h, s in spec.hosts.items() if s is not None]
    while levels:
        path, mapping = levels.pop()
        for key, value in mapping.items():
            if isinstance(key, str) and looks_like_secret_name(key):
                raise lines.error((*path, key), "a variable named like a secret would be written into plans, "
                                  "reports and the journal; remediate takes no secrets as variables. The connection's "
                                  "password is a reference: " + HOW_TO_REFERENCE)
            if isinstance(value, dict):
                levels.append(((*path, key), value))

