"""Services: System.ServiceProcess.ServiceController and the service cmdlets over `machine.services`.

Documents: "ServiceController Class" (learn.microsoft.com/dotnet/api/system.serviceprocess.servicecontroller:
Status is cached until Refresh, DependentServices, ServicesDependedOn, Start, Stop, WaitForStatus),
"ServiceControllerStatus Enum", "ServiceStartMode Enum"; Get-Service, Start-Service, Stop-Service, Set-Service
(learn.microsoft.com/powershell/module/microsoft.powershell.management/get-service, ...). Where the pages are silent,
the cmdlets follow PowerShell's ServiceCommands.cs (the error ids NoServiceFoundForGivenName, CouldNotStartService,
CouldNotStopService, ServiceHasDependentServices and their messages) and ServiceController.Stop stops the running
dependents first, each waiting for Stopped, as the .NET Framework's ServiceController.cs does: a dependent that fails
to stop makes the whole Stop fail with the services stopped so far left stopped.

Transitions are immediate in the lab (the SCM state changes in one call), so WaitForStatus never waits.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.state.services import ScmError
from remediate.lab.windows import clr
from remediate.lab.windows.refusal import NotModeled
from remediate.lab.windows.wildcard import has_wildcard, wildcard
from remediate.lab.windows.clr import (VOID, DotNetObject, EnumType, EnumValue, ErrorRecord, Param, TypedArray,
                                       Win32Exception, cmdlet, register)

ServiceControllerStatus = register(EnumType("System.ServiceProcess.ServiceControllerStatus", {
    "Stopped": 1, "StartPending": 2, "StopPending": 3, "Running": 4, "ContinuePending": 5, "PausePending": 6,
    "Paused": 7}))
ServiceStartMode = register(EnumType("System.ServiceProcess.ServiceStartMode", {
    "Boot": 0, "System": 1, "Automatic": 2, "Manual": 3, "Disabled": 4}))
ServiceCommandException = clr.exception_type("Microsoft.PowerShell.Commands.ServiceCommandException",
                                             clr.SystemException)
TimeoutException = clr.exception_type("System.ServiceProcess.TimeoutException", clr.SystemException,
                                      "Time out has expired and the operation has not been completed.")

_STATUS = {"stopped": "Stopped", "start_pending": "StartPending", "stop_pending": "StopPending",
           "running": "Running", "continue_pending": "ContinuePending", "pause_pending": "PausePending",
           "paused": "Paused"}
_START_TYPES = {"Automatic": "auto", "Manual": "manual", "Disabled": "disabled"}
MODULE = "Microsoft.PowerShell.Management"


def _fold(text: str) -> str:
    return text.casefold()


@register
class ServiceController(DotNetObject):
    """One service as .NET sees it. `Name` is PowerShell's alias property for ServiceName."""

    TYPE_NAME = "System.ServiceProcess.ServiceController"

    def __init__(self, machine: Any, name: str) -> None:
        self._machine = machine
        config = machine.services.config(name)
        if config is None:
            raise clr.InvalidOperationException(f"Service {name} was not found on computer '.'.")
        self._config = config

    @classmethod
    def new(cls, rt: Any, name: Any, *machine_name: Any) -> ServiceController:
        """new ServiceController(name): a service name or a display name."""
        if machine_name:
            raise NotModeled("ServiceController on another computer")
        text = clr.to_str(name)
        found = rt.machine.services.config(text) or rt.machine.services.config(
            rt.machine.services.by_display_name(text) or "")
        return cls(rt.machine, found["name"] if found else text)

    @clr.static
    def GetServices(rt: Any, *machine_name: Any) -> TypedArray:  # noqa: N802,N805
        """ServiceController.GetServices(): the host's services (drivers are not modelled)."""
        if machine_name and clr.to_str(machine_name[0]) not in (".", ""):
            raise NotModeled("ServiceController.GetServices on another computer")
        return TypedArray(ServiceController.TYPE_NAME, [ServiceController(rt.machine, n)
                                                        for n in rt.machine.services.names()])

    # ---- properties

    @property
    def ServiceName(self) -> str:  # noqa: N802 - .NET names
        return self._config["name"]

    @property
    def Name(self) -> str:  # noqa: N802
        return self._config["name"]

    @property
    def DisplayName(self) -> str:  # noqa: N802
        return self._config["display_name"]

    @property
    def MachineName(self) -> str:  # noqa: N802
        return "."

    @property
    def Status(self) -> EnumValue:  # noqa: N802 - the state when this object was made or last refreshed
        return ServiceControllerStatus.member(_STATUS[self._config["state"]])  # type: ignore[return-value]

    @property
    def CanStop(self) -> bool:  # noqa: N802
        return self._config["state"] == "running"

    @property
    def DependentServices(self) -> TypedArray:  # noqa: N802
        return TypedArray(self.TYPE_NAME, [ServiceController(self._machine, n) for n in self._all_dependents()])

    @property
    def ServicesDependedOn(self) -> TypedArray:  # noqa: N802
        found = [self._machine.services.config(d) for d in self._config["depends_on"]]
        return TypedArray(self.TYPE_NAME, [ServiceController(self._machine, c["name"]) for c in found if c])

    @property
    def RequiredServices(self) -> TypedArray:  # noqa: N802 - PowerShell's alias property
        return self.ServicesDependedOn

    def ToString(self) -> str:  # noqa: N802
        return self.TYPE_NAME

    # ---- methods

    def Refresh(self) -> Any:  # noqa: N802
        config = self._machine.services.config(self.ServiceName)
        if config is not None:
            self._config = config
        return VOID

    def Start(self, *args: Any) -> Any:  # noqa: N802
        try:
            self._machine.services.scm_start(self.ServiceName)
        except ScmError as exc:
            raise clr.InvalidOperationException(f"Cannot start service {self.ServiceName} on computer '.'.",
                                                Win32Exception(str(exc), native_error=exc.code)) from None
        return VOID

    def Stop(self) -> Any:  # noqa: N802
        # ServiceController.Stop: every dependent not stopped is stopped first (its own Stop stops its dependents).
        for dependent in self.DependentServices:
            dependent.Refresh()
            if dependent.Status.name != "Stopped":
                dependent.Stop()
                dependent.WaitForStatus(ServiceControllerStatus.member("Stopped"), 30)
        try:
            self._machine.services.scm_stop(self.ServiceName)
        except ScmError as exc:
            raise clr.InvalidOperationException(f"Cannot stop {self.ServiceName} service on computer '.'.",
                                                Win32Exception(str(exc), native_error=exc.code)) from None
        return VOID

    def WaitForStatus(self, status: Any, timeout: Any = None) -> Any:  # noqa: N802
        self.Refresh()
        wanted = status.name if isinstance(status, EnumValue) else clr.to_str(status)
        if self.Status.name.casefold() == wanted.casefold():
            return VOID
        if timeout is None:
            raise NotModeled(f"WaitForStatus({wanted}) without a timeout on a service that is {self.Status.name}",
                             "it would wait forever")
        raise TimeoutException()

    # ---- internals

    def _all_dependents(self) -> list[str]:
        """EnumDependentServices: direct and indirect dependents, those to stop first (the deepest) first."""
        order: list[str] = []

        def visit(name: str, chain: tuple[str, ...]) -> None:
            for dependent in self._machine.services.dependents(name):
                if _fold(dependent) in chain:
                    continue
                visit(dependent, (*chain, _fold(dependent)))
                if _fold(dependent) not in map(_fold, order):
                    order.append(dependent)

        visit(self.ServiceName, (_fold(self.ServiceName),))
        return order


