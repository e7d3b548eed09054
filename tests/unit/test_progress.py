"""Progress (remediate/engine/progress.py): the plain form is stable line-oriented text with no control codes;
the terminal form shows an overall bar and a live line per host in flight; `auto` picks by isatty."""

from __future__ import annotations

import io
import re
import threading

from rich.console import Console

from remediate.engine.fleet import NoProgress
from remediate.engine.progress import PlainProgress, TerminalProgress, make_progress
from remediate.safetext import clean

STAMP = "2026-11-28T20:15:00Z"
# Any C0/C1 control character or DEL, newline excepted (it ends each line).
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (?:\S+ (?:plan|apply|rollback) (?:started|finished \S+ "
                  r"\d+\.\ds \(\d+/\d+\))|(?:plan|apply|rollback): .+|note: .+)$")


class Ticks:
    """A fake monotonic clock: each call is one second later."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def plain(stream: io.StringIO) -> PlainProgress:
    return PlainProgress(stream, stamp=lambda: STAMP, clock=Ticks())


def test_plain_lines_are_exactly_these() -> None:
    out = io.StringIO()
    progress = plain(out)
    progress.phase_started("plan", 2)
    progress.host_started("ex1", "plan")
    progress.host_started("ex2", "plan")
    progress.host_finished("ex2", "plan", "compliant")
    progress.host_finished("ex1", "plan", "drift")
    progress.note("batch 1 of 2: 1 host(s)")
    progress.phase_finished("plan")
    assert out.getvalue().splitlines() == [
        f"{STAMP} plan: 2 host(s)",
        f"{STAMP} ex1 plan started",
        f"{STAMP} ex2 plan started",
        f"{STAMP} ex2 plan finished compliant 1.0s (1/2)",
        f"{STAMP} ex1 plan finished drift 3.0s (2/2)",
        f"{STAMP} note: batch 1 of 2: 1 host(s)",
        f"{STAMP} plan: done 2/2 in 5.0s",
    ]


def test_plain_output_never_holds_a_control_code() -> None:
    out = io.StringIO()
    progress = plain(out)
    progress.phase_started("apply", 1)
    progress.host_started("ex1", "apply")
    progress.note("evil \x1b[31mred\x1b[0m\rover\nwrite\x07\x9b2J\ttab\x7f")
    progress.host_finished("ex1", "apply", "applied\r")
    progress.phase_finished("apply")
    text = out.getvalue()
    assert text.endswith("\n") and not CONTROL.search(text)
    lines = text.splitlines()
    assert len(lines) == 5 and all(LINE.match(line) for line in lines), lines
    assert lines[2] == f"{STAMP} note: evil \\x1b[31mred\\x1b[0m\\rover\\nwrite\\x07\\x9b2J\\ttab\\x7f"


def test_plain_lines_stay_whole_when_many_threads_report() -> None:
    out = io.StringIO()
    progress = PlainProgress(out)
    progress.phase_started("plan", 400)

    def host(n: int) -> None:
        progress.host_started(f"h{n}", "plan")
        progress.host_finished(f"h{n}", "plan", "compliant")

    threads = [threading.Thread(target=host, args=(n,)) for n in range(400)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    progress.phase_finished("plan")
    lines = out.getvalue().splitlines()
    assert len(lines) == 802 and all(LINE.match(line) for line in lines)
    assert lines[-1].endswith("plan: done 400/400 in " + lines[-1].rsplit(" in ", 1)[1])
    assert sum(1 for line in lines if line.endswith("(400/400)")) == 1


def test_clean_escapes_controls_only() -> None:
    assert clean("ok: é ü 東京 ~!") == "ok: é ü 東京 ~!"
    assert clean("a\x00b\x1bc\x85d") == "a\\x00b\\x1bc\\x85d"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_picks_by_isatty() -> None:
    assert isinstance(make_progress("auto", io.StringIO()), PlainProgress)
    assert isinstance(make_progress("auto", Tty()), TerminalProgress)
    assert isinstance(make_progress("plain", Tty()), PlainProgress)
    assert isinstance(make_progress("terminal", io.StringIO()), TerminalProgress)
    assert isinstance(make_progress("none", Tty()), NoProgress)


def test_terminal_shows_overall_bar_and_a_line_per_host_in_flight() -> None:
    out = io.StringIO()
    progress = TerminalProgress(Console(file=out, force_terminal=True, width=100, color_system=None))
    progress.phase_started("plan", 3)
    progress.host_started("ex1", "plan")
    progress.host_started("ex2", "plan")
    progress.host_finished("ex2", "plan", "compliant")
    progress._progress.refresh()
    screen = out.getvalue()
    assert "1/3" in screen and "ex1 plan" in screen and "0:00:0" in screen  # overall count, host line, elapsed
    # Live lines: the overall bar and the host still in flight; a finished host's line is gone.
    assert [t.description for t in progress._progress.tasks] == ["[bold]plan[/]", "  ex1 [dim]plan[/]"]
    progress.note("batch 1 of 1")
    progress.host_finished("ex1", "plan", "drift")
    progress.phase_finished("plan")
    assert "batch 1 of 1" in out.getvalue()
    assert not progress._running
