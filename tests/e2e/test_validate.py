"""`validate` catches what `plan` would, on the shipped all-causes fleet (40 hosts, every platform).

The finding of issue 14: on a correct inventory validate printed a dozen `note:` lines, and on an inventory whose
ex2019-all host lacked `send_connector_name` it said OK, after which plan failed for that host. Now: a correct
inventory validates quietly (a count of what only facts decide; --verbose lists it); the broken one is named
before any host is read (a warning: the host defines the rule's own `smart_hosts` but not `send_connector_name`),
and with the facts of a saved plan it is an error with the variable, the rule, file:line and where to define it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from remediate.lab.fleet import Lab

HOST = "ex2019-all"
RULE = "exchange-send-connector-smart-host"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, str]]:
    password = "lab-validate-" + tmp_path_factory.mktemp("pw").name
    with Lab.from_scenario("all-causes", password=password) as lab:
        yield lab, password


@pytest.fixture
def inventory(fleet: tuple[Lab, str], cli: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    lab, password = fleet
    monkeypatch.setenv("REMEDIATE_LAB_PASSWORD", password)
    lab.write_inventory(cli.inventory)

    def without(variable: str) -> None:
        yaml = YAML()
        data = yaml.load(cli.inventory.read_text(encoding="utf-8"))
        del data["hosts"][HOST]["vars"][variable]
        with cli.inventory.open("w", encoding="utf-8") as fh:
            yaml.dump(data, fh)

    return without


def test_a_correct_inventory_validates_without_notes(inventory: Any, cli: Any) -> None:
    code, out, err = cli("validate")
    assert code == 0, err
    assert "note:" not in out + err and "warning:" not in err
    assert out.startswith("OK: ") and "rule/host pair(s) whose when: depends on what the host reports" in out
    code, out, err = cli("validate", "--verbose")
    assert code == 0 and "note:" in out and "warning:" not in err
    assert "known once the facts are read" in out


def test_a_variable_missing_for_a_rule_meant_for_the_host_is_named_before_plan_fails(
        inventory: Any, cli: Any, tmp_path: Path) -> None:
    inventory("send_connector_name")
    code, out, err = cli("validate")
    assert code == 0  # without the host's facts it cannot be known that the rule applies: a warning, not an error
    (warning,) = [line for line in err.splitlines() if line.startswith("warning:")]
    assert f"smart-host-modern.yaml:12: rule {RULE}: host {HOST} defines 'smart_hosts', which only this rule " \
           "uses, but not 'send_connector_name'" in warning
    assert f"define it in {cli.inventory} under hosts.{HOST}.vars, groups.lab.vars or the top-level vars" in warning

    plan_file = tmp_path / "plan.json"
    code, _, _ = cli("plan", "--limit", HOST, "-o", str(plan_file))
    assert code == 1  # plan does fail for that host ...
    code, out, err = cli("validate", "--facts", str(plan_file))
    assert code == 1  # ... and validate, given the facts plan read, says so before any host is contacted
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    assert re.search(rf"smart-host-modern\.yaml:\d+: rules\[0\]\.resources\[0\]\.name: host {HOST}: undefined "
                     rf"variable 'send_connector_name' \(rule {RULE}\); define it in ", errors[0]), errors[0]


def test_facts_file_must_be_a_plan(inventory: Any, cli: Any, write: Any) -> None:
    code, _, err = cli("validate", "--facts", str(write("not-a-plan.json", "{}")))
    assert code == 1 and "not a remediate plan" in err
