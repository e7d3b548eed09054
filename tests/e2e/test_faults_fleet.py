"""Faults from a scenario file: each faulty host gets a clear error naming it and the cause; the rest carry on."""

from __future__ import annotations

import pytest

from remediate.errors import InputError
from remediate.lab.fleet import Lab, load_scenario

SCENARIO = """\
hosts:
  healthy: {platform: win2019-ex2019}
  refuses-us: {platform: win2019-ex2019, faults: {status_401: true}}
  broken-wsman: {platform: win2019-ex2019, faults: {fault_500: true}}
  drops-command: {platform: win2019-ex2019, faults: {drop_on_action: Command}}
  slow: {platform: win2019-ex2019, faults: {latency: 0.05, slow_receive: 0.2}}
"""


def test_each_fault_is_a_clear_error_for_its_host_and_the_rest_carry_on(write, cli, playbook, lab_password):
    scenario = load_scenario(str(write("faulty.yaml", SCENARIO)))
    book = playbook([{"hive": "HKLM", "key": "SOFTWARE\\Remediate\\Faults", "name": "V", "type": "REG_DWORD",
                      "data": 1}])
    with Lab(scenario, password=lab_password) as lab:
        lab.write_inventory(cli.inventory)
        code, plan = cli.json("plan", "-p", str(book))
        assert lab.hosts["drops-command"].endpoint.faults.drop_on_action is None  # it fired
    assert code == 1
    hosts = {h["host"]: h for h in plan["hosts"]}
    assert hosts["healthy"]["status"] == "drift" and hosts["slow"]["status"] == "drift"
    # A dropped read is retried on a new connection (reads are safe to repeat), so that host is planned too.
    assert hosts["drops-command"]["status"] == "drift"
    assert hosts["refuses-us"]["error"]["type"] == "authentication"
    assert "401" in hosts["refuses-us"]["error"]["message"]
    assert hosts["broken-wsman"]["status"] == "error"
    assert hosts["broken-wsman"]["error"]["type"] in ("transport", "unreachable")
    code, out, err = cli("plan", "-p", str(book))  # the lab is gone now: every host unreachable, named
    assert code == 1 and "refuses-us" in out and "unreachable" in out


@pytest.mark.parametrize("faults", ["{status_401: yes-please}", "{latency: fast}", "{explode: true}", "[1]"])
def test_bad_faults_in_a_scenario_are_refused_with_file_and_line(write, faults):
    path = write("bad.yaml", f"hosts:\n  h1:\n    platform: win2019-ex2019\n    faults: {faults}\n")
    with pytest.raises(InputError) as caught:
        load_scenario(str(path))
    assert "bad.yaml:4" in str(caught.value) and "faults" in str(caught.value)


def test_a_shell_that_expired_between_plan_and_apply_is_replaced(make_lab, cli, playbook, tmp_path):
    """Interactive apply keeps the plan's shell; if Windows expired it meanwhile, the apply (not yet started
    anywhere) starts in a new shell instead of failing the host."""
    from remediate.engine.fleet import ConnectionPool
    from remediate.engine.model import HostOutcome
    from remediate.engine.run import RunContext, apply_plan, make_plan
    from remediate.inventory import load_inventory
    from remediate.journal import Journal
    from remediate.playbook import load_catalog

    lab = make_lab({"ex1": {}})
    book = playbook([{"hive": "HKLM", "key": "SOFTWARE\\Remediate\\Expiry", "name": "V", "type": "REG_SZ",
                      "data": "x"}])
    inventory = load_inventory(cli.inventory)
    ctx = RunContext(inventory=inventory, catalog=load_catalog([book]), pool=ConnectionPool(inventory))
    journal = Journal(tmp_path / "state")
    try:
        plan = make_plan(ctx, ["ex1"])
        assert lab.expire_shells("ex1") == 1
        result = apply_plan(ctx, plan, journal, "test")
    finally:
        ctx.pool.close_all()
        journal.close()
    assert result.hosts[0].outcome is HostOutcome.APPLIED, result.hosts[0].message
    assert lab.hosts["ex1"].sim.registry.get("HKLM", "SOFTWARE\\Remediate\\Expiry", "V")["data"] == "x"
