"""The agent assembled per request (issue 17): the core and the fragments of the ops a request names."""

from __future__ import annotations

import re

import pytest

from remediate import agent
from remediate.engine.apply import Change, apply_request
from test_agent_script_parses import syntax_problems  # same directory: pytest puts it on sys.path

TABLE = agent.fragment_table()
ALL = frozenset(TABLE)


def _switch_names(script: str) -> set[str]:
    body = script[script.index("switch -CaseSensitive -Exact ($name)"):]
    body = body[: body.index("default {")]
    return set(re.findall(r"^\s*'([a-z][a-z0-9_.]*)' \{", body, flags=re.M))


def test_the_whole_agent_is_every_fragment() -> None:
    assert agent.render_script() == agent.render_script(ALL)
    assert _switch_names(agent.render_script()) == {op.name for op in agent.agent_ops()}


@pytest.mark.parametrize("op", [op.name for op in agent.agent_ops()])
def test_each_op_brings_its_fragment_and_what_it_calls(op: str) -> None:
    chosen = agent.fragments_for({"mode": "read", "ops": [{"id": "r0", "op": op, "args": {}}]})
    owner = next(f.name for f in TABLE.values() if op in {o.name for o in f.ops})
    assert owner in chosen
    for name in chosen:
        assert TABLE[name].needs <= chosen
    script = agent.render_script(chosen)
    assert op in _switch_names(script)
    assert _switch_names(script) == {o.name for name in chosen for o in TABLE[name].ops}
    assert agent.is_genuine_script(script)
    # Every function the script calls is defined in it (nothing of an absent fragment is reached).
    absent = ALL - chosen
    for name in absent:
        for function in re.findall(r"(?im)^function\s+([A-Za-z][\w-]*)", TABLE[name].text):
            if function == "Invoke-LockedApply":
                continue  # called by the core only for a request with "lock" (test below)
            assert not re.search(r"(?i)(?<![\w-])" + re.escape(function) + r"(?![\w-])", script), (op, function)


def test_a_registry_plan_carries_no_exchange_metabase_or_firewall_code() -> None:
    request = {"mode": "read", "ops": [{"id": "facts", "op": "facts", "args": {}},
                                       {"id": "r0", "op": "registry.get", "args": {"hive": "HKLM"}}]}
    assert agent.fragments_for(request) == {"facts.ps1", "registry.ps1"}
    script = agent.script_for(request)
    for foreign in ("Get-ExchangeSendConnector", "Get-MetabaseProperty", "Get-FirewallRuleState", "Invoke-SmtpProbe"):
        assert foreign not in script
    assert len(agent.packed_script(agent.fragments_for(request))) < len(agent.packed_script()) / 2


def test_an_apply_brings_its_read_set_and_undo_ops_and_the_lock_when_locked() -> None:
    change = Change("registry_value", {"hive": "HKLM", "key": r"SOFTWARE\X", "name": "V", "type": "REG_DWORD"},
                    "d", "rule", {"exists": True, "type": "REG_DWORD", "data": 0},
                    {"exists": True, "type": "REG_DWORD", "data": 1})
    unlocked = apply_request([change])
    assert agent.fragments_for(unlocked) == {"registry.ps1"}
    locked = apply_request([change], lock={"owner": "x"})
    assert agent.fragments_for(locked) == {"registry.ps1", "lock.ps1"}


def test_an_unknown_op_selects_nothing_and_stays_unknown() -> None:
    chosen = agent.fragments_for({"mode": "read", "ops": [{"op": "no.such.op"}, {"op": 3}]})
    assert chosen == frozenset()
    script = agent.render_script(chosen)
    assert _switch_names(script) == set()
    assert "return (New-OpFailure 'UnknownOp' $unknown)" in script  # the default branch answers it
    assert agent.is_genuine_script(script)


@pytest.mark.parametrize("tamper", [
    lambda s: s.replace("registry", "Registry", 1),
    lambda s: s + "\n",
    lambda s: s.replace("# fragments: facts.ps1 registry.ps1", "# fragments: facts.ps1"),
    lambda s: s.replace("# fragments: facts.ps1 registry.ps1", "# fragments: facts.ps1 registry.ps1 nosuch.ps1"),
    lambda s: s.replace("# fragments: facts.ps1 registry.ps1", ""),
])
def test_a_script_that_is_no_assembly_is_not_genuine(tamper) -> None:  # type: ignore[no-untyped-def]
    script = agent.render_script(frozenset({"facts.ps1", "registry.ps1"}))
    assert agent.is_genuine_script(script)
    assert not agent.is_genuine_script(tamper(script))


def test_an_assembly_missing_what_a_fragment_calls_is_not_genuine() -> None:
    needy = next(f for f in TABLE.values() if f.needs)
    script = agent.render_script(frozenset({needy.name}))  # render_script completes it
    assert set(needy.needs) <= set(script.split("# fragments: ", 1)[1].splitlines()[0].split())
    partial = script.replace(script.split("# fragments: ", 1)[1].splitlines()[0], needy.name)
    assert not agent.is_genuine_script(partial)


@pytest.mark.parametrize("fragments", [frozenset(), *(frozenset({name}) for name in sorted(TABLE))],
                         ids=lambda f: "+".join(sorted(f)) or "core")
def test_every_assembly_parses(fragments: frozenset[str]) -> None:
    problems = syntax_problems(agent.render_script(fragments))
    assert not problems, "\n".join(problems)


def _walk(value: object) -> set[str]:
    names: set[str] = set()
    if isinstance(value, dict):
        if isinstance(value.get("op"), str):
            names.add(value["op"])
        for item in value.values():
            names |= _walk(item)
    elif isinstance(value, list):
        for item in value:
            names |= _walk(item)
    return names


def test_the_op_names_are_found_wherever_the_engine_puts_them() -> None:
    change = Change("registry_value", {"hive": "HKLM", "key": r"SOFTWARE\X", "name": "V", "type": "REG_DWORD"},
                    "d", "rule", {"exists": True, "type": "REG_DWORD", "data": 0}, {"exists": False})
    for request in (apply_request([change], lock={"owner": "x"}),
                    {"mode": "read", "ops": [{"id": "facts", "op": "facts", "args": {}},
                                             {"id": "r0", "op": "registry.get", "args": {}}]}):
        assert agent._op_names(request) == _walk(request)
