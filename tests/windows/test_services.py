"""Services: ServiceController and Get-/Start-/Stop-/Set-Service over the lab (remediate/lab/windows/services.py)."""

from __future__ import annotations

import pytest
from lab_hosts import ctx_for

from remediate.lab.windows import clr
from remediate.lab.windows.services import (ServiceController, ServiceStartMode, get_service, set_service,
                                            start_service, stop_service)


def states(ctx, *names):
    return [ctx.machine.services.state_of(n) for n in names]


def ids(ctx):
    return [(r.error_id, r.category, str(r.exception)) for r in ctx.errors]


@pytest.mark.parametrize("name, found", [
    ("SMTPSVC", ["SMTPSVC"]), ("smtpsvc", ["SMTPSVC"]), ("IIS Admin Service", ["IISADMIN"]),
    ("MSExchange*", ["MSExchangeIS", "MSExchangeSA"]), ("W?SVC", ["W3SVC"]), ("Nope*", []),
])
def test_get_service_by_name_display_name_and_pattern(name, found):
    ctx = ctx_for("win2003-ex2003")
    assert [s.ServiceName for s in get_service(ctx, Name=[name])] == found
    assert ctx.errors == []


def test_get_service_missing_name_is_a_non_terminating_error_with_its_id():
    ctx = ctx_for("win2003-ex2003")
    assert [s.Name for s in get_service(ctx, Name=["Nope", "SMTPSVC"])] == ["SMTPSVC"]
    assert ids(ctx) == [("NoServiceFoundForGivenName", "ObjectNotFound",
                         "Cannot find any service with service name 'Nope'.")]
    assert isinstance(ctx.errors[0].exception, clr.TYPES["microsoft.powershell.commands.servicecommandexception"])
    assert ctx.errors[0].target == "Nope"


def test_service_controller_members():
    ctx = ctx_for("win2003-ex2003")
    (iis,) = get_service(ctx, Name=["IISADMIN"])
    assert (iis.Name, iis.DisplayName, iis.Status.ToString()) == ("IISADMIN", "IIS Admin Service", "Running")
    assert sorted(s.ServiceName for s in iis.DependentServices) == ["SMTPSVC", "W3SVC"]
    (smtp,) = get_service(ctx, Name=["SMTPSVC"])
    assert [s.ServiceName for s in smtp.ServicesDependedOn] == ["IISADMIN"]
    assert [s.ServiceName for s in get_service(ctx, Name=["SMTPSVC"], RequiredServices=True)] == ["IISADMIN"]
    # Status is the state when the object was made, until Refresh (ServiceController caches it).
    ctx.machine.services.scm_stop("SMTPSVC")
    assert smtp.Status.ToString() == "Running"
    smtp.Refresh()
    assert smtp.Status.ToString() == "Stopped"


def test_stop_without_force_refuses_a_service_with_running_dependents():
    ctx = ctx_for("win2003-ex2003")
    stop_service(ctx, Name=["IISADMIN"])
    assert ids(ctx) == [("ServiceHasDependentServices", "InvalidOperation",
                         "Cannot stop service 'IIS Admin Service (IISADMIN)' because it has dependent services. It "
                         "can only be stopped if the Force flag is set.")]
    assert states(ctx, "IISADMIN", "SMTPSVC") == ["running", "running"]


def test_stop_force_stops_dependents_first_and_start_starts_dependencies():
    ctx = ctx_for("win2003-ex2003")
    stop_service(ctx, Name=["IISADMIN"], Force=True)
    assert ctx.errors == [] and states(ctx, "IISADMIN", "SMTPSVC", "W3SVC") == ["stopped"] * 3
    start_service(ctx, Name=["SMTPSVC"])  # the SCM starts what SMTPSVC depends on
    assert ctx.errors == [] and states(ctx, "IISADMIN", "SMTPSVC", "W3SVC") == ["running", "running", "stopped"]
    start_service(ctx, Name=["SMTPSVC"])  # already running: no error
    assert ctx.errors == []


def test_a_dependent_that_fails_to_stop_fails_stop_service_force():
    """Issue 18 defect 1's lab case: Stop-Service IISADMIN -Force with a dependent that does not stop."""
    ctx = ctx_for("win2003-ex2003", services={"SMTPSVC": {"stop_fails": True}})
    stop_service(ctx, Name=["IISADMIN"], Force=True)
    ((error_id, category, message),) = ids(ctx)
    assert (error_id, category) == ("CouldNotStopService", "CloseError")
    assert message == ("Service 'IIS Admin Service (IISADMIN)' cannot be stopped due to the following error: "
                       "Cannot stop SMTPSVC service on computer '.'.")
    inner = ctx.errors[0].exception.InnerException
    assert isinstance(inner, clr.InvalidOperationException) and inner.InnerException.NativeErrorCode == 1061
    assert states(ctx, "IISADMIN", "SMTPSVC") == ["running", "running"]


