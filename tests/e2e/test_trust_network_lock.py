"""Cisco IOS devices have a host lock (issue 12, finding 8): two concurrent applies both changed rtr1. The lock is
a line in the device's running-config (remediate/transport/ios_lock.py); the lab's router holds it as IOS would,
over real SSH. Interleavings the lab cannot stage are run against a shared in-memory configuration."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from remediate.assets import asset_dir
from remediate.engine.fleet import ConnectionPool
from remediate.engine.run import RunContext, apply_plan, make_plan
from remediate.inventory import load_inventory
from remediate.journal import Journal
from remediate.lab.fleet import Lab
from remediate.playbook import load_catalog
from remediate.transport import ios_agent, ios_lock

CISCO = ["-p", str(asset_dir("playbooks") / "cisco-inspect-smtp.yaml")]
LINE = "ip inspect name MAILFW smtp timeout 3600"


@pytest.fixture
def net(tmp_path: Path, lab_password: str) -> Iterator[Lab]:
    lab = Lab.from_scenario("network-causes", password=lab_password).start()
    try:
        lab.write_inventory(tmp_path / "inventory.yaml")
        yield lab
    finally:
        lab.stop()


def test_two_concurrent_applies_on_one_router_exactly_one_changes_it(net: Lab, cli: Any, tmp_path: Path) -> None:
    rtr1 = net.routers["rtr1"]
    inside, go_on = threading.Event(), threading.Event()
    wrote_lock = threading.Event()

    def hold(line: str) -> None:  # the first run, with its lock line written, waits before leaving config mode
        if line.startswith("alias exec remediate-lock-"):
            wrote_lock.set()
        elif line == "end" and wrote_lock.is_set() and not inside.is_set():
            inside.set()
            go_on.wait(20)

    rtr1.before_command = hold
    inventory = load_inventory(cli.inventory)
    ctx = RunContext(inventory=inventory, catalog=load_catalog([Path(CISCO[1])]), pool=ConnectionPool(inventory))
    plan = make_plan(ctx, ["rtr1"])
    journal = Journal(tmp_path / "workstation-1")
    first: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: first.update(result=apply_plan(ctx, plan, journal, "first")))
    worker.start()
    try:
        assert inside.wait(20)  # the first run holds the device's lock
        rtr1.before_command = None
        code, second = cli.json("apply", *CISCO, "--yes", "--limit", "rtr1")
    finally:
        go_on.set()
        worker.join(30)
        ctx.pool.close_all()
        journal.close()
    first_result = first["result"]
    assert first_result.hosts[0].outcome.value == "applied"
    assert code == 3, second
    host = second["hosts"][0]
    assert host["outcome"] == "locked"
    assert re.search(rf"locked by run {first_result.run_id} from \S+@\S+ since \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                     host["message"]), host["message"]
    assert rtr1.commands.count(f"no {LINE}") == 1  # changed once, by the first run
    after = rtr1.snapshot()
    assert LINE not in after["running"] and after["running"] == after["startup"]
    assert not any(line.startswith("alias exec") for line in after["running"])  # released and saved without it


def test_unlock_clears_a_lock_left_on_a_router(net: Lab, cli: Any) -> None:
    rtr1 = net.routers["rtr1"]
    name = ios_lock.alias_name("RUN-DEAD")
    rtr1.set_alias("exec", name, "run RUN-DEAD owner admin@ws9 acquired 2026-01-01T00:00:00Z "
                                 "expires 2999-01-01T00:00:00Z")
    code, second = cli.json("apply", *CISCO, "--yes", "--limit", "rtr1")
    assert code == 3 and second["hosts"][0]["outcome"] == "locked"
    assert "locked by run RUN-DEAD from admin@ws9" in second["hosts"][0]["message"]
    code, out, err = cli("unlock", "rtr1", "-i", str(cli.inventory), "--run", "SOMEONE-ELSE")
    assert code == 3 and "RUN-DEAD" in err
    code, out, err = cli("unlock", "rtr1", "-i", str(cli.inventory), "--run", "RUN-DEAD")
    assert code == 0, err
    assert "released the lock of run RUN-DEAD (owner admin@ws9" in out
    assert not any(line.startswith("alias exec") for line in rtr1.snapshot()["running"])
    code, result = cli.json("apply", *CISCO, "--yes", "--limit", "rtr1")
    assert code == 0 and result["hosts"][0]["outcome"] == "applied"


def test_an_expired_lock_is_taken_over_and_named(net: Lab, cli: Any) -> None:
    rtr1 = net.routers["rtr1"]
    rtr1.set_alias("exec", ios_lock.alias_name("RUN-OLD"), "run RUN-OLD owner admin@ws9 acquired "
                   "2020-01-01T00:00:00Z expires 2020-01-01T00:30:00Z")
    code, result = cli.json("apply", *CISCO, "--yes", "--limit", "rtr1")
    assert code == 0, result
    assert "took over the expired lock of run RUN-OLD from admin@ws9" in result["hosts"][0]["message"]
    assert not any(line.startswith("alias exec") for line in rtr1.snapshot()["running"])


# ------------------------------------------------------------------ interleavings, on a shared configuration


class SharedConfig:
    """One running-config that several 'sessions' type into, as IOS's vtys share one."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.after_write: Any = None  # called once after a lock line is written (to stage a rival)

    def show(self) -> str:
        return "!\nhostname rtr\n" + "".join(f"alias exec {n} {t}\n" for n, t in self.aliases.items()) + "end\n"


