"""WMI over the lab host: Get-WmiObject (PowerShell 1.0+) and Get-CimInstance (3.0+, so not on a 2.0 host) for the
classes the lab models, with the namespaces a host has.

Documents: Get-WmiObject (learn.microsoft.com/powershell/module/microsoft.powershell.management/get-wmiobject,
5.1; errors are the ManagementException of System.Management, written with the id GetWMIManagementException),
Get-CimInstance (learn.microsoft.com/powershell/module/cimcmdlets/get-ciminstance), "WMI Error Constants"
(learn.microsoft.com/windows/win32/wmisdk/wmi-error-constants: WBEM_E_INVALID_NAMESPACE 0x8004100E,
WBEM_E_INVALID_CLASS 0x80041010), and the classes: Win32_OperatingSystem and Win32_Service (learn.microsoft.com/
windows/win32/cimwin32prov/...; Win32_Service.State "Running", "Start Pending", ...; StartMode "Auto", "Manual",
"Disabled", "Boot", "System"; OSArchitecture exists from Windows Vista/Server 2008 on), AntiVirusProduct in
root\\SecurityCenter2 (Windows Security Center: client editions of Windows Vista SP1 and later only; every lab
platform is a server, so the namespace is absent), Exchange_Link in root\\MicrosoftExchangeV2 (Exchange 2003 SDK,
"Exchange_Link Class": StateActive, StateRetry, StateFrozen, MessageCount, ExtendedStateInfo) over `machine.mail`.

The message texts: PowerShell 2.0 shows the ManagementException's own text ("Invalid namespace ", "Invalid class ",
with their trailing space); that 5.1 names the namespace or class in quotes follows its output as commonly quoted
and is UNCONFIRMED.
"""

from __future__ import annotations

import re
from typing import Any

from remediate.lab.windows import clr
from remediate.lab.windows.clr import DotNetObject, ErrorRecord, Param, cmdlet, register
from remediate.lab.windows.refusal import NotModeled

ManagementException = clr.exception_type("System.Management.ManagementException", clr.SystemException)
CimException = clr.exception_type("Microsoft.Management.Infrastructure.CimException", clr.SystemException)
INVALID_NAMESPACE, INVALID_CLASS = 0x8004100E, 0x80041010

_STATE = {"running": "Running", "stopped": "Stopped", "start_pending": "Start Pending",
          "stop_pending": "Stop Pending", "continue_pending": "Continue Pending", "pause_pending": "Pause Pending",
          "paused": "Paused"}
_START_MODE = {"auto": "Auto", "manual": "Manual", "disabled": "Disabled", "boot": "Boot", "system": "System"}


@register
class ManagementObject(DotNetObject):
    """System.Management.ManagementObject as PowerShell adapts it: the class's properties are its members."""

    TYPE_NAME = "System.Management.ManagementObject"
    WMI_CLASS = ""

    def ToString(self) -> str:  # noqa: N802
        return f"\\\\.\\{self.WMI_NAMESPACE}:{self.WMI_CLASS}"  # type: ignore[attr-defined]


def instance(namespace: str, wmi_class: str, values: dict[str, Any]) -> ManagementObject:
    """One WMI instance whose properties (and __CLASS, __NAMESPACE) read `values`."""
    members: dict[str, Any] = {"WMI_CLASS": wmi_class, "WMI_NAMESPACE": namespace}
    for name, value in {**values, "__CLASS": wmi_class, "__NAMESPACE": namespace}.items():
        members[name] = property(lambda self, v=value: v)
    return type(wmi_class, (ManagementObject,), members)()


def _major(machine: Any) -> int:
    return int(str(machine.os_version).split(".")[0])


def _operating_system(machine: Any) -> list[dict[str, Any]]:
    facts = getattr(machine.host, "facts", {}) or {}
    caption = str(facts.get("os_caption") or "")
    legacy = _major(machine) < 6
    values: dict[str, Any] = {
        "Caption": caption + (" " if legacy else ""),  # Server 2003's caption ends with a space
        "Version": str(machine.os_version), "BuildNumber": str(machine.os_version).split(".")[-1],
        "CSName": str(facts.get("hostname") or machine.host.name).upper(), "ProductType": clr.UInt32(3),
        "OSType": clr.UInt16(18), "CSDVersion": None}
    if not legacy:
        values["OSArchitecture"] = "64-bit"
    return [values]


def _services(machine: Any) -> list[dict[str, Any]]:
    out = []
    for name in machine.services.names():
        config = machine.services.config(name)
        out.append({"Name": config["name"], "DisplayName": config["display_name"],
                    "State": _STATE[config["state"]], "StartMode": _START_MODE[config["start_mode"]],
                    "Started": config["state"] == "running", "AcceptStop": config["state"] == "running",
                    "ServiceType": "Own Process", "Status": "OK"})
    return out


def _exchange_links(machine: Any) -> list[dict[str, Any]]:
    queue = machine.mail.queue()
    remote = machine.mail.remote_host()["fqdn"]

    def link(name: str, status: str, messages: int, error: str | None) -> dict[str, Any]:
        return {"LinkName": name, "ProtocolName": "SMTP", "VirtualServerName": "1",
                "StateActive": status == "Active", "StateRetry": status == "Retry", "StateFrozen": False,
                "MessageCount": clr.UInt32(messages), "ExtendedStateInfo": error}

    return [link("Messages awaiting directory lookup", "Ready", 0, None), link("Local delivery", "Ready", 0, None),
            link(remote, queue["status"], queue["messages"], queue["last_error"])]


