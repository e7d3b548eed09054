"""inventory.example.yaml is what `remediate lab serve` (demo scenario, ports from 45985) needs, host for host."""

from __future__ import annotations

from pathlib import Path

from remediate.inventory import load_inventory
from remediate.lab.fleet import Lab

EXAMPLE = Path(__file__).resolve().parents[2] / "inventory.example.yaml"


def test_example_inventory_matches_the_default_lab(lab_password):
    inventory = load_inventory(EXAMPLE)
    with Lab.from_scenario("demo", password=lab_password) as lab:  # free ports: 45985 may be in use here
        served = lab.inventory()
    assert list(inventory.hosts) == list(served["hosts"])
    for number, (name, host) in enumerate(inventory.hosts.items()):
        assert host.connection.address == "127.0.0.1"
        assert host.connection.port == 45985 + number  # what `lab serve` uses by default (--base-port)
        assert host.vars == served["hosts"][name]["vars"]
        assert host.connection.user == served["connection"]["user"]
        assert host.connection.password.env == "REMEDIATE_LAB_PASSWORD"


def test_example_inventory_plans_against_the_lab(tmp_path, cli, lab_password):
    """The same hosts and variables, served on free ports, plan without a single input error."""
    with Lab.from_scenario("demo", password=lab_password) as lab:
        text = EXAMPLE.read_text(encoding="utf-8")
        for number, host in enumerate(lab.hosts.values()):
            text = text.replace(f"port: {45985 + number}", f"port: {host.endpoint.port}")
        cli.inventory.write_text(text, encoding="utf-8")
        code, plan = cli.json("plan")
    assert code == 2
    assert all(h["status"] == "drift" for h in plan["hosts"])
    assert not [i for h in plan["hosts"] for i in h["items"] if i["status"] == "error"]