# ---- lookup shared by the cmdlets --------------------------------------------------------------------------

def _not_found(ctx: Any, name: str, display: bool = False) -> None:
    if display:
        ctx.write_error(ErrorRecord(ServiceCommandException(f"Cannot find any service with display name '{name}'."),
                                    "NoServiceFoundForGivenDisplayName", "ObjectNotFound", name))
    else:
        ctx.write_error(ErrorRecord(ServiceCommandException(f"Cannot find any service with service name '{name}'."),
                                    "NoServiceFoundForGivenName", "ObjectNotFound", name))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def find_services(ctx: Any, names: Any = None, display_names: Any = None, input_object: Any = None
                  ) -> list[ServiceController]:
    """The services -Name/-DisplayName/-InputObject select, writing the not-found errors Get-Service writes.

    A name without wildcards is looked up as ServiceController(name) does, so a display name finds its service;
    a pattern matches service names. Without any of them: every service."""
    machine = ctx.machine
    services = machine.services
    found: list[ServiceController] = []
    for item in _as_list(input_object):
        if not isinstance(item, ServiceController):
            raise NotModeled("-InputObject other than ServiceController objects")
        found.append(item)
    for name in map(clr.to_str, _as_list(names)):
        if has_wildcard(name):
            pattern = wildcard(name)
            found += [ServiceController(machine, n) for n in services.names() if pattern.fullmatch(n)]
            continue
        config = services.config(name) or services.config(services.by_display_name(name) or "")
        if config is None:
            _not_found(ctx, name)
        else:
            found.append(ServiceController(machine, config["name"]))
    for name in map(clr.to_str, _as_list(display_names)):
        pattern = wildcard(name)
        matched = [n for n in services.names() if pattern.fullmatch(services.config(n)["display_name"])]
        if not matched and not has_wildcard(name):
            _not_found(ctx, name, display=True)
        found += [ServiceController(machine, n) for n in matched]
    if names is None and display_names is None and input_object is None:
        found = [ServiceController(machine, n) for n in services.names()]
    return found


