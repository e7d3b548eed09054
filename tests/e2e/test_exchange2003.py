"""Exchange 2003 end to end: CLI -> engine -> real pywinrm -> lab WS-Management -> simulated 2003 hosts.

Covers the shipped scenario (one host per cause, one healthy host), the three kinds' plan -> apply -> clean plan
-> rollback cycles, DS2MB undoing a metabase-only write of an AD-mastered property, and hostile strings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from remediate.assets import asset_dir
from remediate.lab.fleet import Lab
from remediate.lab.causes import directory as directory_causes
from remediate.lab.causes import metabase as metabase_causes
from remediate.lab.causes import metabasefile as metabasefile_causes
from remediate.lab.state.metabase import digest

PLATFORM = "win2003-ex2003"
BOOKS = [str(asset_dir("playbooks") / name) for name in
         ("smart-host-2003.yaml", "smtp-banner-2003.yaml", "metabase-corrupt.yaml", "stnef-2003.yaml")]
EXPECTED = {  # host -> (rules in drift, lab causes)
    "ex2003-smarthost": ({"smart-host-2003"}, ["smart-host-wrong"]),
    "ex2003-banner": ({"smtp-banner-2003"}, ["no-banner"]),
    "ex2003-metabase": ({"metabase-corrupt"}, ["metabase-corrupt"]),
    "ex2003-stnef": ({"stnef-store-driver-tnef-2003"}, ["stnef"]),
    "ex2003-ok": (set(), []),
}


def plan_args() -> list[str]:
    args = ["plan"]
    for book in BOOKS:
        args += ["-p", book]
    return args


def causes(sim: Any) -> list[str]:
    return [*metabase_causes.active_causes(sim), *metabasefile_causes.active_causes(sim),
            *directory_causes.active_causes(sim)]


def state(sim: Any) -> dict[str, Any]:
    # registry_value never deletes keys (its contract): a key the run created stays behind, empty.
    registry = {hive: {k: v for k, v in keys.items() if v} for hive, keys in sim.registry.snapshot().items()}
    return {"metabase": sim.metabase.snapshot(), "directory": sim.directory.snapshot(),
            "registry": {hive: keys for hive, keys in registry.items() if keys}}


@pytest.fixture
def scenario_lab(lab_password: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    lab = Lab.from_scenario("exchange2003-causes", password=lab_password).start()
    lab.write_inventory(tmp_path / "inventory.yaml")
    yield lab
    lab.stop()


def drifted(plan: dict[str, Any]) -> dict[str, set[str]]:
    return {h["host"]: {i["rule_id"] for i in h["items"] if i["status"] == "drift"} for h in plan["hosts"]}


def test_scenario_plan_shows_each_cause_on_its_host_only(scenario_lab, cli):
    code, plan = cli.json(*plan_args())
    assert code == 2, plan
    assert drifted(plan) == {host: rules for host, (rules, _) in EXPECTED.items()}
    for host in plan["hosts"]:
        assert host["status"] == ("compliant" if host["host"] == "ex2003-ok" else "drift"), host
        assert not [i for i in host["items"] if i["status"] == "error"], host
        assert causes(scenario_lab.hosts[host["host"]].sim) == EXPECTED[host["host"]][1]
    by_rule = {i["rule_id"]: i for h in plan["hosts"] for i in h["items"] if i["status"] == "drift"}
    assert by_rule["smart-host-2003"]["before"] == {"smart_host": "smtp.oldisp.invalid", "smart_host_type": 2}
    assert by_rule["smart-host-2003"]["after"] == {"smart_host": "[10.0.0.25]", "smart_host_type": 2}
    assert by_rule["smtp-banner-2003"]["after"] == {"local": False}
    corrupt = by_rule["metabase-corrupt"]["before"]
    assert corrupt["healthy"] is False and corrupt["problem"] == "unparseable" and len(corrupt["digest"]) == 64
    assert scenario_lab.total_writes() == 0
    # A host that is not Exchange 2003 sees none of these rules.
    stnef = {i["rule_id"]: i["status"] for h in plan["hosts"] if h["host"] == "ex2003-ok" for i in h["items"]}
    assert stnef["stnef-store-driver-tnef-2003"] == "not_applicable"


@pytest.mark.parametrize("host", [h for h, (rules, _) in EXPECTED.items() if rules])
def test_apply_fixes_the_cause_and_rollback_brings_it_back(scenario_lab, cli, host):
    sim = scenario_lab.hosts[host].sim
    cli(*plan_args(), "--limit", host)  # the first command: DS2MB has run, as it has on a live server
    original = state(sim)
    code, result = cli.json("apply", *plan_args()[1:], "--limit", host, "--yes")
    assert code == 0, result
    assert result["hosts"][0]["outcome"] == "applied"
    code, plan = cli.json(*plan_args(), "--limit", host)
    assert code == 0, plan
    assert causes(sim) == []
    code, undone = cli.json("rollback", result["run_id"])
    assert code == 0, undone
    assert undone["hosts"][0]["outcome"] == "applied"
    cli(*plan_args(), "--limit", host)  # DS2MB copies the restored AD value into the metabase
    assert state(sim) == original
    assert causes(sim) == EXPECTED[host][1]


def test_smart_host_fix_reaches_the_metabase_through_ds2mb(scenario_lab, cli):
    sim = scenario_lab.hosts["ex2003-smarthost"].sim
    code, _ = cli.json("apply", *plan_args()[1:], "--limit", "ex2003-smarthost", "--yes")
    assert code == 0
    assert sim.directory.get(1, "msExchSmtpSmartHost") == "[10.0.0.25]"
    assert sim.metabase.effective("/LM/SMTPSVC/1", "SmartHost") == "smtp.oldisp.invalid"  # not copied yet
    cli(*plan_args(), "--limit", "ex2003-smarthost")
    assert sim.metabase.effective("/LM/SMTPSVC/1", "SmartHost") == "[10.0.0.25]"


def test_metabase_restore_keeps_a_backup_named_by_digest_and_restarts_iis(scenario_lab, cli):
    sim = scenario_lab.hosts["ex2003-metabase"].sim
    files = sim.metabase.files
    damaged = files.current
    code, result = cli.json("apply", *plan_args()[1:], "--limit", "ex2003-metabase", "--yes")
    assert code == 0, result
    assert files.current == files.history[1][2]  # the newest History copy that parses (12 is damaged too)
    (name,) = files.backups
    assert name.startswith("MetaBase-") and name.endswith(f"-{digest(damaged)}.xml") and files.backups[name] == damaged
    stopped = [name for action, name, error in sim.services.scm_log if action == "stop" and error is None]
    started = [name for action, name, error in sim.services.scm_log if action == "start" and error is None]
    assert stopped[-1] == "IISADMIN" and set(stopped) == set(started) == {"IISADMIN", "SMTPSVC", "W3SVC"}
    code, _ = cli.json("rollback", result["run_id"])
    assert code == 0
    assert files.current == damaged
    assert len(files.backups) == 2  # the restored good file was kept too before it was replaced


def test_metabase_without_a_good_history_copy_fails_and_changes_nothing(make_lab, cli, write):
    lab = make_lab({"h": {"state": {"metabase": {"files": {
        "history": [{"version": [3, 0], "content": "missing-smtp-node"}], "current": "unparseable"}}}}},
        platform=PLATFORM)
    sim = lab.hosts["h"].sim
    files = sim.metabase.files
    before = files.current
    code, result = cli.json("apply", "-p", BOOKS[2], "--yes")
    assert code == 1
    host = result["hosts"][0]
    assert host["outcome"] == "reverted" and "no History copy" in host["message"]
    assert files.current == before and sim.services.scm_log == []


# ------------------------------------------------------------------------------------ DS2MB and inheritance


def rule(write, resources: list[dict[str, Any]], rule_id: str = "t") -> str:
    import json

    doc = {"rules": [{"id": rule_id, "title": "t", "cause": "t", "source": "KB 0", "resources": resources}]}
    return str(write(f"{rule_id}.yaml", json.dumps(doc, ensure_ascii=False)))  # JSON is YAML


AD_RELAY = {"directory": {"smtp_virtual_servers": {1: {"msExchSmtpSmartHost": "relay.contoso.com",
                                                        "msExchSmtpSmartHostType": 2}}}}


def test_ds2mb_undoes_a_metabase_only_smart_host_write(make_lab, cli, write):
    lab = make_lab({"h": {"state": AD_RELAY}}, platform=PLATFORM)
    sim = lab.hosts["h"].sim
    book = rule(write, [{"kind": "iis_metabase_property", "path": "/LM/SMTPSVC/1", "property": "SmartHost",
                         "value": "other.contoso.com"}])
    code, plan = cli.json("plan", "-p", book)
    assert code == 2
    assert plan["hosts"][0]["items"][0]["before"] == {"local": True, "type": "STRING", "value": "relay.contoso.com"}
    code, result = cli.json("apply", "-p", book, "--yes")
    assert code == 0 and result["hosts"][0]["outcome"] == "applied"  # the write itself verified...
    code, plan = cli.json("plan", "-p", book)
    assert code == 2  # ...and the next copy from AD undid it: the drift is back with AD's value
    assert plan["hosts"][0]["items"][0]["before"] == {"local": True, "type": "STRING", "value": "relay.contoso.com"}
    assert sim.metabase.effective("/LM/SMTPSVC/1", "SmartHost") == "relay.contoso.com"
    assert sim.directory.syncs >= 3


def test_ad_write_stays_where_a_metabase_write_does_not(make_lab, cli, write):
    make_lab({"h": {"state": AD_RELAY}}, platform=PLATFORM)
    book = rule(write, [{"kind": "exchange2003_smtp_vs", "smart_host": "other.contoso.com;[10.1.1.5]",
                         "smart_host_type": 2},
                        {"kind": "iis_metabase_property", "path": "SmtpSvc/1", "property": "SmartHost",
                         "value": "other.contoso.com;[10.1.1.5]"}])
    code, result = cli.json("apply", "-p", book, "--yes")
    assert code == 0, result
    code, plan = cli.json("plan", "-p", book)
    assert code == 0, plan  # the metabase now holds what DS2MB copied from AD


def test_inherited_state_clears_the_local_value_and_rollback_sets_it_again(make_lab, cli, write):
    lab = make_lab({"h": {"state": {"metabase": {"paths": {
        "/LM/SMTPSVC": {"ConnectResponse": "220 service-wide banner"},
        "/LM/SMTPSVC/1": {"ConnectResponse": "instance banner"}}}}}}, platform=PLATFORM)
    metabase = lab.hosts["h"].sim.metabase
    original = metabase.snapshot()
    book = rule(write, [{"kind": "iis_metabase_property", "path": "/lm/smtpsvc/1", "property": "connectresponse",
                         "state": "inherited"}])
    code, result = cli.json("apply", "-p", book, "--yes")
    assert code == 0, result
    assert metabase.read("/LM/SMTPSVC/1", "ConnectResponse") == {"local": False, "type": "STRING",
                                                                  "value": "220 service-wide banner"}
    assert cli.json("plan", "-p", book)[0] == 0
    code, _ = cli.json("rollback", result["run_id"])
    assert code == 0 and metabase.snapshot() == original


def test_iis_metabase_property_cycle_create_update_clear(make_lab, cli, write):
    lab = make_lab({"h": {"state": {"metabase": {"paths": {"/LM/SMTPSVC": {"RemoteTimeout": 300},
                                                           "/LM/SMTPSVC/1": {"ServerComment": "old"}}}}}},
                   platform=PLATFORM)
    metabase = lab.hosts["h"].sim.metabase
    original = metabase.snapshot()
    book = rule(write, [
        {"kind": "iis_metabase_property", "path": "/LM/SMTPSVC/1", "property": "RemoteTimeout", "value": "900"},
        {"kind": "iis_metabase_property", "path": "/LM/SMTPSVC/1", "property": "ServerComment", "value": "new"},
        {"kind": "iis_metabase_property", "path": "/LM/SMTPSVC", "property": "RemoteTimeout",
         "state": "inherited"},
    ])
    code, plan = cli.json("plan", "-p", book)
    assert code == 2 and [i["action"] for i in plan["hosts"][0]["items"]] == ["update", "update", "update"]
    code, result = cli.json("apply", "-p", book, "--yes")
    assert code == 0, result
    assert metabase.read("/LM/SMTPSVC/1", "RemoteTimeout") == {"local": True, "type": "DWORD", "value": 900}
    assert cli.json("plan", "-p", book)[0] == 0
    code, _ = cli.json("rollback", result["run_id"])
    assert code == 0 and metabase.snapshot() == original


CONTROL = {"lf", "crlf", "cr", "nul", "tab-vt-ff", "escape-seq", "ios-newline-cmds", "ios-crlf-cmds", "ios-ctrl-z",
           "ios-ctrl-c", "herestring-single", "herestring-double", "base64-line", "agent-markers"}


def test_hostile_corpus_as_a_banner_is_stored_verbatim(make_lab, cli, write, hostile_strings):
    """tests/data/hostile-strings.json through inventory variables, as ConnectResponse: every string without
    control characters arrives verbatim (the refusals are unit tests: test_iis_metabase_property.py)."""
    ids = list(hostile_strings)
    variables = {f"hostile_{n}": hostile_strings[i] for n, i in enumerate(ids)}
    paths = {f"/LM/SMTPSVC/{n}": {} for n in range(1, len(ids) + 1)}
    lab = make_lab({"h": {"state": {"metabase": {"paths": paths}}}}, platform=PLATFORM, vars=variables)
    sim = lab.hosts["h"].sim
    accepted = [(n, id_) for n, id_ in enumerate(ids) if id_ not in CONTROL]
    book = rule(write, [{"kind": "iis_metabase_property", "path": f"/LM/SMTPSVC/{n + 1}",
                         "property": "ConnectResponse", "value": f"{{{{ hostile_{n} }}}}"} for n, _ in accepted])
    code, result = cli.json("apply", "-p", book, "--yes")
    assert code == 0, result["hosts"][0]
    for n, id_ in accepted:
        assert sim.metabase.effective(f"/LM/SMTPSVC/{n + 1}", "ConnectResponse") == hostile_strings[id_], id_
    assert {op for op, _ in sim.op_log} <= {"facts", "metabase.get", "metabase.set"}
    assert cli.json("plan", "-p", book)[0] == 0


@pytest.mark.parametrize("resource", [
    {"kind": "iis_metabase_property", "path": "/LM/SMTPSVC/1", "property": "ConnectResponse",
     "value": "220 ok\r\nMAIL FROM:<x>"},
    {"kind": "iis_metabase_property", "path": "/LM/SMTPSVC/1'; Remove-Item", "property": "SmartHost", "value": "a"},
    {"kind": "iis_metabase_property", "path": "/LM/SMTPSVC/1", "property": "Smart$(Host)", "value": "a"},
    {"kind": "exchange2003_smtp_vs", "smart_host": "relay.contoso.com'; Remove-Item C:\\", "smart_host_type": 2},
    {"kind": "exchange2003_smtp_vs", "server": "EX1)(cn=*", "smart_host": "", "smart_host_type": 0},
    {"kind": "exchange2003_smtp_vs", "smart_host": "10.1.1.5", "smart_host_type": 2},
])
def test_hostile_values_are_refused_before_any_host_is_contacted(make_lab, cli, write, resource):
    lab = make_lab({"h": {"state": {}}}, platform=PLATFORM)
    code, out, err = cli("plan", "-p", rule(write, [resource]))
    assert code == 1 and err
    assert lab.hosts["h"].sim.op_log == []


def test_a_site_banner_is_written_where_the_default_would_be_restored(make_lab, cli):
    lab = make_lab({"h": {"state": {"metabase": {"paths": {"/LM/SMTPSVC/1": {"ConnectResponse": "go away"}}}}}},
                   platform=PLATFORM, vars={"smtp_connect_response": "220 mail.contoso.com ESMTP ready"})
    code, plan = cli.json("plan", "-p", BOOKS[1])
    assert code == 2
    status = {i["rule_id"]: i["status"] for i in plan["hosts"][0]["items"]}
    assert status == {"smtp-banner-2003": "drift", "smtp-banner-2003-service-level": "not_applicable"}
    assert cli.json("apply", "-p", BOOKS[1], "--yes")[0] == 0
    sim = lab.hosts["h"].sim
    assert sim.metabase.effective("/LM/SMTPSVC/1", "ConnectResponse") == "220 mail.contoso.com ESMTP ready"
    assert metabase_causes.active_causes(sim) == []
    assert cli.json("plan", "-p", BOOKS[1])[0] == 0
