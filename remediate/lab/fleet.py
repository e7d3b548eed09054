"""A running lab: simulated hosts from a scenario, each behind its own WS-Management endpoint on loopback.

```python
with Lab.from_scenario("demo") as lab:          # NTLM with message encryption over HTTP, like Windows
    lab.write_inventory(path)                    # hosts, connections and vars, password by reference
    lab.hosts["ex2003-av"].sim.registry ...      # state, counters, faults for tests
```
The lab's password is generated per lab unless given; inventories reference it through `PASSWORD_ENV`.

Kerberos (`auth="kerberos"`, `kerberos=KdcRealm`): the lab adds its user (`remediate@REALM`) and one service
principal per host (`HTTP/<host>.<domain>`, keys in the realm's keytab) to a started realm (remediate/lab/kdc.py),
and each host accepts only tickets for its own principal. The acceptors read the keytab named by KRB5_KTNAME and
the realm's krb5.conf named by KRB5_CONFIG: the lab sets both in its own process's environment (as the NTLM acceptor
sets NTLM_USER_FILE), and clients need KRB5_CONFIG too. Hosts listen on 127.0.0.1, so the inventory names each
host's principal with `spn:`, as for any host reached by IP address.

The network (remediate/lab/network.py): every host's SMTP service and the scenario's `peers:` listen on loopback, and
the scenario's `routers:` (remediate/lab/ios.py) serve SSH. The inventory gets `lab_smtp` (name -> "127.0.0.1:PORT"
of every SMTP listener) and each router as a host of group `routers` with an `ios_ssh` connection; a scenario
variable may name a listener as `'{{ lab_smtp["relay-1"] }}'`, resolved when the inventory is written, since ports
are known only then.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from remediate.errors import InputError, Location
from remediate.lab.host import SimHost
from remediate.lab.ios import SimRouter
from remediate.lab.kdc import KdcRealm
from remediate.lab.network import LabNetwork
from remediate.lab.platforms import PLATFORMS, antivirus_registry, facts_for, platform_state
from remediate.lab.smtp import Peer
from remediate.lab.wsman import AuthMode, CommandOutput, EndpointConfig, HostEndpoint, WSManLab, generate_tls
from remediate.lab.wsman.kerberos import KerberosService
from remediate.securefiles import open_private, write_private
from remediate.yamlsrc import load, loads

PASSWORD_ENV = "REMEDIATE_LAB_PASSWORD"
_HOST_KEYS = ("platform", "antivirus", "vars", "faults")
# What a scenario may inject on a host's WS-Management endpoint (remediate/lab/wsman/model.py Faults); tests and
# benchmarks may also set them at run time through `lab.hosts[name].endpoint.faults`.
_FAULT_FIELDS = {"latency": (int, float), "drop_at_request": int, "drop_on_action": str, "status_401": bool,
                 "fault_500": bool, "slow_receive": (int, float)}
LAB_USER = "LAB\\remediate"
LAB_PRINCIPAL = "remediate"  # the lab user's Kerberos principal name, in the lab realm
ROUTER_USER = "remediate"  # IOS user names take no domain part


@dataclass
class HostScenario:
    name: str
    platform: str
    antivirus: list[str] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)
    # domain -> that domain's scenario data, loaded with `getattr(sim, domain).load(data)` (registry, services, ...)
    state: dict[str, Any] = field(default_factory=dict)
    faults: dict[str, Any] = field(default_factory=dict)  # Faults field -> value, set when the lab is built


@dataclass
class Scenario:
    name: str
    description: str
    hosts: list[HostScenario]
    peers: dict[str, dict[str, Any]] = field(default_factory=dict)  # remediate/lab/smtp.py
    routers: dict[str, dict[str, Any]] = field(default_factory=dict)  # remediate/lab/ios.py (+ `vars`)


def scenario_names() -> list[str]:
    folder = resources.files("remediate.lab").joinpath("scenarios")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_scenario(name_or_path: str) -> Scenario:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        source = load(path)
    else:
        res = resources.files("remediate.lab").joinpath("scenarios", f"{name_or_path}.yaml")
        if not res.is_file():
            raise InputError(Location(name_or_path), "no such scenario file or shipped scenario; shipped: "
                             + ", ".join(scenario_names()))
        source = loads(res.read_text(encoding="utf-8"), f"scenario {name_or_path}")
    data = source.data or {}
    hosts = []
    for name, spec in (data.get("hosts") or {}).items():
        spec = spec or {}
        platform = spec.get("platform", "win2019-ex2019")
        if platform not in PLATFORMS:
            raise source.lines.error(("hosts", name, "platform"),
                                     f"unknown platform; expected one of {', '.join(PLATFORMS)}")
        state = {k: v for k, v in spec.items() if k not in _HOST_KEYS}
        unknown = sorted(set(state) - set(SimHost.state_domains()))
        if unknown:
            raise source.lines.error(("hosts", name, unknown[0]), "unknown host key; expected "
                                     + ", ".join([*_HOST_KEYS, *SimHost.state_domains()]))
        faults = spec.get("faults") or {}
        for key, value in (faults.items() if isinstance(faults, dict) else [(None, faults)]):
            kinds = _FAULT_FIELDS.get(str(key))
            if kinds is None or isinstance(value, bool) is not (kinds is bool) or not isinstance(value, kinds):
                raise source.lines.error(("hosts", name, "faults", *([key] if key else [])),
                                         "expected faults as a mapping of " + ", ".join(_FAULT_FIELDS)
                                         + " to numbers, a name (drop_on_action) or true/false")
        hosts.append(HostScenario(name, platform, list(spec.get("antivirus") or []), dict(spec.get("vars") or {}),
                                  state, dict(faults)))
    network = {}
    for key in ("peers", "routers"):
        entries = data.get(key) or {}
        if not isinstance(entries, dict) or not all(isinstance(v, (dict, type(None))) for v in entries.values()):
            raise source.lines.error((key,), "expected a mapping of names to settings")
        network[key] = {str(name): dict(spec or {}) for name, spec in entries.items()}
    for name, spec in network["peers"].items():
        try:
            Peer.from_scenario(name, spec)
        except ValueError as exc:
            raise source.lines.error(("peers", name), str(exc)) from None
    return Scenario(Path(name_or_path).stem, str(data.get("description", "")), hosts, **network)


@dataclass
class LabHost:
    sim: SimHost
    endpoint: HostEndpoint
    vars: dict[str, Any]


class Lab:
    """Simulated hosts served over real WS-Management. `auth` is "ntlm" (default) or "basic"; `https` adds TLS."""

    def __init__(self, scenario: Scenario, *, auth: str = "ntlm", https: bool = False,
                 tls_dir: Path | None = None, password: str | None = None, allow_unencrypted: bool = False,
                 operation_timeout_cap: float | None = None, base_port: int | None = None,
                 kerberos: KdcRealm | None = None, cbt_hardening: str = "relaxed") -> None:
        """`base_port`: serve the n-th host on base_port + n (stable addresses for a hand-written inventory such
        as inventory.example.yaml); default: free ports chosen by the system. `kerberos`: a started realm, for
        `auth="kerberos"`; `cbt_hardening` "strict" refuses Kerberos tokens without the TLS channel binding."""
        self.scenario = scenario
        self.password = password or secrets.token_urlsafe(18)
        self.https = https
        self._wsman = WSManLab()
        self._tls = None
        if https:
            if tls_dir is None:
                raise ValueError("https needs tls_dir for the generated CA and server certificate")
            self._tls = generate_tls(tls_dir, ["127.0.0.1", "localhost"])
        self.realm = kerberos
        if auth == "kerberos":
            if kerberos is None or not kerberos.running:
                raise ValueError("auth='kerberos' needs a started KdcRealm (remediate/lab/kdc.py)")
            os.environ.update(kerberos.env())  # the acceptors' keytab and realm (see the module docstring)
            kerberos.add_user(LAB_PRINCIPAL, self.password)
        self.config = EndpointConfig(
            users={LAB_USER: self.password},
            auth=frozenset({AuthMode(auth)}),
            tls=self._tls,
            allow_unencrypted=allow_unencrypted,
            operation_timeout_cap=operation_timeout_cap,
        )
        self.auth = auth
        self.hosts: dict[str, LabHost] = {}
        for number, spec in enumerate(scenario.hosts):
            sim = SimHost(name=spec.name, facts=facts_for(spec.platform, spec.name, spec.antivirus))
            # The products a scenario says are installed are in the registry, where the agent's facts op looks.
            installed = [("registry", antivirus_registry(spec.antivirus))] if spec.antivirus else []
            for domain, data in [*platform_state(spec.platform).items(), *installed, *spec.state.items()]:
                getattr(sim, domain).load(data)
            port = base_port + number if base_port else 0
            config = self.config
            if kerberos is not None and auth == "kerberos":
                spn = kerberos.host_spn(spec.name)
                kerberos.add_service(spn)
                service, _, hostname = spn.partition("/")
                config = replace(config, kerberos=KerberosService(service, hostname, cbt_hardening))
            endpoint = self._wsman.add_host(spec.name, _handler(sim, self), config, port=port)
            for key, value in spec.faults.items():
                setattr(endpoint.faults, key, value)
            self.hosts[spec.name] = LabHost(sim, endpoint, spec.vars)
        self.routers: dict[str, SimRouter] = {}
        self._router_vars: dict[str, dict[str, Any]] = {}
        for name, data in scenario.routers.items():
            router = SimRouter(name)
            router.load({k: v for k, v in data.items() if k != "vars"})
            self.routers[name] = router
            self._router_vars[name] = dict(data.get("vars") or {})
        self.network = LabNetwork({n: h.sim for n, h in self.hosts.items()},
                                  [Peer.from_scenario(n, d) for n, d in scenario.peers.items()], self.routers)

    @classmethod
    def from_scenario(cls, name_or_path: str, **kwargs: Any) -> Lab:
        return cls(load_scenario(name_or_path), **kwargs)

    def start(self) -> Lab:
        self._wsman.start()
        self.network.start(self.password, ROUTER_USER)
        return self

    def stop(self) -> None:
        self.network.stop()
        self._wsman.stop()

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def ca_file(self) -> str | None:
        return str(self._tls.ca_cert_path) if self._tls else None

    def inventory(self, known_hosts: str | None = None) -> dict[str, Any]:
        """The inventory of this lab; `known_hosts` is the file holding the routers' SSH host keys."""
        connection: dict[str, Any] = {
            "scheme": "https" if self.https else "http",
            "transport": self.auth,
            "user": LAB_USER,
            "password": {"env": PASSWORD_ENV},
        }
        if self.realm is not None and self.auth == "kerberos":
            # The ticket is obtained with the referenced password; without `password:` it comes from kinit's cache.
            connection["user"] = self.realm.principal(LAB_PRINCIPAL)
        if self.ca_file:
            connection["ca_file"] = self.ca_file
        lab_smtp = self.network.addresses()
        hosts: dict[str, Any] = {
            name: {"connection": {"address": h.endpoint.address, "port": h.endpoint.port},
                   "vars": _lab_vars(h.vars, lab_smtp)}
            for name, h in self.hosts.items()
        }
        if self.realm is not None and self.auth == "kerberos":
            for name in self.hosts:
                hosts[name]["connection"]["spn"] = self.realm.host_spn(name)  # reached by IP address
        groups: dict[str, Any] = {"lab": {"hosts": list(self.hosts)}}
        kerberos = self.realm is not None and self.auth == "kerberos"
        if kerberos:
            # On the Windows hosts' group only: without it they use a ticket from kinit; routers keep theirs.
            groups["lab"]["connection"] = {"password": connection.pop("password")}
        for name in self.routers:
            router = {"type": "ios_ssh", "address": "127.0.0.1", "port": self.network.router_ports[name],
                      "user": ROUTER_USER}
            if kerberos:
                router["password"] = {"env": PASSWORD_ENV}
            if known_hosts:
                router["known_hosts"] = known_hosts
            hosts[name] = {"connection": router, "vars": _lab_vars(self._router_vars[name], lab_smtp)}
        if self.routers:
            groups["routers"] = {"hosts": list(self.routers)}
        inventory: dict[str, Any] = {"connection": connection, "groups": groups, "hosts": hosts}
        if lab_smtp:
            inventory["vars"] = {"lab_smtp": lab_smtp}
        return inventory

    def write_inventory(self, path: Path) -> None:
        """The inventory at `path`, and the routers' SSH host keys beside it (`<name>.known_hosts`)."""
        yaml = YAML()
        yaml.default_flow_style = False
        known_hosts = None
        if self.routers:
            known_hosts = path.with_name(path.stem + ".known_hosts").resolve()
            write_private(known_hosts, "".join(line + "\n" for line in self.network.known_hosts),
                          what="lab known_hosts file")
        with open_private(path, "replace", what="lab inventory") as fh:
            fh.write(f"# Written by remediate lab for scenario {self.scenario.name}. The password is referenced,\n"
                     f"# never stored: export {PASSWORD_ENV} before running remediate against this lab.\n")
            yaml.dump(self.inventory(str(known_hosts) if known_hosts else None), fh)

    def expire_shells(self, name: str) -> int:
        """Expire a host's WinRS shells, as an idle timeout or a WinRM restart does between two phases of a run."""
        return self._wsman.expire_shells(name)

    def total_writes(self) -> int:
        return sum(h.sim.writes for h in self.hosts.values())


def _lab_vars(variables: dict[str, Any], lab_smtp: dict[str, str]) -> dict[str, Any]:
    """Scenario variables with `{{ lab_smtp[...] }}` resolved to the listeners' addresses (known only now)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)

    def resolve(value: Any) -> Any:
        if isinstance(value, str) and "{{" in value and "lab_smtp" in value:
            return env.from_string(value).render(lab_smtp=lab_smtp)
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value

    return {k: resolve(v) for k, v in variables.items()}


def _handler(sim: SimHost, lab: Lab):  # type: ignore[no-untyped-def]
    def handle(command: str, arguments: list[str], stdin: bytes) -> CommandOutput:
        stdout, stderr, code = sim.run_command(command, arguments, stdin)
        try:
            lab.network.sync_host(sim.name)  # a command may have stopped or started the SMTP service
        except OSError:
            pass  # the port was taken meanwhile: the next command or probe tries again
        return CommandOutput(stdout, stderr, code)

    return handle
