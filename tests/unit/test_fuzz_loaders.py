"""Property tests: random YAML (and JSON) fed to every loader of user files. Never a traceback.

Each loader must either load or raise `RemediateError` (in practice `InputError`, naming the file). Documents come
three ways: random structures dumped as YAML, valid documents with one part replaced by a random value (so the
fuzzing reaches deep validation, not only the top-level type check), and random YAML-ish text (anchors, tags,
merge keys, directives). A loaded playbook is also rendered for a host; a loaded plan file is also turned into the
apply request, because that is what `apply PLAN` does next.
Example counts are modest (the whole module runs in seconds); `REMEDIATE_FUZZ_EXAMPLES=2000` hunts longer.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from remediate.cli.apply import load_plan_file
from remediate.engine.apply import Change, apply_request
from remediate.errors import RemediateError
from remediate.inventory import load_inventory
from remediate.playbook import load_catalog
from remediate.waivers import load_waivers

# Per test, not a global profile: other modules' property tests keep their own settings.
FUZZ = settings(max_examples=int(os.environ.get("REMEDIATE_FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

WORK = Path(tempfile.mkdtemp(prefix="remediate-fuzz-"))

# Words the loaders look for, so random documents often hit real fields and values.
WORDS = ["rules", "include", "version", "id", "title", "cause", "source", "remedy", "advice", "when", "resources",
         "kind", "registry_value", "hive", "key", "name", "state", "type", "data", "HKLM", "HKEY_LOCAL_MACHINE",
         "REG_SZ", "REG_DWORD", "REG_QWORD", "REG_MULTI_SZ", "REG_BINARY", "REG_EXPAND_SZ", "present", "absent",
         "auto", "manual", "hosts", "groups", "vars", "connection", "address", "port", "scheme", "transport",
         "user", "password", "env", "keyring", "service", "username", "validate_cert", "ca_file", "http", "https",
         "ntlm", "basic", "operation_timeout", "change_window", "waivers", "host", "rule", "justification",
         "expires", "2030-02-30", "2027-03-31", "{{ x }}", "{{ facts.os_version }}", "{% if %}", "{{", "}}", "",
         "ex1", "*", "a\\b", "0x1f", "-1", "4294967296", "18446744073709551616", "\x00", "\u2018"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12), st.sampled_from(WORDS))
keys = st.one_of(st.sampled_from(WORDS), st.text(max_size=6), st.integers(-3, 3), st.booleans(), st.none())
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=5)), max_leaves=25)

YAMLISH = ["a: ", "- ", "{", "}", "[", "]", ", ", "&x ", "*x", "<<: *x\n", "!!binary ", "!!set ", "!!omap ",
           "!!python/object:os.system ", "!custom ", "? ", ": ", "\n", "  ", "'", '"', "%YAML 1.1\n", "%TAG ! x\n",
           "---\n", "...\n", "\t", "|\n", ">-\n", "# c\n", "rules:", "hosts:", "waivers:", "id: x", "kind: ",
           "registry_value", "0x10", "1e999", ".nan", "~", "2030-02-30", "\\u0000", "\ufeff", "\x85", "\x07"]
yamlish = st.lists(st.sampled_from(YAMLISH), max_size=30).map("".join)

_yaml = YAML(typ="rt")
_yaml.default_flow_style = None


def dump(data: Any) -> str:
    out = io.StringIO()
    _yaml.dump(data, out)
    return out.getvalue()


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for key, child in node.items():
            out += _paths(child, (*path, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            out += _paths(child, (*path, index))
    return out


def mutated(valid: Any) -> st.SearchStrategy[Any]:
    """`valid` with one node (any node, drawn uniformly) replaced by a random value, dropped, or given a sibling."""
    paths = _paths(valid)

    @st.composite
    def build(draw: Callable[..., Any]) -> Any:
        doc = json.loads(json.dumps(valid))
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if not path:
            return draw(values)
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        slot = path[-1]
        if action == "replace":
            parent[slot] = draw(values)
        elif action == "drop":
            del parent[slot]
        elif isinstance(parent, dict):
            parent[draw(keys)] = draw(values)
        else:
            parent.insert(slot, draw(values))
        return doc

    return build()


def documents(valid: Any) -> st.SearchStrategy[str]:
    return st.one_of(values.map(dump), mutated(valid).map(dump), yamlish)


def write(name: str, text: str) -> Path:
    path = WORK / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


# ------------------------------------------------------------------------------------------------ playbooks
PLAYBOOK = {"rules": [
    {"id": "r1", "title": "t", "cause": "c", "source": "KB 1", "when": "facts.os_version is not none",
     "resources": [{"kind": "registry_value", "hive": "HKLM", "key": "SOFTWARE\\{{ x }}", "name": "v",
                    "type": "REG_DWORD", "data": "{{ n }}"},
                   {"kind": "registry_value", "hive": "HKLM", "key": "K", "name": "gone", "state": "absent"}]},
    {"id": "r2", "title": "t", "cause": "c", "source": "s", "remedy": "manual", "advice": "do it",
     "resources": [{"kind": "registry_value", "hive": "HKLM", "key": "K", "name": "m", "type": "REG_MULTI_SZ",
                    "data": ["a", "{{ x }}"]}]},
]}


@FUZZ
@given(documents(PLAYBOOK), st.dictionaries(st.sampled_from(["x", "n", "y"]), values, max_size=3))
def test_playbook_loader_and_render_never_crash(text: str, host_vars: dict[str, Any]) -> None:
    path = write("playbook.yaml", text)
    try:
        catalog = load_catalog([path])
        catalog.render(host_vars, "ex1")
    except RemediateError as exc:
        assert str(path) in str(exc) or "no rules" in str(exc)


# ------------------------------------------------------------------------------------------------ inventories
INVENTORY = {
    "vars": {"x": "one", "n": 7}, "connection": {"scheme": "https", "user": "admin", "password": {"env": "REMEDIATE_FUZZ_PW"}},
    "groups": {"g": {"hosts": ["ex1"], "vars": {"y": "z"}, "connection": {"port": 5986}},
               "spare": {"hosts": [], "connection": {"password": {"keyring": "svc/user"}}}},
    "hosts": {"ex1": {"connection": {"address": "10.0.0.1", "validate_cert": False}},
              "ex2": {"connection": {"address": "ex2.contoso.com", "password": {"env": "REMEDIATE_FUZZ_PW"}}}},
}


@FUZZ
@given(documents(INVENTORY))
def test_inventory_loader_never_crashes(text: str) -> None:
    path = write("inventory.yaml", text)
    try:
        load_inventory(path)
    except RemediateError as exc:
        assert str(path) in str(exc)


# ------------------------------------------------------------------------------------------------ waivers
WAIVERS = {"waivers": [{"host": "ex*", "rule": "r1", "justification": "ticket 1", "expires": "2027-03-31"}]}


@FUZZ
@given(documents(WAIVERS))
def test_waiver_loader_never_crashes(text: str) -> None:
    path = write("waivers.yaml", text)
    try:
        load_waivers(path)
    except RemediateError as exc:
        assert str(path) in str(exc)


# ------------------------------------------------------------------------------------------------ plan files
ITEM = {"rule_id": "r1", "rule_title": "t", "source": "s", "remedy": "auto", "advice": None,
        "kind": "registry_value", "identity": {"hive": "HKLM", "key": "K", "name": "v"}, "description": "HKLM\\K\\v",
        "status": "drift", "before": {"exists": True, "type": "REG_DWORD", "data": 0},
        "after": {"exists": True, "type": "REG_DWORD", "data": 1}, "action": "update",
        "diff": [{"path": "data", "before": 0, "after": 1}], "error": None,
        "defined_at": {"file": "/p.yaml", "line": 3}}
PLAN = {"format": "remediate.plan", "version": 1, "tool_version": "0.1.0", "created_at": "2026-11-28T20:15:00Z",
        "inventory": "/i.yaml", "playbooks": ["/p.yaml"], "fingerprint": "f", "inputs": {"/i.yaml": "0" * 64},
        "hosts": [{"host": "ex1", "endpoint": "http://h:5985/wsman", "status": "drift", "facts": {"os": "x"},
                   "error": None, "items": [ITEM, {**ITEM, "identity": {"hive": "HKLM", "key": "K", "name": "w"},
                                                   "after": {"exists": False}, "action": "delete"}]}]}


@FUZZ
@given(st.one_of(mutated(PLAN).map(json.dumps), values.map(json.dumps), documents(PLAN)))
def test_plan_file_loader_never_crashes_and_what_it_loads_can_be_sent(text: str) -> None:
    path = write("plan.json", text)
    try:
        plan = load_plan_file(path)
    except RemediateError as exc:
        assert str(path) in str(exc)
        return
    for host in plan.hosts:
        apply_request([Change.from_item(item) for item in host.changes])


# ------------------------------------------------------------------------------------------------ the CLI
GOOD_PLAYBOOK = dump(PLAYBOOK)
GOOD_INVENTORY = dump(INVENTORY)


def _validate(inventory: str, playbook: str) -> tuple[int, str]:
    import contextlib

    from remediate.cli.main import main

    inv, book = write("cli-inventory.yaml", inventory), write("cli-playbook.yaml", playbook)
    os.environ["REMEDIATE_FUZZ_PW"] = "fuzz"
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["validate", "-i", str(inv), "-p", str(book)])
    return code, err.getvalue()


@FUZZ
@given(st.one_of(documents(INVENTORY).map(lambda t: (t, GOOD_PLAYBOOK)),
                 documents(PLAYBOOK).map(lambda t: (GOOD_INVENTORY, t))))
def test_validate_command_never_reports_an_internal_error(files: tuple[str, str]) -> None:
    """Everything `validate` does with the files (render every rule for every host, resolve references)."""
    code, err = _validate(*files)
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 0 or err.startswith(("error: ", "warning: ")), err


# ------------------------------------------------------------------------------------------------ found crashes
def _plan_with(**item: Any) -> str:
    doc = json.loads(json.dumps(PLAN))
    doc["hosts"][0]["items"][0].update(item)
    return json.dumps(doc)


CRASHES = [
    # (loader, text, words in the one-line error) for every crash the properties above found, kept as examples
    ("playbook", "!!set ", "\"!!set\" is not supported"),
    ("inventory", "hosts: !!omap [a: 1]", "\"!!omap\" is not supported"),
    ("waivers", "waivers: [!custom x]", "\"!custom\" is not supported"),
    # A lone UTF-16 surrogate escape: once in a plan or a report it crashed the JSON writer (injection test).
    # (by line only: until a file is known to be a playbook its errors quote nothing from it, keys included)
    ("playbook", 'rules: ["x\\ud83c"]', ".playbook:1: holds an unpaired UTF-16 surrogate"),
    ("plan", _plan_with(before={"exists": True, "data": 0}), "hosts[0].items[0]: not a valid registry_value change"),
    ("plan", _plan_with(before=None), "not a valid registry_value change"),
    ("plan", _plan_with(kind="registry_valu"), "unknown resource kind 'registry_valu'"),
    ("plan", _plan_with(kind="smtp_banner_probe"), "read-only probe"),
    ("plan", json.dumps({**PLAN, "hosts": PLAN["hosts"] * 2}), "hosts[1].host: host 'ex1' is listed twice"),
]
LOADERS: dict[str, Callable[[Path], Any]] = {"playbook": lambda p: load_catalog([p]), "inventory": load_inventory,
                                             "waivers": load_waivers, "plan": load_plan_file}


def test_found_crashes_are_clear_errors() -> None:
    for loader, text, words in CRASHES:
        path = write(f"crash.{loader}", text)
        try:
            LOADERS[loader](path)
        except RemediateError as exc:
            assert words in str(exc) and str(path) in str(exc), (loader, str(exc))
        else:
            raise AssertionError(f"{loader} accepted {text[:60]!r}")
    code, err = _validate(GOOD_INVENTORY, GOOD_PLAYBOOK.replace("kind: registry_value", "kind: []", 1))
    assert code == 1 and "internal error" not in err and "rules[0].resources[0]" in err, err


def test_the_seed_documents_are_valid() -> None:
    """Mutations start from valid files, so every failure above is the mutation's doing."""
    assert _validate(GOOD_INVENTORY, GOOD_PLAYBOOK)[0] == 0
    load_waivers(write("seed-waivers.yaml", dump(WAIVERS)))
    load_plan_file(write("seed-plan.json", json.dumps(PLAN)))
