"""A running lab: simulated hosts from a scenario, each behind its own WS-Management endpoint on loopback.

```python
with Lab.from_scenario("demo") as lab:          # NTLM with message encryption over HTTP, like Windows
    lab.write_inventory(path)                    # hosts, connections and vars, password by reference
    lab.hosts["ex2003-av"].sim.registry ...      # state, counters, faults for tests
```
The lab's password is generated per lab unless given; inventories reference it through `PASSWORD_ENV`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from remediate.errors import InputError, Location
from remediate.lab.host import SimHost
from remediate.lab.platforms import PLATFORMS, facts_for, platform_state
from remediate.lab.wsman import AuthMode, CommandOutput, EndpointConfig, HostEndpoint, WSManLab, generate_tls
from remediate.yamlsrc import load, loads

PASSWORD_ENV = "REMEDIATE_LAB_PASSWORD"
_HOST_KEYS = ("platform", "antivirus", "vars")
LAB_USER = "LAB\\remediate"


@dataclass
class HostScenario:
    name: str
    platform: str
    antivirus: list[str] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)
    # domain -> that domain's scenario data, loaded with `getattr(sim, domain).load(data)` (registry, services, ...)
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scenario:
    name: str
    description: str
    hosts: list[HostScenario]


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
        hosts.append(HostScenario(name, platform, list(spec.get("antivirus") or []), dict(spec.get("vars") or {}),
                                  state))
    return Scenario(Path(name_or_path).stem, str(data.get("description", "")), hosts)


@dataclass
class LabHost:
    sim: SimHost
    endpoint: HostEndpoint
    vars: dict[str, Any]


class Lab:
    """Simulated hosts served over real WS-Management. `auth` is "ntlm" (default) or "basic"; `https` adds TLS."""

    def __init__(self, scenario: Scenario, *, auth: str = "ntlm", https: bool = False,
                 tls_dir: Path | None = None, password: str | None = None, allow_unencrypted: bool = False,
                 operation_timeout_cap: float | None = None) -> None:
        self.scenario = scenario
        self.password = password or secrets.token_urlsafe(18)
        self.https = https
        self._wsman = WSManLab()
        self._tls = None
        if https:
            if tls_dir is None:
                raise ValueError("https needs tls_dir for the generated CA and server certificate")
            self._tls = generate_tls(tls_dir, ["127.0.0.1", "localhost"])
        self.config = EndpointConfig(
            users={LAB_USER: self.password},
            auth=frozenset({AuthMode(auth)}),
            tls=self._tls,
            allow_unencrypted=allow_unencrypted,
            operation_timeout_cap=operation_timeout_cap,
        )
        self.auth = auth
        self.hosts: dict[str, LabHost] = {}
        for spec in scenario.hosts:
            sim = SimHost(name=spec.name, facts=facts_for(spec.platform, spec.name, spec.antivirus))
            for domain, data in [*platform_state(spec.platform).items(), *spec.state.items()]:
                getattr(sim, domain).load(data)
            endpoint = self._wsman.add_host(spec.name, _handler(sim), self.config)
            self.hosts[spec.name] = LabHost(sim, endpoint, spec.vars)

    @classmethod
    def from_scenario(cls, name_or_path: str, **kwargs: Any) -> Lab:
        return cls(load_scenario(name_or_path), **kwargs)

    def start(self) -> Lab:
        self._wsman.start()
        return self

    def stop(self) -> None:
        self._wsman.stop()

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def ca_file(self) -> str | None:
        return str(self._tls.ca_cert_path) if self._tls else None

    def inventory(self) -> dict[str, Any]:
        connection: dict[str, Any] = {
            "scheme": "https" if self.https else "http",
            "transport": self.auth,
            "user": LAB_USER,
            "password": {"env": PASSWORD_ENV},
        }
        if self.ca_file:
            connection["ca_file"] = self.ca_file
        hosts = {
            name: {"connection": {"address": h.endpoint.address, "port": h.endpoint.port}, "vars": h.vars}
            for name, h in self.hosts.items()
        }
        return {"connection": connection, "groups": {"lab": {"hosts": list(self.hosts)}}, "hosts": hosts}

    def write_inventory(self, path: Path) -> None:
        yaml = YAML()
        yaml.default_flow_style = False
        with path.open("w", encoding="utf-8") as fh:
            fh.write(f"# Written by remediate lab for scenario {self.scenario.name}. The password is referenced,\n"
                     f"# never stored: export {PASSWORD_ENV} before running remediate against this lab.\n")
            yaml.dump(self.inventory(), fh)

    def total_writes(self) -> int:
        return sum(h.sim.writes for h in self.hosts.values())


def _handler(sim: SimHost):  # type: ignore[no-untyped-def]
    def handle(command: str, arguments: list[str], stdin: bytes) -> CommandOutput:
        stdout, stderr, code = sim.run_command(command, arguments, stdin)
        return CommandOutput(stdout, stderr, code)

    return handle
