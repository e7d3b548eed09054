"""The injection corpus (tests/data/hostile-strings.json) as registry data, value names and key paths.

Each hostile string reaches the playbook the way site-specific values do, through an inventory variable, so Jinja
syntax in it is data. Per vector, every string is either refused by validation (exit 1, one line naming the file,
line and field, no host contacted) or applied through the real CLI, pywinrm and the lab, then found verbatim in the
lab's registry, written by exactly the `registry.set` ops intended and nothing else; a second plan is clean and
rollback removes it all. The expected refusals are written out per vector: a loosened validator fails here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from remediate.errors import InputError

ROOT = "SOFTWARE\\RemediateInjection"
CONTROL = {"lf", "crlf", "cr", "nul", "tab-vt-ff", "escape-seq", "ios-newline-cmds", "ios-crlf-cmds", "ios-ctrl-z",
           "ios-ctrl-c", "herestring-single", "herestring-double", "base64-line", "agent-markers"}


def _reg_sz(n: int, var: str, _id: str) -> dict[str, Any]:
    return {"hive": "HKLM", "key": ROOT, "name": f"sz-{n}", "type": "REG_SZ", "data": var}


def _expand_sz(n: int, var: str, _id: str) -> dict[str, Any]:
    return {"hive": "HKLM", "key": ROOT, "name": f"expand-{n}", "type": "REG_EXPAND_SZ", "data": var}


def _multi_sz(n: int, var: str, _id: str) -> dict[str, Any]:
    return {"hive": "HKLM", "key": ROOT, "name": f"multi-{n}", "type": "REG_MULTI_SZ", "data": ["first", var]}


def _value_name(n: int, var: str, _id: str) -> dict[str, Any]:
    return {"hive": "HKLM", "key": ROOT, "name": var, "type": "REG_DWORD", "data": n}


def _key_path(n: int, var: str, id_: str) -> dict[str, Any]:
    return {"hive": "HKLM", "key": f"{ROOT}\\{n}\\{var}", "name": "v", "type": "REG_SZ", "data": id_}


# vector -> (resource builder, ids that validation must refuse, words the refusal must hold)
VECTORS: dict[str, tuple[Callable[[int, str, str], dict[str, Any]], set[str], str]] = {
    "reg_sz_data": (_reg_sz, {"nul"}, "NUL"),
    "reg_expand_sz_data": (_expand_sz, {"nul"}, "NUL"),
    "reg_multi_sz_item": (_multi_sz, {"nul"}, "NUL"),
    "value_name": (_value_name, {"nul", "long-quoted-40k"}, "value name|at most 16383"),
    "key_path": (_key_path, CONTROL | {"long-10k", "long-quoted-40k"}, "control characters|at most"),
}


def _write_playbook(path: Path, resources: list[dict[str, Any]]) -> Path:
    doc = {"rules": [{"id": "injection", "title": "Hostile strings", "cause": "a test", "source": "KB 0",
                      "resources": [{"kind": "registry_value", **r} for r in resources]}]}
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")  # JSON is YAML
    return path


def _expected_key(n: int, text: str) -> str:
    return "\\".join(p for p in f"{ROOT}\\{n}\\{text}".split("\\") if p)


def refusals(cli: Any, books: dict[str, Path]) -> dict[str, str]:
    """{id: the one-line error} for playbooks that must each be refused. The first goes through the CLI's
    `validate` (exit 1, one line on stderr, no traceback); the rest through what `validate` runs (load the
    playbook, render it for every host), in process, with the inventory loaded once: the same errors, faster."""
    from remediate.engine.plan import targets
    from remediate.inventory import load_inventory
    from remediate.playbook import load_catalog

    out: dict[str, str] = {}
    inventory = load_inventory(cli.inventory)
    for index, (id_, book) in enumerate(books.items()):
        if index == 0:
            code, _, err = cli("validate", "-p", str(book))
            lines = [line for line in err.strip().splitlines() if not line.startswith("warning: ")]
            assert code == 1 and len(lines) == 1 and "Traceback" not in err, (id_, err)
            out[id_] = lines[0]
            continue
        try:
            targets(inventory, load_catalog([book]), list(inventory.hosts))
        except InputError as exc:
            out[id_] = f"error: {exc}"
            assert "\n" not in str(exc), (id_, str(exc))
        else:
            raise AssertionError(f"{id_}: {book} was accepted")
    return out


@pytest.mark.parametrize("vector", list(VECTORS))
def test_hostile_strings_are_stored_verbatim_or_refused(vector: str, hostile_strings: dict[str, str], make_lab: Any,
                                                        cli: Any, tmp_path: Path) -> None:
    build, refused, refusal_words = VECTORS[vector]
    ids = list(hostile_strings)
    variables = {f"hostile_{n}": hostile_strings[i] for n, i in enumerate(ids)}
    lab = make_lab({"ex1": {}}, vars=variables)
    sim, endpoint = lab.hosts["ex1"].sim, lab.hosts["ex1"].endpoint
    original = sim.registry.snapshot()

    # Refusals: one playbook per refused string, each an error naming file, line and field; nobody contacted.
    books = {id_: _write_playbook(tmp_path / f"refused-{n}.yaml", [build(n, f"{{{{ hostile_{n} }}}}", id_)])
             for n, id_ in enumerate(ids) if id_ in refused}
    for id_, line in refusals(cli, books).items():
        assert f"{books[id_]}:" in line and "rules[0].resources[0]" in line, (id_, line)
        assert any(word in line for word in refusal_words.split("|")), (id_, line)
    assert endpoint.counters.snapshot().requests == 0

    # Everything else: applied in one run, stored verbatim, by exactly the intended writes.
    accepted = [(n, id_) for n, id_ in enumerate(ids) if id_ not in refused]
    resources = [build(n, f"{{{{ hostile_{n} }}}}", id_) for n, id_ in accepted]
    book = _write_playbook(tmp_path / "accepted.yaml", resources)
    sim.op_log.clear()
    code, result = cli.json("apply", "-p", str(book), "--yes")
    assert code == 0, result["hosts"][0]
    assert {op for op, _ in sim.op_log} <= {"facts", "registry.get", "registry.set"}
    sets = [args for op, args in sim.op_log if op == "registry.set"]
    assert len(sets) == len(accepted)

    values = sim.registry.snapshot()["HKLM"]
    for (n, id_), resource, args in zip(accepted, resources, sets):
        text = hostile_strings[id_]
        if vector == "key_path":
            key, name, data = _expected_key(n, text), "v", id_
        else:
            key = ROOT
            name = text if vector == "value_name" else resource["name"]
            data = {"reg_multi_sz_item": ["first", text], "value_name": n}.get(vector, text)
        assert args["key"].strip("\\") == key and args["name"] == name and args["data"] == data, id_
        assert values[key][name]["data"] == data, id_

    code, plan = cli.json("plan", "-p", str(book))
    assert code == 0, [i for i in plan["hosts"][0]["items"] if i["status"] != "compliant"][:3]

    code, undone = cli.json("rollback", result["run_id"])
    assert code == 0 and undone["hosts"][0]["outcome"] == "applied", undone
    # Keys created by the run stay (keys are never deleted); every value is gone again.
    assert {k: v for k, v in sim.registry.snapshot().get("HKLM", {}).items() if v} == \
        {k: v for k, v in original.get("HKLM", {}).items() if v}


def test_the_corpus_is_complete(hostile_strings: dict[str, str]) -> None:
    """At least 40 strings, with every class the issue names present."""
    texts = list(hostile_strings.values())
    assert len(texts) >= 40 and len(set(t.lower() for t in texts)) == len(texts)
    joined = "".join(texts)
    for needed in ["'", '"', "\u2018", "\u2019", "\u201a", "\u201b", "\u201c", "\u201d", "\u201e", "\u2013",
                   "\u2014", "`", "$(", "@(", ";", "|", "&", ">", ">>", "2>&1", "\n", "\r", "\x00", "#>", "<#",
                   "'@", '"@', "\x1a"]:
        assert needed in joined, repr(needed)
    assert max(len(t) for t in texts) >= 10000


# ------------------------------------------------------------------------------------------------ other kinds
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
BANNER_TEXT = re.compile(r"[ -~]*")  # one line of printable ASCII


def _book(path: Path, resources: list[dict[str, Any]]) -> Path:
    doc = {"rules": [{"id": "hostile", "title": "Hostile strings", "cause": "a test", "source": "KB 0",
                      "resources": resources}]}
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


# field -> (resource for corpus entry n, does the documented rule accept the text, words of the refusal)
OTHER_FIELDS: dict[str, tuple[Callable[[int], dict[str, Any]], Callable[[str], bool], str]] = {
    "send_connector_name": (
        lambda n: {"kind": "exchange_send_connector", "name": f"{{{{ hostile_{n} }}}}", "port": 587},
        lambda text: not CONTROL_CHARS.search(text) and len(text) <= 64, "send connector name"),
    "smart_host": (
        lambda n: {"kind": "exchange_send_connector", "name": "Internet", "dns_routing_enabled": False,
                   "smart_hosts": [f"{{{{ hostile_{n} }}}}"]},
        lambda text: False, "smart host"),
    "receive_connector_banner": (
        lambda n: {"kind": "exchange_receive_connector", "identity": f"banner-{n}",
                   "banner": f"220 {{{{ hostile_{n} }}}}"},
        lambda text: bool(BANNER_TEXT.fullmatch(text)) and len(text) <= 506, "banner"),
    "ios_inspect_name": (
        lambda n: {"kind": "ios_config_line", "inspect_name": f"{{{{ hostile_{n} }}}}", "protocol": "esmtp",
                   "state": "present"},
        lambda text: False, "inspect_name"),
}


def test_hostile_strings_as_connector_names_banners_smart_hosts_and_ios_lines(
        hostile_strings: dict[str, str], make_lab: Any, cli: Any, tmp_path: Path) -> None:
    ids = list(hostile_strings)
    variables = {f"hostile_{n}": hostile_strings[i] for n, i in enumerate(ids)}
    names_ok = [n for n, i in enumerate(ids) if OTHER_FIELDS["send_connector_name"][1](hostile_strings[i])]
    banners_ok = [n for n, i in enumerate(ids) if OTHER_FIELDS["receive_connector_banner"][1](hostile_strings[i])]
    state = {"send_connectors": {hostile_strings[ids[n]]: {"port": 25} for n in names_ok},
             "receive_connectors": {f"{{server}}\\banner-{n}": {"banner": None} for n in banners_ok}}
    state["send_connectors"]["Internet"] = {"dns_routing_enabled": True, "smart_hosts": [], "port": 25}
    lab = make_lab({"ex1": {"state": {"exchange": state}}}, vars=variables)
    sim, endpoint = lab.hosts["ex1"].sim, lab.hosts["ex1"].endpoint
    original = sim.exchange.snapshot()
    # One more host, an IOS router that validation renders IOS rules for; `validate` never connects to it.
    inventory = lab.inventory()
    inventory["hosts"]["rtr1"] = {"connection": {"type": "ios_ssh", "address": "127.0.0.1", "port": 9,
                                                 "validate_cert": False}, "vars": variables}
    cli.inventory.write_text(json.dumps(inventory), encoding="utf-8")  # JSON is YAML

    for field, (build, accepts, words) in OTHER_FIELDS.items():
        books = {id_: _book(tmp_path / f"{field}-{n}.yaml", [build(n)])
                 for n, id_ in enumerate(ids) if not accepts(hostile_strings[id_])}
        for id_, line in refusals(cli, books).items():
            assert f"{books[id_]}:" in line and "rules[0].resources[0]" in line and words in line, (field, id_, line)
    assert endpoint.counters.snapshot().requests == 0

    resources = [OTHER_FIELDS["send_connector_name"][0](n) for n in names_ok]
    resources += [OTHER_FIELDS["receive_connector_banner"][0](n) for n in banners_ok]
    book = _book(tmp_path / "accepted.yaml", resources)
    sim.op_log.clear()
    code, result = cli.json("apply", "-p", str(book), "--yes", "--limit", "ex1")
    assert code == 0, result["hosts"][0]
    writes = [(op, args) for op, args in sim.op_log if op.endswith(".set")]
    assert {op for op, _ in sim.op_log} <= {"facts", "exchange.sendconnector.get", "exchange.sendconnector.set",
                                            "exchange.receiveconnector.get", "exchange.receiveconnector.set"}
    assert len(writes) == len(names_ok) + len(banners_ok)
    snap = sim.exchange.snapshot()
    for n in names_ok:
        assert snap["send_connectors"][hostile_strings[ids[n]]]["port"] == 587, ids[n]
    banners = {identity.split("\\")[-1]: spec["banner"] for identity, spec in snap["receive_connectors"].items()}
    for n in banners_ok:
        assert banners[f"banner-{n}"] == "220 " + hostile_strings[ids[n]], ids[n]

    code, undone = cli.json("rollback", result["run_id"])
    assert code == 0, undone
    assert sim.exchange.snapshot() == original
