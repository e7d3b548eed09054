"""The network causes end to end: real CLI -> engine -> pywinrm -> lab host -> a REAL TCP connection to the lab's
SMTP listeners, and real CLI -> engine -> asyncssh -> the lab's IOS router over SSH. Nothing is patched.

Scenario `network-causes` (remediate/lab/scenarios/network-causes.yaml): hosts *-blocked / *-silent / *-masked /
*-ok on Exchange 2003 and 2019, ex2019-custom, router rtr1 (ip inspect name MAILFW smtp timeout 3600, on the path
to relay-masked) and router rtr2 (esmtp inspection: healthy).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from agent_runner import call

from remediate.assets import asset_dir
from remediate.lab.fleet import ROUTER_USER, Lab
from remediate.lab.host import SimHost
from remediate.lab.platforms import facts_for
from remediate.transport.ios_lock import alias_name

BOOKS = asset_dir("playbooks")
PROBES = ["-p", str(BOOKS / "smtp-banner-probe.yaml"), "-p", str(BOOKS / "port25-probe.yaml")]
CISCO = ["-p", str(BOOKS / "cisco-inspect-smtp.yaml")]
LINE = "ip inspect name MAILFW smtp timeout 3600"


@pytest.fixture
def net(tmp_path: Path, lab_password: str) -> Iterator[Lab]:
    lab = Lab.from_scenario("network-causes", password=lab_password).start()
    try:
        lab.write_inventory(tmp_path / "inventory.yaml")
        yield lab
    finally:
        lab.stop()


def items(plan: dict[str, Any], host: str) -> dict[str, dict[str, Any]]:
    found = next(h for h in plan["hosts"] if h["host"] == host)
    assert found["error"] is None, found["error"]
    return {item["rule_id"]: item for item in found["items"]}


def statuses(plan: dict[str, Any], host: str) -> dict[str, str]:
    return {rule: item["status"] for rule, item in items(plan, host).items()}


def test_probes_see_every_banner_form_over_real_sockets(net: Lab, cli: Any) -> None:
    code, plan = cli.json("plan", *PROBES)
    assert code in (0, 2), plan
    seen = {h["host"]: {i["rule_id"]: i["before"] for i in h["items"]} for h in plan["hosts"]}
    for platform in ("ex2003", "ex2019"):
        blocked = seen[f"{platform}-blocked"]["smtp-port25-reachable"]
        assert blocked["classification"] == "unreachable" and blocked["error"] == "connection refused"
        assert statuses(plan, f"{platform}-blocked") == {
            "smtp-port25-reachable": "failed", "smtp-next-hop-banner": "failed", "smtp-next-hop-unmasked": "compliant"}
        silent = seen[f"{platform}-silent"]["smtp-next-hop-banner"]
        assert silent["connected"] is True and silent["banner"] is None and silent["classification"] == "no_banner"
        assert statuses(plan, f"{platform}-silent") == {
            "smtp-port25-reachable": "compliant", "smtp-next-hop-banner": "failed", "smtp-next-hop-unmasked": "compliant"}
        masked = seen[f"{platform}-masked"]["smtp-next-hop-unmasked"]
        assert masked["classification"] == "masked" and masked["banner"].startswith("220 ****")
        assert set(masked["banner"][4:]) <= {"*", "2", "0"}
        assert masked["ehlo"] == ["500 5.5.1 Command unrecognized"]
        assert statuses(plan, f"{platform}-masked") == {
            "smtp-port25-reachable": "compliant", "smtp-next-hop-banner": "failed", "smtp-next-hop-unmasked": "failed"}
        healthy = seen[f"{platform}-ok"]["smtp-next-hop-banner"]
        assert healthy["banner"] == "220 relay-ok.lab.example ESMTP Postfix" and healthy["classification"] == "ok"
        assert healthy["ehlo"][0] == "250-relay-ok.lab.example Hello [127.0.0.1]" and healthy["ehlo"][-1] == "250 OK"
        assert set(statuses(plan, f"{platform}-ok").values()) == {"compliant"}
    custom = seen["ex2019-custom"]["smtp-next-hop-banner"]
    assert custom["banner"] == "220 mx1.partner.example ESMTP MailRelay 4.2 ready" and custom["classification"] == "ok"
    assert statuses(plan, "rtr1") == {} and statuses(plan, "rtr2") == {}  # probes are Windows rules
    # People read the same: the masked host names the Cisco rule.
    code, out, _ = cli("plan", *PROBES, "--limit", "ex2003-masked")
    assert "Cisco SMTP inspection on the path masks the banner: see rule cisco-inspect-smtp" in out
    assert 'banner: "220 ****' in out  # what failed, whole: the masked banner itself
    code, report = cli.json("check", *PROBES, "--limit", "ex2003-masked,ex2019-ok")
    assert code == 2 and report["check"]["verdict"] == "drift"  # a failed probe fails CI


def test_ios_line_plan_apply_clean_plan_rollback(net: Lab, cli: Any) -> None:
    rtr1, rtr2 = net.routers["rtr1"], net.routers["rtr2"]
    original, healthy = rtr1.snapshot(), rtr2.snapshot()
    code, plan = cli.json("plan", *CISCO)
    assert code == 2
    drift = items(plan, "rtr1")["cisco-inspect-smtp"]
    assert drift["status"] == "drift" and drift["before"] == {"lines": [LINE]} and drift["after"] == {"lines": []}
    assert drift["description"] == "ip inspect name * smtp" and "KB 919091 Cause 5" in drift["source"]
    assert statuses(plan, "rtr2") == {"cisco-inspect-smtp": "compliant"}
    assert items(plan, "ex2003-ok") == {}  # an IOS rule is never sent to a Windows host
    assert rtr1.snapshot() == original and "configure terminal" not in rtr1.commands  # plan never writes
    assert rtr1.commands == ["terminal length 0", "show version", "show running-config"]  # one session, one read

    code, result = cli.json("apply", *CISCO, "--yes", "--limit", "routers")
    assert code == 0, result
    outcome = {h["host"]: h["outcome"] for h in result["hosts"]}
    assert outcome["rtr1"] == "applied" and outcome["rtr2"] == "no_changes"
    after = rtr1.snapshot()
    assert LINE not in after["running"] and after["startup"] == after["running"]  # removed and saved
    assert "ip inspect name MAILFW tcp" in after["running"]  # the rest of the rule stays
    # Under the device lock, a line in its own running-config (remediate/transport/ios_lock.py): written, the
    # change made and saved, the lock line removed and the configuration saved again without it.
    lock = alias_name(result["run_id"])
    assert [c.split(" run ")[0] for c in rtr1.commands if c.startswith(("no ", "write", "configure", "end", "alias"))] \
        == ["configure terminal", f"alias exec {lock}", "end", "configure terminal", f"no {LINE}", "end",
            "write memory", "configure terminal", f"no alias exec {lock}", "end", "write memory"]
    assert not any(line.startswith("alias exec remediate-lock-") for line in after["running"] + after["startup"])

    code, plan = cli.json("plan", *CISCO, "--limit", "routers")
    assert code == 0 and statuses(plan, "rtr1") == {"cisco-inspect-smtp": "compliant"}

    code, undone = cli.json("rollback", result["run_id"])
    assert code == 0, undone
    assert {h["host"]: h["outcome"] for h in undone["hosts"]} == {"rtr1": "applied"}
    assert rtr1.snapshot() == original  # the exact line, timeout included, in its place, saved; no lock line left
    lock = alias_name(undone["run_id"])
    assert rtr1.commands[-9:] == [LINE, "end", "write memory", "show running-config",  # re-entered, saved, verified
                                  "show running-config", "configure terminal", f"no alias exec {lock}", "end",
                                  "write memory"]  # the lock released, the configuration saved without it
    assert rtr2.snapshot() == healthy


def test_removing_the_inspect_line_unmasks_the_banner(net: Lab, cli: Any) -> None:
    code, plan = cli.json("plan", *PROBES, "--limit", "ex2003-masked")
    assert items(plan, "ex2003-masked")["smtp-next-hop-unmasked"]["before"]["classification"] == "masked"
    code, result = cli.json("apply", *CISCO, "--yes", "--limit", "rtr1")
    assert code == 0 and result["hosts"][0]["outcome"] == "applied"
    code, plan = cli.json("plan", *PROBES, "--limit", "ex2003-masked")
    seen = items(plan, "ex2003-masked")["smtp-next-hop-banner"]["before"]
    assert seen["classification"] == "ok"
    assert seen["banner"].startswith("220 relay-masked.lab.example Microsoft ESMTP MAIL Service, Version: "
                                     "6.0.3790.3959 ready at ")
    assert "250-XEXCH50" in seen["ehlo"] and "250-X-LINK2STATE" in seen["ehlo"]
    assert set(statuses(plan, "ex2003-masked").values()) == {"compliant"}


@pytest.mark.parametrize("name", ["FW; reload", "FW\ndo reload", "FW\r\nend", "FW | include", "do reload",
                                  "‘FW’\u00e9"])
def test_hostile_inspect_names_are_refused_before_any_session(net: Lab, cli: Any, write: Callable[..., Path],
                                                               name: str) -> None:
    doc = {"rules": [{"id": "inspect-esmtp", "title": "t", "cause": "c", "source": "s", "resources": [
        {"kind": "ios_config_line", "inspect_name": name, "protocol": "esmtp", "state": "present"}]}]}
    book = write("hostile.yaml", json.dumps(doc, ensure_ascii=False))
    code, out, err = cli("plan", "-p", str(book))
    assert code == 1 and "inspect_name" in err
    assert net.routers["rtr1"].commands == [] and net.routers["rtr2"].commands == []


def test_ios_credentials_and_host_key_are_checked(net: Lab, cli: Any, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMEDIATE_LAB_PASSWORD", "wrong")
    code, plan = cli.json("plan", *CISCO, "--limit", "rtr1")
    assert code == 1 and plan["hosts"][0]["error"]["type"] == "authentication"
    monkeypatch.setenv("REMEDIATE_LAB_PASSWORD", net.password)
    (tmp_path / "inventory.known_hosts").write_text("", encoding="ascii")  # a key nobody vouched for
    code, plan = cli.json("plan", *CISCO, "--limit", "rtr1")
    assert code == 1 and plan["hosts"][0]["error"]["type"] == "unreachable"
    assert "host key" in plan["hosts"][0]["error"]["message"]
    assert net.routers["rtr1"].commands == []


def test_the_router_pages_without_terminal_length_0(net: Lab) -> None:
    port = net.network.router_ports["rtr1"]

    async def session() -> str:
        async with asyncssh.connect("127.0.0.1", port, username=ROUTER_USER, password=net.password,
                                    known_hosts=None, client_keys=None) as conn:
            process = await conn.create_process(term_type="vt100")
            out = await asyncio.wait_for(process.stdout.readuntil("rtr1#"), 5)
            process.stdin.write("show running-config\n")
            out += await asyncio.wait_for(process.stdout.readuntil(" --More-- "), 5)
            process.stdin.write(" ")
            out += await asyncio.wait_for(process.stdout.readuntil("rtr1#"), 5)
            process.stdin.write("exit\n")
            return out

    text = asyncio.run(session())
    assert text.count(" --More-- ") == 1 and "Building configuration..." in text and "\r\nend\r\n" in text


def probe(host: str, port: int, timeout_ms: int) -> dict[str, Any]:
    """The agent's smtp.probe from a host outside the lab's network (a plain Windows Server 2019 host, which does
    not bring the lab's listeners in step before it connects: the tests call lab.network.sync() where they must)."""
    prober = SimHost(name="prober", facts=facts_for("win2019-ex2019", "prober", []))
    return call(prober, "smtp.probe", {"host": host, "port": port, "timeout_ms": timeout_ms})


def test_host_listeners_follow_the_simulated_state(make_lab: Callable[..., Lab]) -> None:
    lab = make_lab({"ex03": {"state": {"metabase": {"paths": {"/LM/SMTPSVC/1": {
        "ConnectResponse": "220 mail.contoso.com ready for you"}}}}},
        "ex03b": {"state": {}}}, platform="win2003-ex2003")
    address = lab.network.addresses()
    custom = probe("127.0.0.1", int(address["ex03"].split(":")[1]), 1000)
    assert custom["banner"] == "220 mail.contoso.com ready for you" and custom["classification"] == "ok"
    default = probe("127.0.0.1", int(address["ex03b"].split(":")[1]), 1000)
    assert default["banner"].startswith("220 ex03b.lab.example Microsoft ESMTP MAIL Service, Version: 6.0.3790.")
    assert "250-X-EXPS GSSAPI NTLM LOGIN" in default["ehlo"] and "250-XEXCH50" in default["ehlo"]
    # A corrupt metabase: the Exchange event sinks are not loaded, the X-verbs go (TechNet bb124688).
    lab.hosts["ex03b"].sim.metabase.load({"files": {"current": "unparseable"}})
    corrupt = probe("127.0.0.1", int(address["ex03b"].split(":")[1]), 1000)
    assert not any("X-EXPS" in v or "XEXCH50" in v or "X-LINK2STATE" in v for v in corrupt["ehlo"])
    assert "250-BINARYMIME" in corrupt["ehlo"] and "250-CHUNKING" in corrupt["ehlo"]
    # A stopped SMTP service refuses connections, to any client, and answers again once started.
    sim = lab.hosts["ex03b"].sim
    sim.services.load({"SMTPSVC": {"state": "stopped"}})
    lab.network.sync()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", int(address["ex03b"].split(":")[1])), timeout=2).close()
    sim.services.load({"SMTPSVC": {"state": "running"}})
    lab.network.sync()  # what the smtp.probe op does before it connects (and the lab does every 0.2 s)
    assert probe("127.0.0.1", int(address["ex03b"].split(":")[1]), 1000)["classification"] == "ok"
    assert lab.network.addresses() == address  # the port stays the host's while its service is down


def test_probe_between_lab_hosts_through_the_cli(make_lab: Callable[..., Lab], cli: Any, tmp_path: Path) -> None:
    lab = make_lab({"ex19": {"state": {"exchange": {"receive_connectors": {
        "{server}\\Default Frontend {server}": {"banner": "220 mx.contoso.com hello"}}}}},
        "sender": {"state": {}}}, vars={"smtp_next_hop": "unused", "smtp_probe_timeout_ms": 500})
    inventory = (tmp_path / "inventory.yaml").read_text(encoding="utf-8")
    (tmp_path / "inventory.yaml").write_text(inventory.replace("smtp_next_hop: unused",
                                                               f"smtp_next_hop: {lab.network.addresses()['ex19']}"))
    code, plan = cli.json("plan", *PROBES, "--limit", "sender")
    banner = items(plan, "sender")["smtp-next-hop-banner"]["before"]
    assert banner["banner"] == "220 mx.contoso.com hello" and banner["classification"] == "ok"
    assert "250-X-ANONYMOUSTLS" in banner["ehlo"]


def test_a_host_firewall_that_blocks_port_25_closes_the_listener(make_lab: Callable[..., Lab]) -> None:
    lab = make_lab({"ex19": {"state": {}}})
    port = int(lab.network.addresses()["ex19"].split(":")[1])
    assert probe("127.0.0.1", port, 1000)["classification"] == "ok"
    lab.hosts["ex19"].sim.firewall.load({"enabled": True, "rules": [
        {"name": "Block SMTP", "direction": "in", "protocol": "TCP", "local_port": "25", "action": "block",
         "enabled": True}]})
    lab.network.sync()
    seen = probe("127.0.0.1", port, 1000)
    assert seen["classification"] == "unreachable" and seen["error"] == "connection refused"


def test_a_host_probing_its_own_listener_gets_its_banner(make_lab: Callable[..., Lab], cli: Any,
                                                          tmp_path: Path) -> None:
    # The probing request holds the host's lock for its whole length; the listener must not need it.
    lab = make_lab({"ex03": {"state": {"directory": {}}}}, platform="win2003-ex2003",
                   vars={"smtp_next_hop": "placeholder", "smtp_probe_timeout_ms": 2000})
    path = tmp_path / "inventory.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("placeholder", lab.network.addresses()["ex03"]))
    code, plan = cli.json("plan", *PROBES)
    seen = items(plan, "ex03")["smtp-next-hop-banner"]["before"]
    assert seen["classification"] == "ok" and seen["banner"].startswith("220 ex03.lab.example Microsoft ESMTP")


def test_the_whole_catalog_finds_exactly_the_network_causes(net: Lab, cli: Any) -> None:
    code, plan = cli.json("plan")  # the packaged event-4006 playbooks
    assert code == 2
    found = {h["host"]: sorted(i["rule_id"] for i in h["items"] if i["status"] not in ("compliant", "not_applicable"))
             for h in plan["hosts"]}
    for platform in ("ex2003", "ex2019"):
        assert found[f"{platform}-blocked"] == ["smtp-next-hop-banner", "smtp-port25-reachable"]
        assert found[f"{platform}-silent"] == ["smtp-next-hop-banner"]
        assert found[f"{platform}-masked"] == ["smtp-next-hop-banner", "smtp-next-hop-unmasked"]
        assert found[f"{platform}-ok"] == []
    assert found["ex2019-custom"] == [] and found["rtr2"] == []
    assert found["rtr1"] == ["cisco-inspect-smtp"]
    assert net.total_writes() == 0


def test_a_host_without_a_next_hop_is_not_probed(make_lab: Callable[..., Lab], cli: Any) -> None:
    lab = make_lab({"ex19": {"state": {}}})
    code, plan = cli.json("plan", *PROBES)
    assert code == 0 and set(statuses(plan, "ex19").values()) == {"not_applicable"}
    assert not any(name == "smtp.probe" for name, _ in lab.hosts["ex19"].sim.op_log)
