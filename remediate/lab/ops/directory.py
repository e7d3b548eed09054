"""Exchange 2003 AD ops (templates/agent/ex2003ad.ps1) on `host.directory`, a `SimDirectory`.

`ex2003ad.get_smtp_vs` finds the SMTP virtual server object of an Exchange server (args `server`: its name, ""
for the server the agent runs on; `instance`: the VS number) and answers
`{"smart_host": str|null, "smart_host_type": int|null}` (null: the attribute is not set).
`ex2003ad.set_smtp_vs` takes the same two fields; null clears the attribute. The agent finds the object with two
searches below the configuration naming context (the server by `cn`, then its VS by `cn`), filter values escaped
per RFC 4515; the lab's directory holds only the host's own server, named by its computer name.
"""

from __future__ import annotations

from typing import Any

from remediate.lab.ops.args import text_arg
from remediate.lab.state import InvalidArgument, StateError
from remediate.resources.exchange2003_smtp_vs import SERVER_PATTERN, SMART_HOST_PATTERN

ATTR_HOST = "msExchSmtpSmartHost"
ATTR_TYPE = "msExchSmtpSmartHostType"


def _local_server(host: Any) -> str:
    return str(host.facts.get("hostname") or host.name.split(".")[0].upper())


def _identity(args: Any) -> tuple[str, int]:
    """(server, instance) checked as Get-AdSmtpVsArgs does: server "" means the host itself."""
    server = text_arg(args, "server")
    if server and not SERVER_PATTERN.fullmatch(server):
        raise InvalidArgument("server must be an Exchange server name (letters, digits and hyphens) or empty")
    instance = args.get("instance")
    if isinstance(instance, bool) or not isinstance(instance, int) or not 1 <= instance <= 999999999:
        raise InvalidArgument("instance must be an integer from 1 to 999999999")
    return server, instance


def _find(host: Any, server: str, instance: int) -> int:
    """The VS object's instance, or the agent's error when Find-AdSmtpVirtualServer would find nothing."""
    directory = host.directory
    name = server or _local_server(host)
    config = "CN=Configuration," + directory.layout["domain"]
    if name.lower() != _local_server(host).lower() or not directory.instances():
        raise StateError(f"no Exchange server named '{name}' in {config}")
    if not directory.has_vs(instance):
        raise StateError(f"no SMTP virtual server {instance} on Exchange server '{name}'")
    return instance


def op_get(host: Any, args: Any) -> dict[str, Any]:
    instance = _find(host, *_identity(args))
    return {"smart_host": host.directory.get(instance, ATTR_HOST),
            "smart_host_type": host.directory.get(instance, ATTR_TYPE)}


def op_set(host: Any, args: Any) -> None:
    server, instance = _identity(args)
    smart_host = args.get("smart_host")
    if smart_host is not None and (not isinstance(smart_host, str) or not SMART_HOST_PATTERN.fullmatch(smart_host)):
        raise InvalidArgument("smart_host must be null or FQDNs and [IPv4] literals separated by ';'")
    smart_host_type = args.get("smart_host_type")
    if smart_host_type is not None and (isinstance(smart_host_type, bool) or not isinstance(smart_host_type, int)
                                        or not 0 <= smart_host_type <= 2):
        raise InvalidArgument("smart_host_type must be null, 0, 1 or 2")
    _find(host, server, instance)
    # Only what differs is written: clearing an attribute that is not set would be an LDAP error on a real DC.
    directory = host.directory
    with directory.lock:
        if directory.get(instance, ATTR_HOST) != smart_host:
            directory.put(instance, ATTR_HOST, smart_host)
        if directory.get(instance, ATTR_TYPE) != smart_host_type:
            directory.put(instance, ATTR_TYPE, smart_host_type)


OPS = {"ex2003ad.get_smtp_vs": op_get, "ex2003ad.set_smtp_vs": op_set}
WRITES = {"ex2003ad.set_smtp_vs"}
