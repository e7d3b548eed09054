"""Simulated Windows services with the Service Control Manager's rules, for `windows_service` and the lab.

Names are case-insensitive and keep their spelling (CreateService, learn.microsoft.com/windows/win32/api/winsvc/
nf-winsvc-createservicew: "The service control manager database preserves the case of the characters, but service
name comparisons are always case insensitive"; the key is OrdinalIgnoreCase's, remediate/lab/state/wintext.py).
Each service has a display name (used in the messages Windows' service cmdlets write), a state (`running`, `stopped`, or a transient Get-Service status in snake
case), a start mode (`auto`, `manual`, `disabled`, `boot`, `system`) and the names it depends on. As on Windows:

- starting a service first starts what it depends on, recursively; a disabled service (or dependency) does not
  start, and the error names the service asked for, as Start-Service does;
- stopping a service fails while a service that depends on it is running (Stop-Service without -Force);
- nothing else changes on its own.

A service may be loaded with `stop_fails: true`: the Service Control Manager's stop control fails for it
(ERROR_SERVICE_CANNOT_ACCEPT_CTRL), as for a service hung in its work; with `start_fails: true` it does not start
(ERROR_SERVICE_REQUEST_TIMEOUT, a service that does not report running in time). The Windows layer
(remediate/lab/windows/services.py) drives the SCM one call at a time through `scm_start`/`scm_stop`, which raise
`ScmError` with the Win32 error code.

`load()` takes scenario data (`{NAME: {display_name, state, start_mode, depends_on} | null}`, merged by name, null
removes) and refuses a state Windows cannot be in: a running service whose dependency is missing or not running.
Thread-safe: every public method takes `lock`.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from remediate.lab.state import InvalidArgument, StateError
from remediate.lab.state.wintext import upper_invariant as fold

STATES = ("running", "stopped", "start_pending", "stop_pending", "continue_pending", "pause_pending", "paused")
START_MODES = ("auto", "manual", "disabled", "boot", "system")
SETTABLE_STATES = ("running", "stopped")
SETTABLE_START_MODES = ("auto", "manual", "disabled")


def not_found_message(name: str) -> str:
    """Get-Service's message for a missing service (the agent throws the same text)."""
    return f"Cannot find any service with service name '{name}'."


# Win32 system error codes (learn.microsoft.com/windows/win32/debug/system-error-codes--1000-1299-) the SCM returns.
SCM_ERRORS = {
    1053: "The service did not respond to the start or control request in a timely fashion.",
    1051: "A stop control has been sent to a service that other running services are dependent on.",
    1056: "An instance of the service is already running.",
    1058: "The service cannot be started, either because it is disabled or because it has no enabled devices "
          "associated with it.",
    1060: "The specified service does not exist as an installed service.",
    1061: "The service cannot accept control messages at this time.",
    1062: "The service has not been started.",
    1068: "The dependency service or group failed to start.",
}


class ScmError(StateError):
    """A Service Control Manager call failed with Win32 error `code` (str() is the system's message)."""

    def __init__(self, code: int) -> None:
        super().__init__(SCM_ERRORS[code])
        self.code = code


@dataclass
class _Service:
    name: str
    display_name: str
    state: str
    start_mode: str
    depends_on: list[str] = field(default_factory=list)
    stop_fails: bool = False
    start_fails: bool = False

    @property
    def label(self) -> str:
        return f"{self.display_name} ({self.name})"


