"""Every shipped scenario can be planned with the whole shipped catalog: no host lacks a variable a rule needs,
and no agent op fails. What a newcomer runs first must not greet them with input errors."""

from __future__ import annotations

import pytest

from remediate.lab.fleet import Lab, scenario_names


@pytest.mark.parametrize("scenario", scenario_names())
def test_scenario_plans_cleanly_with_the_full_catalog(scenario, tmp_path, cli, lab_password):
    with Lab.from_scenario(scenario, password=lab_password) as lab:
        lab.write_inventory(cli.inventory)
        code, plan = cli.json("plan")
    problems = [f"{h['host']}: {h['error']}" for h in plan["hosts"] if h.get("error")]
    problems += [f"{h['host']}: {i['rule_id']}: {i['error']}" for h in plan["hosts"] for i in h["items"]
                 if i["status"] == "error"]
    assert not problems, "\n".join(problems)
    assert code in (0, 2)