class Session:
    def __init__(self, config: SharedConfig, first_read: str | None = None) -> None:
        self.config = config
        self.first_read = first_read  # what a read that happened earlier saw
        self.commands: list[str] = []

    @property
    def hostname(self) -> str:
        return "rtr"

    def command(self, line: str) -> str:
        self.commands.append(line)
        if line == "show running-config":
            if self.first_read is not None:
                seen, self.first_read = self.first_read, None
                return seen
            return self.config.show()
        if line.startswith("no alias exec "):
            self.config.aliases.pop(line.split()[3], None)
        elif line.startswith("alias exec "):
            _, _, name, text = line.split(" ", 3)
            self.config.aliases[name] = text
            if self.config.after_write is not None:
                hook, self.config.after_write = self.config.after_write, None
                hook()
        elif line == "write memory":
            return "Building configuration...\n[OK]\n"
        return ""


def lock(run_id: str) -> dict[str, Any]:
    return {"run_id": run_id, "owner": "admin@ws1", "ttl_seconds": 1800}


def test_two_runs_that_both_read_no_lock_never_both_proceed() -> None:
    config = SharedConfig()
    before = config.show()
    first = Session(config)
    second = Session(config, first_read=before)  # it read before the first wrote: it saw no lock either
    outcome: dict[str, Any] = {}
    # The second writes its line right after the first wrote its own, before the first reads again.
    config.after_write = lambda: outcome.update(second=ios_lock.take(second, lock("RUN-B")))
    first_holder, _ = ios_lock.take(first, lock("RUN-A"))
    second_holder, _ = outcome["second"]
    assert first_holder is not None or second_holder is not None, "both runs would write to the device"
    # Here the second read both lines and backed off, removing its own; the first then read only its own.
    assert second_holder is not None and second_holder["run_id"] == "RUN-A" and first_holder is None
    assert list(config.aliases) == [ios_lock.alias_name("RUN-A")]
    assert f"no alias exec {ios_lock.alias_name('RUN-B')}" in second.commands


def test_a_rival_that_already_holds_the_device_is_seen_on_the_first_read() -> None:
    config = SharedConfig()
    first, second = Session(config), Session(config)
    outcome: dict[str, Any] = {}
    config.after_write = lambda: outcome.update(second=ios_lock.take(second, lock("RUN-B")))
    assert ios_lock.take(first, lock("RUN-A")) == (None, None)
    holder, _ = outcome["second"]
    assert holder["run_id"] == "RUN-A" and not any(c.startswith("alias exec") for c in second.commands)


def test_a_lock_answer_is_the_protocols() -> None:
    config = SharedConfig()
    session = Session(config)
    change = {"id": "c0", "read": {"op": "ios.inspect.get", "args": {"inspect_name": "*", "protocol": "smtp"}},
              "expect": {"lines": []}, "want": {"lines": []},
              "set": {"op": "ios.inspect.set", "args": {"inspect_name": "*", "protocol": "smtp", "lines": []}},
              "undo": {"op": "ios.inspect.set", "args": {"inspect_name": "*", "protocol": "smtp", "lines": []}}}
    answer = ios_agent.execute_request({"mode": "apply", "changes": [change], "lock": lock("RUN-A")}, session)
    assert answer["outcome"] == "applied" and answer["lock"] == {"taken_over": None, "released": True, "error": None}
    assert config.aliases == {}
    bad = ios_agent.execute_request({"mode": "apply", "changes": [change], "lock": lock("RUN A; reload")}, session)
    assert bad["outcome"] == "lock_error" and bad["error"]["type"] == "InvalidArgument"
    assert [c["status"] for c in bad["changes"]] == ["not_attempted"]
    now = datetime.now(timezone.utc)
    config.aliases[ios_lock.alias_name("RUN-Z")] = (
        f"run RUN-Z owner z@ws acquired {now:%Y-%m-%dT%H:%M:%SZ} "
        f"expires {(now + timedelta(minutes=5)):%Y-%m-%dT%H:%M:%SZ}")
    held = ios_agent.execute_request({"mode": "apply", "changes": [change], "lock": lock("RUN-A")}, session)
    assert held["outcome"] == "locked" and held["holder"]["run_id"] == "RUN-Z" and held["holder"]["expired"] is False


def test_the_owner_on_the_device_is_reduced_to_safe_characters() -> None:
    config = SharedConfig()
    ios_lock.take(Session(config), {"run_id": "RUN-A", "owner": "evil\nreload\r\n| include x ?", "ttl_seconds": 60})
    (text,) = config.aliases.values()
    assert re.fullmatch(r"run RUN-A owner evil_reload____include_x__ acquired \S+ expires \S+", text), text