class SimServices:
    """The services of one host. `writes` counts set calls that changed something or failed on Windows' rules."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.writes = 0
        self._services: dict[str, _Service] = {}
        # What the SCM was asked and did, in order: ("start"|"stop", name, None or the Win32 error code). Tests read
        # it to see an outage (IISADMIN and its dependents stopped, then started) that left the state as it was.
        self.scm_log: list[tuple[str, str, int | None]] = []

    # ----------------------------------------------------------------------------------------------- protocol ops

    def get(self, name: str, fields: list[str]) -> dict[str, Any]:
        """`{"exists": False}`, or `{"exists": True}` plus the asked `fields` (`state`, `start_mode`)."""
        with self.lock:
            service = self._services.get(fold(name))
            if service is None:
                return {"exists": False}
            value: dict[str, Any] = {"exists": True}
            for item in fields:
                value[item] = getattr(service, item)
            return value

    # ----------------------------------------------------------------------------------------- test/scenario API

    def load(self, data: dict[str, Any] | None) -> None:
        """Merges scenario data by service name (see the module docstring); the result must be a state Windows
        can be in. Does not count as writes."""
        with self.lock:
            services = dict(self._services)  # all or nothing: a refused load leaves the state as it was
            for name, spec in (data or {}).items():
                key = fold(str(name))
                if spec is None:
                    services.pop(key, None)
                    continue
                if not isinstance(spec, dict):
                    raise InvalidArgument(f"service {name}: expected a mapping of state, start_mode, ...")
                services[key] = self._merge(str(name), services.get(key), copy.deepcopy(spec))
            _check_consistent(services)
            self._services = services

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """A deep copy in `load`'s shape, by service name, for equality checks."""
        with self.lock:
            return {s.name: {"display_name": s.display_name, "state": s.state, "start_mode": s.start_mode,
                             "depends_on": list(s.depends_on), **({"stop_fails": True} if s.stop_fails else {}),
                             **({"start_fails": True} if s.start_fails else {})}
                    for s in self._services.values()}

    def state_of(self, name: str) -> str | None:
        """The service's state, or None when it is not installed (for `active_causes`)."""
        with self.lock:
            service = self._services.get(fold(name))
            return service.state if service else None

    # ------------------------------------------------------------------- the Service Control Manager, one call each

    def names(self) -> list[str]:
        """Installed service names, in the SCM's (alphabetical, case-insensitive) order."""
        with self.lock:
            return sorted((s.name for s in self._services.values()), key=fold)

    def config(self, name: str) -> dict[str, Any] | None:
        """`{name, display_name, state, start_mode, depends_on, stop_fails}` of a service, None if not installed."""
        with self.lock:
            service = self._services.get(fold(name))
            return None if service is None else copy.deepcopy(vars(service))

    def by_display_name(self, display_name: str) -> str | None:
        with self.lock:
            return next((s.name for s in self._services.values()
                         if fold(s.display_name) == fold(display_name)), None)

    def dependents(self, name: str) -> list[str]:
        """The services that depend on `name` directly (EnumDependentServices lists all, see the Windows layer)."""
        with self.lock:
            return [s.name for s in self._services.values() if any(fold(d) == fold(name) for d in s.depends_on)]

    def scm_start(self, name: str) -> None:
        """StartService: starts the service's dependencies first (the SCM does), then the service."""
        with self.lock:
            service = self._installed(name)
            try:
                if service.state == "running":
                    raise ScmError(1056)
                self._scm_start(service, ())
            except ScmError as exc:
                self.scm_log.append(("start", service.name, exc.code))
                raise
            self.scm_log.append(("start", service.name, None))
            self.writes += 1

    def scm_stop(self, name: str) -> None:
        """ControlService(SERVICE_CONTROL_STOP) on one service: refused while a dependent runs."""
        with self.lock:
            service = self._installed(name)
            code = None
            if service.state == "stopped":
                code = 1062
            elif any(self._services[fold(d)].state != "stopped" for d in self.dependents(service.name)):
                code = 1051
            elif service.stop_fails:
                code = 1061
            self.scm_log.append(("stop", service.name, code))
            if code is not None:
                raise ScmError(code)
            service.state = "stopped"
            self.writes += 1

    def scm_set_start_mode(self, name: str, start_mode: str) -> None:
        """ChangeServiceConfig's start type."""
        with self.lock:
            if start_mode not in START_MODES:
                raise InvalidArgument(f"start_mode must be one of {', '.join(START_MODES)}")
            self._installed(name).start_mode = start_mode
            self.writes += 1

    def _installed(self, name: str) -> _Service:
        service = self._services.get(fold(name))
        if service is None:
            raise ScmError(1060)
        return service

    def _scm_start(self, service: _Service, chain: tuple[str, ...]) -> None:
        if service.state == "running":
            return
        if service.start_mode == "disabled" or service.start_fails:
            raise ScmError((1058 if service.start_mode == "disabled" else 1053) if not chain else 1068)
        for dep in service.depends_on:
            other = self._services.get(fold(dep))
            if other is None or fold(other.name) in chain:
                raise ScmError(1068)
            try:
                self._scm_start(other, (*chain, fold(service.name)))
            except ScmError:
                raise ScmError(1068) from None
        service.state = "running"

    # ------------------------------------------------------------------------------------------------- internals

    def _merge(self, name: str, old: _Service | None, spec: dict[str, Any]) -> _Service:
        unknown = set(spec) - {"display_name", "state", "start_mode", "depends_on", "stop_fails",
                                 "start_fails"}
        if unknown:
            raise InvalidArgument(f"service {name}: unknown field(s) {', '.join(sorted(unknown))}")
        if old is None and not {"state", "start_mode"} <= set(spec):
            raise InvalidArgument(f"service {name}: a new service needs state and start_mode")
        service = copy.deepcopy(old) if old else _Service(name, name, "stopped", "manual")
        service.display_name = str(spec.get("display_name", service.display_name))
        service.state = str(spec.get("state", service.state))
        service.start_mode = str(spec.get("start_mode", service.start_mode))
        service.depends_on = [str(d) for d in spec.get("depends_on", service.depends_on) or []]
        service.stop_fails = bool(spec.get("stop_fails", service.stop_fails))
        service.start_fails = bool(spec.get("start_fails", service.start_fails))
        if service.state not in STATES:
            raise InvalidArgument(f"service {name}: state must be one of {', '.join(STATES)}")
        if service.start_mode not in START_MODES:
            raise InvalidArgument(f"service {name}: start_mode must be one of {', '.join(START_MODES)}")
        return service

    def _start(self, service: _Service, asked: _Service, chain: tuple[str, ...] = ()) -> None:
        if service.state == "running":
            return
        failed = (f"Service '{asked.label}' cannot be started due to the following error: Cannot start service "
                  f"{asked.name} on computer '.'.")
        if service.start_mode == "disabled" or service.start_fails or fold(service.name) in chain:
            raise StateError(failed)
        for dep in service.depends_on:
            other = self._services.get(fold(dep))
            if other is None:
                raise StateError(failed)
            self._start(other, asked, (*chain, fold(service.name)))
        service.state = "running"

    def _stop(self, service: _Service) -> None:
        if service.state == "stopped":
            return
        for other in self._services.values():
            if other.state == "running" and any(fold(d) == fold(service.name) for d in other.depends_on):
                raise StateError(f"Cannot stop service '{service.label}' because it has dependent services. It "
                                 "can only be stopped if the Force flag is set.")
        if service.stop_fails:
            raise StateError(f"Service '{service.label}' cannot be stopped due to the following error: Cannot stop "
                             f"{service.name} service on computer '.'.")
        service.state = "stopped"


