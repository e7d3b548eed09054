"""Test-NetConnection (module NetTCPIP, Windows Server 2012 R2 and later), over the lab's loopback-only network.

learn.microsoft.com/powershell/module/nettcpip/test-netconnection: `Test-NetConnection [[-ComputerName] <string>]
[-Port <int>] [-InformationLevel Detailed|Quiet]`. With -Port it tries a TCP connection (TcpTestSucceeded) and, when
that fails, writes the warning "TCP connect to (<address> : <port>) failed" and pings; without -Port it pings
(PingSucceeded). -InformationLevel Quiet writes only the boolean result. A name that does not resolve is the warning
"Name resolution of <name> failed" and a result with no address.

The lab's network (as for TcpClient, sockets.py): only loopback is reachable; "localhost" resolves to 127.0.0.1, any
other name does not resolve (the lab has no DNS), and a non-loopback address answers neither ping nor TCP.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any, ClassVar

from remediate.lab.windows import clr
from remediate.lab.windows.refusal import NotModeled


def _available(machine: Any) -> bool:
    major, minor = (int(p) for p in str(machine.os_version).split(".")[:2])
    return (major, minor) >= (6, 3)


@clr.register
class TestNetConnectionResult(clr.DotNetObject):
    TYPE_NAME: ClassVar[str] = "TestNetConnectionResult"

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


def _resolve(name: str) -> str | None:
    if name.rstrip(".").casefold() == "localhost":
        return "127.0.0.1"
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return None


def _tcp(address: str, port: int) -> bool:
    if not ipaddress.ip_address(address).is_loopback:
        return False
    try:
        with socket.create_connection((address, port), timeout=5):
            return True
    except OSError:
        return False


@clr.cmdlet("Test-NetConnection", clr.Param("ComputerName", "System.String", position=0, pipeline=True,
                                            aliases=("RemoteAddress", "cn")),
            clr.Param("Port", "System.Int32"), clr.Param("InformationLevel", "System.String",
                                                         validate_set=("Detailed", "Quiet")),
            module="NetTCPIP", since="4.0", available=_available, aliases=("TNC",))
def test_net_connection(ctx: Any, ComputerName: str | None = None, Port: int | None = None,  # noqa: N803
                        InformationLevel: str | None = None) -> list[Any]:
    if ComputerName is None:
        raise NotModeled("Test-NetConnection without -ComputerName (internetbeacon.msedge.net)")
    address = _resolve(ComputerName)
    quiet = (InformationLevel or "").casefold() == "quiet"
    if address is None:
        ctx.write_warning(f"Name resolution of {ComputerName} failed")
        if quiet:
            return [False]
        return [TestNetConnectionResult(ComputerName=ComputerName, RemoteAddress=None, PingSucceeded=False,
                                        TcpTestSucceeded=False)]
    network = getattr(ctx.machine.host, "network", None)
    if network is not None:
        network.sync()
    ping = ipaddress.ip_address(address).is_loopback
    fields: dict[str, Any] = {"ComputerName": ComputerName, "RemoteAddress": address}
    if Port is None:
        if not ping:
            ctx.write_warning(f"Ping to {address} failed with status: TimedOut")
        fields["PingSucceeded"] = ping
        result = ping
    else:
        succeeded = _tcp(address, int(Port))
        if not succeeded:
            ctx.write_warning(f"TCP connect to ({address} : {Port}) failed")
            if not ping:
                ctx.write_warning(f"Ping to {address} failed with status: TimedOut")
        fields.update(RemotePort=int(Port), TcpTestSucceeded=succeeded, PingSucceeded=ping)
        result = succeeded
    return [result] if quiet else [TestNetConnectionResult(**fields)]
