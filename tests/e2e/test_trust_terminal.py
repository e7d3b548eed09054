"""Terminal control sequences from hosts, files and playbooks are shown escaped by every text writer (issue 12,
finding 5): `ESC ] 0 ; ... BEL` (retitles the terminal), `ESC [ 2 J` (clears it), a C1 CSI and U+202E (right-to-left
override) in a registry value name, in data, in a lock owner planted on the server, in a waiver's justification,
in a --reason, in an error from the host. One test per writer, through the real CLI and the lab; the terminal
writers are also run with a real terminal's styles on (force_terminal) to show only rich's own sequences pass.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from remediate.safetext import SafeConsole, clean, json_text, markup

TITLE = "\x1b]0;owned\x07"
CLEAR = "\x1b[2J"
HOSTILE = f"{TITLE}{CLEAR}\u202eexe.txt\x9b31m\x1b[1;31mRED\u2066x\u2069\x7f\rline\nforged"
KEY = "SOFTWARE\\Remediate\\Terminal"
# What must never reach the terminal raw: every control character but the newlines the writer itself ends lines
# with, and the bidi controls and separators.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def assert_inert(*texts: str) -> None:
    for text in texts:
        found = RAW.findall(text)
        assert not found, (found, text)
        assert not any(line.startswith("forged") for line in text.splitlines()), "a value forged a line"


def escaped_form() -> str:
    return clean(HOSTILE)


def test_clean_table() -> None:
    assert clean("\x1b]0;t\x07") == "\\x1b]0;t\\x07"
    assert clean("a\u202eb\u2066c\u2069") == "a\\u202eb\\u2066c\\u2069"
    assert clean("\x9b\x85\x7f\x00") == "\\x9b\\x85\\x7f\\x00"
    assert clean("l1\nl2\r\t") == "l1\\nl2\\r\\t"
    assert clean("l1\nl2\x1b", keep_newlines=True) == "l1\nl2\\x1b"
    assert clean("é 東京 🎉 C:\\evil \u200b") == "é 東京 🎉 C:\\evil \u200b"  # text, backslashes, zero-width: as is
    assert markup("[bold]x\x1b") == "\\[bold]x\\x1b"
    assert json.loads(json_text(json.dumps({"k": "a\u202e\x9b"}, ensure_ascii=False))) == {"k": "a\u202e\x9b"}
    assert not RAW.search(json_text(json.dumps({"k": "a\u202e\x9b\x7f"}, ensure_ascii=False)))


def test_safe_console_passes_only_its_own_sequences() -> None:
    out = io.StringIO()
    console = SafeConsole(file=out, force_terminal=True, color_system="standard", highlight=False)
    console.print(f"[bold]styled[/] {HOSTILE}")  # a writer that forgot markup(): the net still holds
    text = out.getvalue()
    assert "\x1b[1m" in text  # rich's own style
    for raw in (TITLE, CLEAR, "\u202e", "\x9b", "\x1b[1;31m", "\x07", "\r"):
        assert raw not in text
    assert "\\x1b]0;owned" in text and "\\x1b[2J\\u202eexe.txt" in text  # rich itself drops BEL and CR


@pytest.fixture
def hostile_lab(make_lab: Any, playbook: Any, cli: Any) -> tuple[Any, Path]:
    # Through an inventory variable, as a hostile value reaches a playbook (YAML refuses raw C1 in a file).
    lab = make_lab({"ex1": {"HKLM": {KEY: {HOSTILE: {"type": "REG_SZ", "data": "old"},
                                           "Data": {"type": "REG_SZ", "data": HOSTILE}}}}}, vars={"hostile": HOSTILE})
    book = playbook([{"hive": "HKLM", "key": KEY, "name": "{{ hostile }}", "type": "REG_SZ", "data": "new"},
                     {"hive": "HKLM", "key": KEY, "name": "Data", "type": "REG_SZ", "data": "new"}])
    return lab, book


def test_plan_writer(hostile_lab: Any, cli: Any) -> None:
    lab, book = hostile_lab
    code, out, err = cli("plan", "-p", str(book))
    assert code == 2, err
    assert_inert(out, err)
    assert escaped_form() in out  # the value name and the data, shown escaped: readable, inert


def test_plan_writer_on_a_real_terminal(hostile_lab: Any, cli: Any, tmp_path: Path) -> None:
    from remediate.engine.model import Plan
    from remediate.reports.terminal import print_plan

    lab, book = hostile_lab
    code, plan = cli.json("plan", "-p", str(book))
    out = io.StringIO()
    print_plan(Plan.model_validate(plan), SafeConsole(file=out, force_terminal=True, color_system="standard",
                                                      highlight=False, soft_wrap=True))
    text = out.getvalue()
    assert "\x1b[" in text  # styles are on
    for raw in (TITLE, CLEAR, "\u202e", "\x9b", "\x1b[1;31m"):
        assert raw not in text


def test_json_writer(hostile_lab: Any, cli: Any) -> None:
    lab, book = hostile_lab
    code, out, err = cli("plan", "-p", str(book), "--json")
    assert_inert(out)
    items = json.loads(out)["hosts"][0]["items"]
    assert items[0]["identity"]["name"] == HOSTILE  # the same value, escaped in JSON's own way


def test_apply_and_rollback_writers(hostile_lab: Any, cli: Any) -> None:
    lab, book = hostile_lab
    code, out, err = cli("apply", "-p", str(book), "--yes", "--reason", HOSTILE)
    assert code == 0, err
    assert_inert(out, err)
    run_id = re.search(r"apply run (\S+):", out).group(1)  # type: ignore[union-attr]
    code, out, err = cli("history")
    assert code == 0, err
    assert_inert(out, err)
    code, out, err = cli("history", "show", run_id)
    assert code == 0, err
    assert_inert(out, err)
    assert clean(HOSTILE)[:30] in out  # the reason, escaped
    code, out, err = cli("rollback", run_id)
    assert code == 0, err
    assert_inert(out, err)


def test_check_writer_with_a_hostile_waiver(hostile_lab: Any, cli: Any, write: Any) -> None:
    lab, book = hostile_lab
    waivers = write("waivers.yaml", json.dumps({"waivers": [  # JSON's \\u escapes are YAML's too
        {"host": "ex1", "rule": "test-rule", "justification": HOSTILE, "expires": "2999-01-01"},
        {"host": "nothing-*", "rule": "test-rule", "justification": HOSTILE, "expires": "2999-01-01"}]}))
    code, out, err = cli("check", "-p", str(book), "--waivers", str(waivers))
    assert_inert(out, err)
    assert clean(HOSTILE)[:30] in out + err
    code, out, err = cli("check", "-p", str(book), "--waivers", str(waivers), "--json")
    assert_inert(out)


def test_unlock_writer_with_a_planted_owner(make_lab: Any, cli: Any) -> None:
    lab = make_lab({"ex1": {}})
    sim = lab.hosts["ex1"].sim
    record = {"run_id": "RUN-1", "owner": HOSTILE, "acquired_utc": "2020-01-01T00:00:00Z",
              "expires_utc": "2999-01-01T00:00:00Z"}
    sim.host_lock.load(record)
    code, out, err = cli("unlock", "ex1", "-i", str(cli.inventory), "--run", "OTHER")
    assert code == 3  # refused: another run's lock, its (hostile) owner named on the error line
    assert_inert(out, err)
    assert clean(HOSTILE)[:30] in err
    sim.host_lock.load(record)
    code, out, err = cli("unlock", "ex1", "-i", str(cli.inventory), "--run", "RUN-1")
    assert code == 0, err
    assert_inert(out, err)
    assert clean(HOSTILE)[:30] in out


def test_apply_refusal_writer_with_a_planted_lock(make_lab: Any, cli: Any, playbook: Any) -> None:
    lab = make_lab({"ex1": {}})
    book = playbook([{"hive": "HKLM", "key": KEY, "name": "v", "type": "REG_SZ", "data": "x"}])
    lab.hosts["ex1"].sim.host_lock.load({"run_id": HOSTILE, "owner": HOSTILE,
                                         "acquired_utc": "2020-01-01T00:00:00Z", "expires_utc": "2999-01-01T00:00:00Z"})
    code, out, err = cli("apply", "-p", str(book), "--yes")
    assert code == 3, (out, err)  # locked: the refusal names the (hostile) run and owner, escaped
    assert_inert(out, err)
    assert clean(HOSTILE)[:30] in out
    code, out, err = cli("apply", "-p", str(book), "--yes", "--json")
    assert_inert(out, err)


def test_validate_and_policy_writers(make_lab: Any, cli: Any, write: Any) -> None:
    make_lab({"ex1": {}})
    text = cli.inventory.read_text()
    cli.inventory.write_text(text.replace("hosts:", "vars:\n  site_note: " + json.dumps(HOSTILE) + "\nhosts:", 1))
    book = write("when.yaml", json.dumps({"rules": [{
        "id": "needs-var", "title": "t", "cause": "c", "source": "s",
        "when": "facts.os == " + json.dumps(HOSTILE) + " and undefined_thing",
        "resources": [{"kind": "registry_value", "hive": "HKLM", "key": KEY, "name": "{{ undefined_thing }}",
                       "type": "REG_SZ", "data": "x"}]}]}))
    code, out, err = cli("validate", "-p", str(book))
    assert_inert(out, err)


def test_progress_writers() -> None:
    from remediate.engine.progress import PlainProgress, TerminalProgress

    plain = io.StringIO()
    progress = PlainProgress(plain)
    progress.phase_started("apply", 1)
    progress.host_started(HOSTILE, "apply")
    progress.note(HOSTILE)
    progress.host_finished(HOSTILE, "apply", HOSTILE)
    progress.phase_finished("apply")
    assert_inert(plain.getvalue())
    term = io.StringIO()
    live = TerminalProgress(SafeConsole(file=term, force_terminal=True, color_system="standard"))
    live.phase_started("apply", 1)
    live.host_started(HOSTILE, "apply")
    live.note(HOSTILE)
    live.host_finished(HOSTILE, "apply", "applied")
    live.phase_finished("apply")
    for raw in (TITLE, CLEAR, "\u202e", "\x9b", "\x1b[1;31m", "\x00"):
        assert raw not in term.getvalue()


def test_inventory_import_report_writer(capsys: pytest.CaptureFixture[str]) -> None:
    from remediate.cli.inventory import _print_report

    _print_report({"source": HOSTILE, "output": None, "hosts": [HOSTILE], "skipped": {HOSTILE: HOSTILE},
                   "secrets": {"ENV": [HOSTILE]}, "notes": [HOSTILE], "unmapped": {HOSTILE: {"hosts": [HOSTILE],
                                                                                        "why": HOSTILE}}})
    out, err = capsys.readouterr()
    assert_inert(out, err)
    assert clean(HOSTILE) in err


def test_diagnose_writer(hostile_lab: Any, cli: Any) -> None:
    lab, book = hostile_lab
    for extra in ((), ("--json",)):
        code, out, err = cli("diagnose", "-p", str(book), "-i", str(cli.inventory), *extra)
        assert "Traceback" not in err and "internal error" not in err, err
        assert_inert(out, err)
