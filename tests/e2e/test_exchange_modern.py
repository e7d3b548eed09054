"""Exchange 2013/2019 causes end to end: CLI -> engine -> real pywinrm -> lab WS-Management -> SimExchange.

The shipped playbooks (smart-host-modern, smtp-banner-modern, tnef-remote-domain) against the shipped scenario
exchange-modern-causes, then one kind at a time, hostile strings, and the hosts the rules must leave alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from remediate.lab.fleet import Lab, load_scenario
from remediate.lab.causes.exchange import active_causes

REPO = Path(__file__).resolve().parents[2]
BOOKS = ["smart-host-modern.yaml", "smtp-banner-modern.yaml", "tnef-remote-domain.yaml"]
SMART, BANNER, TNEF = "exchange-send-connector-smart-host", "exchange-receive-connector-banner", \
    "exchange-remote-domain-no-tnef"
# Scenario host suffix -> the lab's cause id and the rule that must report it.
CAUSES = {"smarthost": ("smart-host-wrong", SMART), "banner": ("no-banner", BANNER),
          "tnef": ("tnef-not-understood", TNEF), "ok": (None, None)}
PLATFORMS = ["win2012r2-ex2013", "win2019-ex2019"]
VARS = {"send_connector_name": "Internet", "smart_hosts": ["relay1.contoso.com", "[10.0.0.25]"],
        "non_tnef_remote_domain": "Fabrikam", "smtp_banner": None}


def books(*names: str) -> list[str]:
    out: list[str] = []
    for name in names or BOOKS:
        out += ["-p", str(REPO / "playbooks" / name)]
    return out


def drift(host: dict[str, Any]) -> set[str]:
    return {i["rule_id"] for i in host["items"] if i["status"] == "drift"}


def snapshots(lab: Lab) -> dict[str, Any]:
    return {name: h.sim.exchange.snapshot() for name, h in lab.hosts.items()}


@pytest.fixture
def scenario_lab(tmp_path: Path, lab_password: str):  # type: ignore[no-untyped-def]
    lab = Lab(load_scenario("exchange-modern-causes"), password=lab_password).start()
    lab.write_inventory(tmp_path / "inventory.yaml")
    yield lab
    lab.stop()


# -------------------------------------------------------------------------------------------- the shipped scenario

def test_plan_reports_each_cause_on_its_host_only_and_writes_nothing(scenario_lab, cli):
    before = snapshots(scenario_lab)
    code, plan = cli.json("plan", *books())
    assert code == 2
    hosts = {h["host"]: h for h in plan["hosts"]}
    assert len(hosts) == 8
    for name, host in hosts.items():
        cause, rule = CAUSES[name.rsplit("-", 1)[1]]
        assert drift(host) == ({rule} if rule else set()), name
        assert host["status"] == ("drift" if rule else "compliant"), name
        assert active_causes(scenario_lab.hosts[name].sim) == ([cause] if cause else [])
    assert snapshots(scenario_lab) == before and scenario_lab.total_writes() == 0
    # What an administrator reads: the live value, the desired one, the rule's source.
    smart = next(i for i in hosts["ex2019-smarthost"]["items"] if i["rule_id"] == SMART)
    assert smart["before"] == {"dns_routing_enabled": False, "port": 25,
                               "smart_hosts": ["relay1.contoso.com", "smtp.oldisp.invalid"]}
    assert smart["after"]["smart_hosts"] == ["[10.0.0.25]", "relay1.contoso.com"]
    assert "Set-SendConnector.md" in smart["source"]
    banner = next(i for i in hosts["ex2013-banner"]["items"] if i["rule_id"] == BANNER)
    assert (banner["before"], banner["after"]) == ({"banner": "ESMTP service ready"}, {"banner": None})
    assert banner["description"] == "receive connector 'Default Frontend' of this server"


def test_apply_fixes_every_cause_and_rollback_restores_every_value(scenario_lab, cli):
    original = snapshots(scenario_lab)
    # The two banners written past Set-ReceiveConnector cannot go back through it: plan says so, and apply wants
    # consent before touching anything.
    code, plan = cli.json("plan", *books())
    marked = {h["host"]: i["irreversible"] for h in plan["hosts"] for i in h["items"] if i.get("irreversible")}
    assert set(marked) == {"ex2013-banner", "ex2019-banner"}
    assert all("msExchSmtpReceiveBanner" in m["restore"] and "Set-ReceiveConnector" in m["reason"]
               for m in marked.values())
    code, out, err = cli("apply", *books(), "--yes")
    assert code == 3 and "--accept-irreversible" in err and "ex2013-banner" in err
    assert snapshots(scenario_lab) == original and scenario_lab.total_writes() == 0

    code, result = cli.json("apply", *books(), "--yes", "--accept-irreversible")
    assert code == 0, result
    outcomes = {h["host"]: h["outcome"] for h in result["hosts"]}
    assert {n for n, o in outcomes.items() if o == "applied"} == {n for n in outcomes if not n.endswith("-ok")}
    assert all(not active_causes(h.sim) for h in scenario_lab.hosts.values())
    code, plan = cli.json("plan", *books())
    assert code == 0 and all(h["status"] == "compliant" for h in plan["hosts"])

    for host in scenario_lab.hosts.values():
        host.sim.op_log.clear()
    code, undone = cli.json("rollback", result["run_id"])
    assert code == 0, undone
    assert {h["host"]: h["outcome"] for h in undone["hosts"]} == {n: "applied" for n, o in outcomes.items()
                                                                  if o == "applied"}
    assert snapshots(scenario_lab) == original
    for name in ("ex2013-banner", "ex2019-banner"):  # through the AD attribute, the path plan announced
        writes = [op for op, _ in scenario_lab.hosts[name].sim.op_log if op.startswith("exchange.") and "set" in op]
        assert writes == ["exchange.receiveconnector.set_ad_banner"], writes

    # A rollback of the rollback puts the fixes back, through the normal setters.
    code, redone = cli.json("rollback", undone["run_id"])
    assert code == 0, redone
    assert all(not active_causes(h.sim) for h in scenario_lab.hosts.values())
    code, plan = cli.json("plan", *books())
    assert code == 0
    code, out, _ = cli("history")
    assert f"rolled back by {undone['run_id']}" in out.replace("\n", " ") or "rolled back" in out


# ----------------------------------------------------------------------------------------- one kind, both versions

KIND_CASES = {
    # A DNS-routed connector on port 587 becomes smart-host routed on 25; rollback replays all three together.
    "send_connector": ({"send_connectors": {"Internet": {"dns_routing_enabled": True, "smart_hosts": [],
                                                         "port": 587}}},
                       "smart-host-modern.yaml", {}),
    # A valid custom banner goes back to the default ($null), and rollback puts the text back.
    "receive_banner_to_default": ({"receive_connectors": {"{server}\\Default Frontend {server}":
                                                          {"banner": "220 old.contoso.com ready"}}},
                                  "smtp-banner-modern.yaml", {}),
    # The default banner ($null) gets a custom text, and rollback passes $null again.
    "receive_banner_from_default": ({}, "smtp-banner-modern.yaml", {"smtp_banner": "220 mail.contoso.com ESMTP"}),
    # "Not set" ($null) becomes $false; rollback restores $null, not $false.
    "remote_domain": ({"remote_domains": {"Fabrikam": {"domain_name": "fabrikam.com", "tnef_enabled": None}}},
                      "tnef-remote-domain.yaml", {}),
}


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("case", sorted(KIND_CASES))
def test_kind_plan_apply_plan_rollback_restores_exactly(make_lab, cli, platform, case):
    state, book, extra_vars = KIND_CASES[case]
    lab = make_lab({"ex1": {"state": {"exchange": state}}}, platform=platform, vars={**VARS, **extra_vars})
    sim = lab.hosts["ex1"].sim
    original = sim.exchange.snapshot()
    code, plan = cli.json("plan", *books(book))
    assert code == 2 and len(drift(plan["hosts"][0])) == 1
    code, result = cli.json("apply", *books(book), "--yes")
    assert code == 0 and result["hosts"][0]["outcome"] == "applied", result
    code, plan = cli.json("plan", *books(book))
    assert code == 0, plan
    code, undone = cli.json("rollback", result["run_id"])
    assert code == 0 and undone["hosts"][0]["outcome"] == "applied", undone
    assert sim.exchange.snapshot() == original


def test_rollback_replays_routing_and_port_in_one_set_call(make_lab, cli):
    lab = make_lab({"ex1": {"state": {"exchange": KIND_CASES["send_connector"][0]}}}, vars=VARS)
    sim = lab.hosts["ex1"].sim
    code, result = cli.json("apply", *books("smart-host-modern.yaml"), "--yes")
    assert code == 0
    sim.op_log.clear()
    code, _ = cli.json("rollback", result["run_id"])
    assert code == 0
    sets = [args for name, args in sim.op_log if name == "exchange.sendconnector.set"]
    assert sets == [{"name": "Internet", "dns_routing_enabled": True, "port": 587, "smart_hosts": []}]


# ------------------------------------------------------------------------------------------------ hostile strings

HOSTILE_CONNECTOR = "x'; Remove-Item C:\\ -Recurse; ' \u2018\u2019\u201c\u201d `$(Get-Date)` | #> \u00fc"
HOSTILE_DOMAIN = 'Fab"rikam; $env:COMPUTERNAME <# \u65e5\u672c'
HOSTILE_BANNER = "220 it's \"quoted\" `tick` $(Get-Date) ; | & #> <# %PATH% done"


def _book(write, resources: list[dict[str, Any]]) -> Path:
    doc = {"rules": [{"id": "hostile", "title": "Hostile strings", "cause": "a test", "source": "KB 0",
                      "resources": resources}]}
    return write("hostile.yaml", json.dumps(doc, ensure_ascii=False))


def test_hostile_names_and_banner_arrive_verbatim(make_lab, cli, write):
    lab = make_lab({"ex1": {"state": {"exchange": {
        "send_connectors": {HOSTILE_CONNECTOR: {"dns_routing_enabled": True, "smart_hosts": []}},
        "remote_domains": {HOSTILE_DOMAIN: {"domain_name": "fabrikam.com", "tnef_enabled": True}}}}}})
    sim = lab.hosts["ex1"].sim
    original = sim.exchange.snapshot()
    book = _book(write, [
        {"kind": "exchange_send_connector", "name": HOSTILE_CONNECTOR, "smart_hosts": ["relay.contoso.com"],
         "dns_routing_enabled": False},
        {"kind": "exchange_remote_domain", "name": HOSTILE_DOMAIN, "tnef_enabled": None},
        {"kind": "exchange_receive_connector", "identity": "Default Frontend EX1", "banner": HOSTILE_BANNER},
    ])
    code, result = cli.json("apply", "-p", str(book), "--yes")
    assert code == 0, result
    snap = sim.exchange.snapshot()
    assert snap["send_connectors"][HOSTILE_CONNECTOR]["smart_hosts"] == ["relay.contoso.com"]
    assert snap["remote_domains"][HOSTILE_DOMAIN]["tnef_enabled"] is None
    assert sim.exchange.receive_banner() == HOSTILE_BANNER
    code, _ = cli.json("rollback", result["run_id"])
    assert code == 0 and sim.exchange.snapshot() == original


@pytest.mark.parametrize("resource,message", [
    ({"kind": "exchange_receive_connector", "banner": "220 \u2018curly\u2019"}, "ASCII"),
    ({"kind": "exchange_receive_connector", "banner": "220 one\r\n250 two"}, "one line"),
    ({"kind": "exchange_receive_connector", "banner": "ESMTP ready"}, "start with '220 '"),
    ({"kind": "exchange_send_connector", "name": "Internet", "smart_hosts": ["x'; calc; '"],
      "dns_routing_enabled": False}, "smart host"),
    ({"kind": "exchange_send_connector", "name": "line\nbreak", "port": 25}, "control characters"),
    ({"kind": "exchange_remote_domain", "name": "d" * 65, "tnef_enabled": False}, "at most 64"),
])
def test_hostile_values_are_refused_before_any_host_is_contacted(make_lab, cli, write, resource, message):
    lab = make_lab({"ex1": {"state": {}}})
    code, out, err = cli("plan", "-p", str(_book(write, [resource])))
    assert code == 1 and message in err and "hostile.yaml" in err
    assert lab.hosts["ex1"].endpoint.counters.snapshot().requests == 0


# ------------------------------------------------------------------------------------------ hosts left alone

def test_exchange_2003_host_is_not_applicable_and_untouched(make_lab, cli):
    lab = make_lab({"ex03": {"state": {}}}, platform="win2003-ex2003", vars=VARS)
    code, plan = cli.json("plan", *books())
    assert code == 0, plan
    items = plan["hosts"][0]["items"]
    assert [i["status"] for i in items] == ["not_applicable"] * 3
    assert lab.total_writes() == 0


def test_a_connector_that_does_not_exist_is_an_error_naming_it(make_lab, cli):
    make_lab({"ex1": {"state": {}}}, vars={**VARS, "send_connector_name": "To Partner"})
    code, plan = cli.json("plan", *books("smart-host-modern.yaml"))
    assert code == 1
    item = plan["hosts"][0]["items"][0]
    assert item["status"] == "error" and "send connector 'To Partner' was not found" in item["error"]


def test_a_failing_set_reverts_the_earlier_exchange_changes(make_lab, cli):
    lab = make_lab({"ex1": {"state": {"exchange": {
        "send_connectors": {"Internet": {"dns_routing_enabled": False, "smart_hosts": ["smtp.oldisp.invalid"]}},
        "remote_domains": {"Fabrikam": {"domain_name": "fabrikam.com", "tnef_enabled": True}}}}}}, vars=VARS)
    sim = lab.hosts["ex1"].sim
    original = sim.exchange.snapshot()
    sim.fail_ops.add("exchange.remotedomain.set")
    code, result = cli.json("apply", *books("smart-host-modern.yaml", "tnef-remote-domain.yaml"), "--yes")
    assert code == 1
    host = result["hosts"][0]
    assert host["outcome"] == "reverted", host
    assert [c["status"] for c in host["changes"]] == ["reverted", "failed"]
    assert sim.exchange.snapshot() == original


def test_the_shared_hostile_corpus_arrives_verbatim_through_variables(make_lab, cli, write, hostile_strings):
    """Every corpus text the kinds accept (tests/unit/test_exchange_kinds.py shows the others refused) reaches the
    host verbatim: as connector and remote domain names, and after "220 " as a banner. Texts travel in inventory
    variables, so Jinja syntax among them stays text."""
    from pydantic import ValidationError

    from remediate.resources.exchange_receive_connector import ExchangeReceiveConnectorSpec
    from remediate.resources.exchange_remote_domain import ExchangeRemoteDomainSpec

    def accepted(model: Any, data: dict[str, Any]) -> bool:
        try:
            model.model_validate(data)
        except ValidationError:
            return False
        return True

    names = [t for t in hostile_strings.values()
             if accepted(ExchangeRemoteDomainSpec, {"kind": "exchange_remote_domain", "name": t, "tnef_enabled": None})]
    banners = ["220 " + t for t in hostile_strings.values()
               if accepted(ExchangeReceiveConnectorSpec, {"kind": "exchange_receive_connector", "banner": "220 " + t})]
    assert len(names) > 40 and len(banners) > 25
    lab = make_lab({"ex1": {"state": {"exchange": {
        "send_connectors": {n: {"port": 587} for n in names},
        "remote_domains": {n: {"domain_name": "peer.example", "tnef_enabled": True} for n in names},
        "receive_connectors": {f"{{server}}\\R{i}": {"banner": "220 old"} for i in range(len(banners))}}}}},
        vars={"names": names, "banners": banners})
    sim = lab.hosts["ex1"].sim
    original = sim.exchange.snapshot()
    resources: list[dict[str, Any]] = []
    for i in range(len(names)):
        resources.append({"kind": "exchange_send_connector", "name": f"{{{{ names[{i}] }}}}", "port": 25})
        resources.append({"kind": "exchange_remote_domain", "name": f"{{{{ names[{i}] }}}}", "tnef_enabled": False})
    for i in range(len(banners)):
        resources.append({"kind": "exchange_receive_connector", "identity": f"R{i}",
                          "banner": f"{{{{ banners[{i}] }}}}"})
    code, result = cli.json("apply", "-p", str(_book(write, resources)), "--yes")
    assert code == 0, result
    snap = sim.exchange.snapshot()
    assert all(snap["send_connectors"][n]["port"] == 25 for n in names)
    assert all(snap["remote_domains"][n]["tnef_enabled"] is False for n in names)
    assert [sim.exchange.receive_banner(f"R{i}") for i in range(len(banners))] == banners
    assert {name for name, _ in sim.op_log} <= {"facts", "exchange.sendconnector.get", "exchange.sendconnector.set",
                                                "exchange.remotedomain.get", "exchange.remotedomain.set",
                                                "exchange.receiveconnector.get", "exchange.receiveconnector.set"}
    code, _ = cli.json("rollback", result["run_id"])
    assert code == 0 and sim.exchange.snapshot() == original
