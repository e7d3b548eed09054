"""The real agent's ADSI, Exchange, Defender, firewall and SMTP-probe reads under the interpreter, answered by the
simulated Windows (remediate/lab/windows: adsi*, exchange_cmdlets, snapins, defender_cmdlets, netsecurity, sockets)
over each platform's default lab state; the probe crosses a real loopback connection to the lab's SMTP listener."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from remediate.lab.host import SimHost
from remediate.lab.network import LabNetwork
from remediate.lab.platforms import facts_for, platform_state
from test_agent_runs import run_request


def results(platform: str, *ops: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    answer, _ = run_request(platform, {"version": 1, "mode": "read",
                                       "ops": [{"op": op, "args": args} for op, args in ops]})
    return answer["results"]


def value(result: dict[str, Any]) -> Any:
    assert result["ok"] is True, result
    return result["value"]


def test_metabase_reads_on_2003() -> None:
    port, smart_host = results("win2003-ex2003",
                               ("metabase.get", {"path": "/LM/SMTPSVC/1", "property": "RemoteSmtpPort"}),
                               ("metabase.get", {"path": "/LM/SMTPSVC/1", "property": "SmartHost"}))
    assert value(port) == {"local": True, "type": "DWORD", "value": 25}
    assert value(smart_host) == {"local": False}


def test_ad_smtp_virtual_server_on_2003() -> None:
    [found] = results("win2003-ex2003", ("ex2003ad.get_smtp_vs", {"server": "", "instance": 1}))
    assert value(found) == {"smart_host": None, "smart_host_type": 0}


def test_exchange_defender_and_firewall_reads_on_2019() -> None:
    banner, tnef, defender, rule, missing = results(
        "win2019-ex2019", ("exchange.receiveconnector.get", {"identity": None}),
        ("exchange.remotedomain.get", {"name": "Default"}),
        ("defender.get", {"type": "process", "value": "edgetransport.exe"}),
        ("firewall.get", {"name": "smtp-in (remediate)"}), ("firewall.get", {"name": "nothing"}))
    assert value(banner) == {"banner": None}
    assert value(tnef) == {"tnef_enabled": None}
    assert value(defender) == {"exists": True}
    assert value(rule) == {"exists": True, "direction": "in", "protocol": "TCP", "local_port": "25",
                           "action": "allow", "enabled": True}
    assert value(missing) == {"exists": False}


def test_firewall_on_2003_has_no_api() -> None:
    [rule] = results("win2003-ex2003", ("firewall.get", {"name": "x"}))
    assert rule["ok"] is False and "not available on this host" in rule["error"]["message"]


@pytest.fixture(scope="module")
def listener() -> Iterator[int]:
    host = SimHost(name="mx1", facts=facts_for("win2019-ex2019", "mx1", []))
    for domain, data in platform_state("win2019-ex2019").items():
        getattr(host, domain).load(data)
    host.exchange.load({"receive_connectors": {"{server}\\Default Frontend {server}": {"banner": "220 mx1 ready"}}})
    network = LabNetwork({"mx1": host}, [], {})
    network.start(password="unused", user="unused")
    try:
        yield int(network.addresses()["mx1"].rsplit(":", 1)[1])
    finally:
        network.stop()


@pytest.mark.parametrize("platform", ["win2003-ex2003", "win2019-ex2019"])
def test_smtp_probe_of_a_lab_listener(platform: str, listener: int) -> None:
    [probe] = results(platform, ("smtp.probe", {"host": "127.0.0.1", "port": listener, "timeout_ms": 3000}))
    found = value(probe)
    assert (found["connected"], found["banner"], found["classification"], found["error"]) == \
        (True, "220 mx1 ready", "ok", None)
    assert found["ehlo"][0].startswith("250-") and found["ehlo"][-1].startswith("250 ")


def test_smtp_probe_refused_and_unreachable() -> None:
    refused, unreachable = results("win2019-ex2019", ("smtp.probe", {"host": "127.0.0.1", "port": 1,
                                                                     "timeout_ms": 1000}),
                                   ("smtp.probe", {"host": "192.0.2.25", "port": 25, "timeout_ms": 1000}))
    assert (value(refused)["classification"], value(refused)["error"]) == ("unreachable", "connection refused")
    assert value(unreachable)["error"] == "socket error NetworkUnreachable"
