"""Exchange ops (templates/agent/exchange.ps1) on `host.exchange`, a `SimExchange`.

Same names, arguments, values, checks (in the same order) and messages as the PowerShell functions:

- `exchange.sendconnector.get {name, fields}` -> the listed fields of the connector: `dns_routing_enabled` (bool),
  `port` (int), `smart_hosts` (lowercase, IPs as `[a.b.c.d]`, sorted: Exchange load-balances over them, so they
  are a set);
- `exchange.sendconnector.set {name, dns_routing_enabled?, smart_hosts?, port?}` -> null; one Set-SendConnector
  call with exactly the parameters given (`smart_hosts: []` is `-SmartHosts $null`);
- `exchange.receiveconnector.get {identity}` / `.set {identity, banner}` -> `{"banner": text or null}`; identity
  `SERVER\\Name`, a bare `Name`, or null for "Default Frontend <this server>"; only this server's connectors;
- `exchange.receiveconnector.set_ad_banner {identity, banner}` -> null; the banner written to the connector's AD
  attribute msExchSmtpReceiveBanner, past the cmdlet's check (any text without NUL; null or "" clears);
- `exchange.remotedomain.get {name}` / `.set {name, tnef_enabled}` -> `{"tnef_enabled": true/false/null}`.

Arguments are checked before the shell is touched; a missing object is a `Failed` error naming it.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.ops.args import text_arg
from remediate.lab.state import InvalidArgument
from remediate.lab.state.exchange import (
    BANNER_INVALID,
    SMART_HOSTS_REQUIRED,
    SimExchange,
    banner_ok,
    same_name,
    smart_host_problem,
    wire_smart_hosts,
)
from remediate.resources.exchange_send_connector import is_wire_smart_host

SEND_FIELDS = ("dns_routing_enabled", "port", "smart_hosts")


def _state(host: Any) -> SimExchange:
    state: SimExchange = host.exchange
    state.require_shell()
    return state


def _name(args: Any) -> str:
    name = text_arg(args, "name")
    if name == "":
        raise InvalidArgument("argument 'name' must not be empty")
    return name


def _fields(args: Any) -> list[str]:
    fields = args.get("fields")
    if (not isinstance(fields, list) or not fields or len(set(map(str, fields))) != len(fields)
            or not all(isinstance(f, str) and f in SEND_FIELDS for f in fields)):
        raise InvalidArgument("argument 'fields' must be an array of distinct names among "
                              "dns_routing_enabled, port, smart_hosts")
    return fields


def _smart_hosts(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        raise InvalidArgument("argument 'smart_hosts' must be an array of strings")
    for host in value:
        if not is_wire_smart_host(host):
            raise InvalidArgument(smart_host_problem(host))
    if len(set(value)) != len(value):
        raise InvalidArgument("argument 'smart_hosts' must not list a smart host twice")
    return list(value)


def op_send_get(host: Any, args: Any) -> dict[str, Any]:
    name, fields = _name(args), _fields(args)
    connector = _state(host).send_connector(name)
    value = {"dns_routing_enabled": connector["dns_routing_enabled"], "port": connector["port"],
             "smart_hosts": wire_smart_hosts(connector["smart_hosts"])}
    return {field: value[field] for field in fields}


def op_send_set(host: Any, args: Any) -> None:
    name = _name(args)
    params: dict[str, Any] = {}
    if "dns_routing_enabled" in args:
        if not isinstance(args["dns_routing_enabled"], bool):
            raise InvalidArgument("argument 'dns_routing_enabled' must be true or false")
        params["dns_routing_enabled"] = args["dns_routing_enabled"]
    if "smart_hosts" in args:
        params["smart_hosts"] = _smart_hosts(args["smart_hosts"])
    if "port" in args:
        port = args["port"]
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise InvalidArgument("argument 'port' must be a whole number from 0 to 65535")
        params["port"] = port
    if not params:
        raise InvalidArgument("nothing to set: give dns_routing_enabled, smart_hosts or port")
    if params.get("dns_routing_enabled") is False and not params.get("smart_hosts"):
        raise InvalidArgument(SMART_HOSTS_REQUIRED)
    _state(host).set_send_connector(name, **params)


def _server(host: Any) -> str:
    # What $env:COMPUTERNAME says on the host: the facts op's hostname.
    return str(host.facts.get("hostname") or host.name.split(".")[0].upper())


def _receive_identity(host: Any, args: Any) -> str:
    """The full `SERVER\\Name` of the connector an op names, on this server only."""
    if not isinstance(args, dict):
        raise InvalidArgument("args must be an object")
    identity = args.get("identity")
    server = _server(host)
    if identity is None:
        return f"{server}\\Default Frontend {server}"
    if not isinstance(identity, str) or "\0" in identity:
        raise InvalidArgument("argument 'identity' must be null or a string without NUL characters")
    parts = identity.split("\\")
    if len(parts) > 2 or any(p == "" for p in parts):
        raise InvalidArgument(f"receive connector identity '{identity}' must be SERVER\\Name or Name")
    if len(parts) == 2 and not same_name(parts[0], server):
        raise InvalidArgument(f"receive connector '{identity}' is not on this server ({server}): "
                              "the agent manages the receive connectors of the server it runs on")
    return f"{server}\\{parts[-1]}"


def op_receive_get(host: Any, args: Any) -> dict[str, Any]:
    identity = _receive_identity(host, args)
    return {"banner": _state(host).receive_connector_banner(identity)}


def op_receive_set(host: Any, args: Any) -> None:
    identity = _receive_identity(host, args)
    banner = args.get("banner")
    if "banner" not in args or not banner_ok(banner):
        raise InvalidArgument(BANNER_INVALID)
    _state(host).set_receive_connector_banner(identity, banner)


def op_receive_set_ad_banner(host: Any, args: Any) -> None:
    identity = _receive_identity(host, args)
    banner = args.get("banner")
    if "banner" not in args or (banner is not None and (not isinstance(banner, str) or "\0" in banner)):
        raise InvalidArgument("argument 'banner' must be null or a string without NUL characters")
    _state(host).set_receive_connector_ad_banner(identity, banner)


def op_remote_get(host: Any, args: Any) -> dict[str, Any]:
    name = _name(args)
    return {"tnef_enabled": _state(host).remote_domain_tnef(name)}


def op_remote_set(host: Any, args: Any) -> None:
    name = _name(args)
    value = args.get("tnef_enabled", "missing")
    if value is not None and not isinstance(value, bool):
        raise InvalidArgument("argument 'tnef_enabled' must be true, false or null")
    _state(host).set_remote_domain_tnef(name, value)


OPS = {
    "exchange.sendconnector.get": op_send_get,
    "exchange.sendconnector.set": op_send_set,
    "exchange.receiveconnector.get": op_receive_get,
    "exchange.receiveconnector.set": op_receive_set,
    "exchange.receiveconnector.set_ad_banner": op_receive_set_ad_banner,
    "exchange.remotedomain.get": op_remote_get,
    "exchange.remotedomain.set": op_remote_set,
}
WRITES = {"exchange.sendconnector.set", "exchange.receiveconnector.set", "exchange.receiveconnector.set_ad_banner",
          "exchange.remotedomain.set"}