def _check_consistent(services: dict[str, _Service]) -> None:
    for service in services.values():
        if service.state != "running":
            continue
        for dep in service.depends_on:
            other = services.get(fold(dep))
            if other is None or other.state != "running":
                raise InvalidArgument(f"service {service.name} is running but depends on {dep}, which is "
                                      f"{'not installed' if other is None else other.state}: Windows cannot "
                                      "be in that state")


# What each platform runs when its scenario says nothing (remediate/lab/platforms.py loads these first). Lab data:
# the services the playbooks check plus their usual dependencies, all in the healthy state.
_EX2003 = {
    "IISADMIN": {"display_name": "IIS Admin Service", "state": "running", "start_mode": "auto"},
    "SMTPSVC": {"display_name": "Simple Mail Transfer Protocol (SMTP)", "state": "running", "start_mode": "auto",
                "depends_on": ["IISADMIN"]},
    "W3SVC": {"display_name": "World Wide Web Publishing Service", "state": "running", "start_mode": "auto",
              "depends_on": ["IISADMIN"]},
    "MSExchangeSA": {"display_name": "Microsoft Exchange System Attendant", "state": "running",
                     "start_mode": "auto"},
    "MSExchangeIS": {"display_name": "Microsoft Exchange Information Store", "state": "running",
                     "start_mode": "auto", "depends_on": ["MSExchangeSA"]},
    # Windows Firewall/ICS on Server 2003 SP1: off on a server that was not set up to filter.
    "SharedAccess": {"display_name": "Windows Firewall/Internet Connection Sharing (ICS)", "state": "stopped",
                     "start_mode": "manual"},
}
_EX15 = {
    "MSExchangeADTopology": {"display_name": "Microsoft Exchange Active Directory Topology", "state": "running",
                             "start_mode": "auto"},
    "MSExchangeTransport": {"display_name": "Microsoft Exchange Transport", "state": "running",
                            "start_mode": "auto", "depends_on": ["MSExchangeADTopology"]},
    "MSExchangeFrontEndTransport": {"display_name": "Microsoft Exchange Frontend Transport", "state": "running",
                                    "start_mode": "auto", "depends_on": ["MSExchangeADTopology"]},
    "MpsSvc": {"display_name": "Windows Firewall", "state": "running", "start_mode": "auto"},
}
DEFAULTS: dict[str, dict[str, Any]] = {
    "win2003-ex2003": _EX2003,
    "win2012r2-ex2013": _EX15,
    "win2019-ex2019": {**_EX15, "WinDefend": {"display_name": "Windows Defender Antivirus Service",
                                              "state": "running", "start_mode": "auto"}},
}