def _is_exchange_2003(machine: Any) -> bool:
    return str(getattr(machine, "exchange_version", None) or "").startswith(("6.", "5."))


# namespace (casefolded) -> (whether the host has it, {class (casefolded) -> (class name, instances)})
NAMESPACES: dict[str, tuple[Any, dict[str, tuple[str, Any]]]] = {
    "root\\cimv2": (lambda m: True, {"win32_operatingsystem": ("Win32_OperatingSystem", _operating_system),
                                     "win32_service": ("Win32_Service", _services)}),
    "root\\securitycenter2": (lambda m: False, {}),  # client SKUs only; the lab's hosts are servers
    "root\\microsoftexchangev2": (_is_exchange_2003, {"exchange_link": ("Exchange_Link", _exchange_links)}),
}
_FILTER = re.compile(r"\s*(\w+)\s*=\s*(?:'([^']*)'|\"([^\"]*)\")\s*")


def query(machine: Any, namespace: str, wmi_class: str, wql_filter: str | None) -> list[ManagementObject] | int:
    """The instances, or the WBEM error code (invalid namespace or class)."""
    entry = NAMESPACES.get(namespace.casefold().replace("/", "\\"))
    if entry is None or not entry[0](machine):
        return INVALID_NAMESPACE
    found = entry[1].get(wmi_class.casefold())
    if found is None:
        return INVALID_CLASS
    rows = found[1](machine)
    if wql_filter is not None:
        match = _FILTER.fullmatch(wql_filter)
        if match is None:
            raise NotModeled("a WQL filter other than Property='value'", wql_filter)
        prop, wanted = match.group(1), match.group(2) if match.group(2) is not None else match.group(3)
        rows = [r for r in rows if any(k.casefold() == prop.casefold() and str(v).casefold() == wanted.casefold()
                                       for k, v in r.items())]
    return [instance(namespace, found[0], row) for row in rows]


def _message(ps_version: int, code: int, namespace: str, wmi_class: str) -> str:
    word, name = ("namespace", namespace) if code == INVALID_NAMESPACE else ("class", wmi_class)
    return f"Invalid {word} " if ps_version == 2 else f'Invalid {word} "{name}"'


@cmdlet("Get-WmiObject", Param("Class", "System.String", position=0), Param("Property", "System.String[]", position=1),
        Param("Namespace", "System.String", aliases=("NS",)), Param("Filter", "System.String"),
        Param("Query", "System.String"), Param("ComputerName", "System.String[]", aliases=("Cn",)),
        Param("Credential", "System.Management.Automation.PSCredential"),
        Param("List", "System.Management.Automation.SwitchParameter"), aliases=("gwmi",))
def get_wmi_object(ctx: Any, **bound: Any) -> list[Any]:
    """Get-WmiObject [-Class] C [-Namespace N] [-Filter "Name='x'"]."""
    for name in ("Property", "Query", "ComputerName", "Credential", "List"):
        if name in bound:
            raise NotModeled(f"Get-WmiObject -{name}")
    if "Class" not in bound:
        raise NotModeled("Get-WmiObject without -Class")
    namespace = clr.to_str(bound.get("Namespace") or "root\\cimv2")
    wmi_class = clr.to_str(bound["Class"])
    found = query(ctx.machine, namespace, wmi_class, clr.to_str(bound["Filter"]) if "Filter" in bound else None)
    if isinstance(found, int):
        error = ManagementException(_message(ctx.ps_version, found, namespace, wmi_class))
        error.ErrorCode = found  # type: ignore[attr-defined]
        ctx.write_error(ErrorRecord(error, "GetWMIManagementException", "InvalidOperation", None))
        return []
    return found


@cmdlet("Get-CimInstance", Param("ClassName", "System.String", position=0),
        Param("Namespace", "System.String"), Param("Filter", "System.String"), Param("Query", "System.String"),
        Param("ComputerName", "System.String[]", aliases=("CN", "ServerName")),
        Param("CimSession", "Microsoft.Management.Infrastructure.CimSession[]"),
        module="CimCmdlets", since="3.0", available=lambda machine: machine.ps_version >= 3, aliases=("gcim",))
def get_cim_instance(ctx: Any, **bound: Any) -> list[Any]:
    """Get-CimInstance [-ClassName] C [-Namespace N] [-Filter ...] (PowerShell 3.0 and later)."""
    for name in ("Query", "ComputerName", "CimSession"):
        if name in bound:
            raise NotModeled(f"Get-CimInstance -{name}")
    if "ClassName" not in bound:
        raise NotModeled("Get-CimInstance without -ClassName")
    namespace = clr.to_str(bound.get("Namespace") or "root\\cimv2")
    wmi_class = clr.to_str(bound["ClassName"])
    found = query(ctx.machine, namespace, wmi_class, clr.to_str(bound["Filter"]) if "Filter" in bound else None)
    if isinstance(found, int):
        word = "namespace" if found == INVALID_NAMESPACE else "class"
        error = CimException(f"Invalid {word} ")
        ctx.write_error(ErrorRecord(error, f"HRESULT 0x{found:x}", "MetadataError" if word == "class"
                                    else "InvalidArgument", namespace if word == "namespace" else wmi_class))
        return []
    return found