def _refuse(bound: dict[str, Any], *names: str) -> None:
    for name in names:
        if name in bound:
            raise NotModeled(f"the -{name} parameter of a service cmdlet")


def _error(service: ServiceController, exc: BaseException, error_id: str, verb: str, category: str
           ) -> ErrorRecord:
    message = (f"Service '{service.DisplayName} ({service.ServiceName})' cannot be {verb} due to the following "
               f"error: {getattr(exc, 'Message', str(exc))}")
    return ErrorRecord(ServiceCommandException(message, exc), error_id, category, service)


_COMMON = (Param("Name", "System.String[]", position=0, pipeline=True, aliases=("ServiceName",)),
           Param("DisplayName", "System.String[]"), Param("Include", "System.String[]"),
           Param("Exclude", "System.String[]"))


@cmdlet("Get-Service", *_COMMON, Param("InputObject", "System.ServiceProcess.ServiceController[]"),
        Param("ComputerName", "System.String[]", aliases=("Cn",)),
        Param("DependentServices", "System.Management.Automation.SwitchParameter", aliases=("DS",)),
        Param("RequiredServices", "System.Management.Automation.SwitchParameter",
              aliases=("SDO", "ServicesDependedOn")), module=MODULE)
def get_service(ctx: Any, **bound: Any) -> list[Any]:
    """Get-Service (learn.microsoft.com/powershell/module/microsoft.powershell.management/get-service)."""
    _refuse(bound, "Include", "Exclude", "ComputerName")
    found = find_services(ctx, bound.get("Name"), bound.get("DisplayName"), bound.get("InputObject"))
    if bound.get("DependentServices"):
        found = [d for s in found for d in s.DependentServices]
    elif bound.get("RequiredServices"):
        found = [d for s in found for d in s.ServicesDependedOn]
    return found


def _start(ctx: Any, service: ServiceController) -> bool:
    try:
        service.Start()
    except clr.InvalidOperationException as exc:
        inner = exc.InnerException
        if not (isinstance(inner, Win32Exception) and inner.NativeErrorCode == 1056):  # already running
            ctx.write_error(_error(service, exc, "CouldNotStartService", "started", "OpenError"))
            return False
    service.Refresh()
    return True


@cmdlet("Start-Service", *_COMMON, Param("InputObject", "System.ServiceProcess.ServiceController[]", pipeline=True),
        Param("PassThru", "System.Management.Automation.SwitchParameter"), module=MODULE)