def test_start_of_a_disabled_service_and_of_one_whose_dependency_is_disabled():
    ctx = ctx_for("win2003-ex2003", services={"IISADMIN": {"state": "stopped", "start_mode": "disabled"},
                                              "SMTPSVC": {"state": "stopped"}, "W3SVC": {"state": "stopped"}})
    start_service(ctx, Name=["IISADMIN"])
    start_service(ctx, Name=["SMTPSVC"])
    assert ids(ctx) == [
        ("CouldNotStartService", "OpenError", "Service 'IIS Admin Service (IISADMIN)' cannot be started due to the "
         "following error: Cannot start service IISADMIN on computer '.'."),
        ("CouldNotStartService", "OpenError", "Service 'Simple Mail Transfer Protocol (SMTP) (SMTPSVC)' cannot be "
         "started due to the following error: Cannot start service SMTPSVC on computer '.'.")]
    codes = [e.exception.InnerException.InnerException.NativeErrorCode for e in ctx.errors]
    assert codes == [1058, 1068]


def test_set_service_startup_type_and_input_object():
    ctx = ctx_for("win2003-ex2003")
    set_service(ctx, Name="SMTPSVC", StartupType=ServiceStartMode.member("Disabled"))
    assert ctx.machine.services.config("SMTPSVC")["start_mode"] == "disabled"
    set_service(ctx, Name="SMTPSVC", StartupType="manual")
    assert ctx.machine.services.config("SMTPSVC")["start_mode"] == "manual"
    (w3,) = get_service(ctx, Name=["W3SVC"])
    stop_service(ctx, InputObject=w3)
    assert states(ctx, "W3SVC") == ["stopped"] and ctx.errors == []


def test_new_service_controller_for_a_missing_service():
    ctx = ctx_for("win2003-ex2003")
    with pytest.raises(clr.InvalidOperationException, match="Service Nope was not found on computer '.'."):
        ServiceController.new(ctx, "Nope")


def test_start_fails_and_the_iisadmin_restart_sequence():
    """Issue 18 defect 1, second half: IISADMIN fails to start again; its dependents cannot start without it."""
    ctx = ctx_for("win2003-ex2003", services={"IISADMIN": {"start_fails": True}})
    (iis,) = get_service(ctx, Name=["IISADMIN"])
    running = [d.ServiceName for d in iis.DependentServices if d.Status.ToString() == "Running"]
    stop_service(ctx, Name=["IISADMIN"], Force=True)
    assert ctx.errors == [] and states(ctx, "IISADMIN", "SMTPSVC", "W3SVC") == ["stopped"] * 3
    start_service(ctx, Name=["IISADMIN"])
    for name in reversed(running):
        start_service(ctx, Name=[name])
    assert [e.error_id for e in ctx.errors] == ["CouldNotStartService"] * 3
    assert ctx.errors[0].exception.InnerException.InnerException.NativeErrorCode == 1053
    assert states(ctx, "IISADMIN", "SMTPSVC", "W3SVC") == ["stopped"] * 3
    assert ctx.machine.services.snapshot()["IISADMIN"]["start_fails"] is True


def test_the_scm_log_records_an_outage():
    ctx = ctx_for("win2003-ex2003")
    stop_service(ctx, Name=["IISADMIN"], Force=True)
    start_service(ctx, Name=["IISADMIN"])
    start_service(ctx, Name=["SMTPSVC"])
    log = ctx.machine.services.scm_log
    assert [entry[:2] for entry in log] in (
        [("stop", "SMTPSVC"), ("stop", "W3SVC"), ("stop", "IISADMIN"), ("start", "IISADMIN"), ("start", "SMTPSVC")],
        [("stop", "W3SVC"), ("stop", "SMTPSVC"), ("stop", "IISADMIN"), ("start", "IISADMIN"), ("start", "SMTPSVC")])
    assert all(code is None for _, _, code in log)


def test_get_services_lists_every_service():
    ctx = ctx_for("win2003-ex2003")
    assert [s.ServiceName for s in ServiceController.GetServices(ctx)] == ctx.machine.services.names()