def start_service(ctx: Any, **bound: Any) -> list[Any]:
    """Start-Service (learn.microsoft.com/powershell/module/microsoft.powershell.management/start-service)."""
    _refuse(bound, "Include", "Exclude")
    out = []
    for service in find_services(ctx, bound.get("Name"), bound.get("DisplayName"), bound.get("InputObject")):
        if _start(ctx, service) and bound.get("PassThru"):
            out.append(service)
    return out


def _stop(ctx: Any, service: ServiceController, force: bool) -> bool:
    dependents = service.DependentServices
    if not force and any(d.Status.name != "Stopped" for d in dependents):
        message = (f"Cannot stop service '{service.DisplayName} ({service.ServiceName})' because it has dependent "
                   "services. It can only be stopped if the Force flag is set.")
        ctx.write_error(ErrorRecord(ServiceCommandException(message), "ServiceHasDependentServices",
                                    "InvalidOperation", service))
        return False
    try:
        service.Stop()
    except clr.InvalidOperationException as exc:
        inner = exc.InnerException
        if not (isinstance(inner, Win32Exception) and inner.NativeErrorCode == 1062):  # already stopped
            ctx.write_error(_error(service, exc, "CouldNotStopService", "stopped", "CloseError"))
            return False
    service.Refresh()
    return True


@cmdlet("Stop-Service", *_COMMON, Param("InputObject", "System.ServiceProcess.ServiceController[]", pipeline=True),
        Param("Force", "System.Management.Automation.SwitchParameter"),
        Param("PassThru", "System.Management.Automation.SwitchParameter"), module=MODULE)
def stop_service(ctx: Any, **bound: Any) -> list[Any]:
    """Stop-Service (learn.microsoft.com/powershell/module/microsoft.powershell.management/stop-service): without
    -Force a service with running dependents is not stopped; with it, ServiceController.Stop stops them first."""
    _refuse(bound, "Include", "Exclude")
    out = []
    for service in find_services(ctx, bound.get("Name"), bound.get("DisplayName"), bound.get("InputObject")):
        if _stop(ctx, service, bool(bound.get("Force"))) and bound.get("PassThru"):
            out.append(service)
    return out


@cmdlet("Set-Service", Param("Name", "System.String", position=0, mandatory=False, pipeline=True,
                             aliases=("ServiceName", "SN")),
        Param("InputObject", "System.ServiceProcess.ServiceController", pipeline=True),
        Param("DisplayName", "System.String", aliases=("DN",)), Param("Description", "System.String"),
        Param("StartupType", "System.ServiceProcess.ServiceStartMode", aliases=("StartMode", "SM", "ST")),
        Param("Status", "System.String", validate_set=("Running", "Stopped", "Paused")),
        Param("ComputerName", "System.String[]", aliases=("cn",)),
        Param("PassThru", "System.Management.Automation.SwitchParameter"), module=MODULE)
def set_service(ctx: Any, **bound: Any) -> list[Any]:
    """Set-Service (learn.microsoft.com/powershell/module/microsoft.powershell.management/set-service): the start
    type (Automatic, Manual, Disabled) and the status. A missing service is reported as Get-Service reports it
    (that Set-Service uses the same id is UNCONFIRMED)."""
    _refuse(bound, "DisplayName", "Description", "ComputerName")
    services = find_services(ctx, bound.get("Name"), None, bound.get("InputObject"))
    out = []
    for service in services:
        mode = bound.get("StartupType")
        if mode is not None:
            name = mode.name if isinstance(mode, EnumValue) else clr.to_str(mode)
            wanted = _START_TYPES.get(next((k for k in _START_TYPES if k.casefold() == name.casefold()), ""))
            if wanted is None:
                raise clr.ArgumentException(f"The startup type '{name}' is not supported by Set-Service.")
            ctx.machine.services.scm_set_start_mode(service.ServiceName, wanted)
        status = bound.get("Status")
        if status is not None:
            text = clr.to_str(status).casefold()
            if text == "running":
                _start(ctx, service)
            elif text == "stopped":
                _stop(ctx, service, False)
            else:
                raise NotModeled("pausing a service")
        service.Refresh()
        if bound.get("PassThru"):
            out.append(service)
    return out
